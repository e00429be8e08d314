import pytest
from pydantic import ValidationError

from evidence.access import Level
from indexer.records import FilingIn, PhotoIn, TestimonyIn


def test_csv_strings_and_yaml_values_validate_alike() -> None:
    from_csv = PhotoIn.model_validate(
        {
            "photo_id": "7",
            "branch_no": "215",
            "graphic": "false",
            "tags": "a; b",
            "confidentiality": "Sealed",
            "facility": "مستشفى تشرين",
        }
    )
    from_yaml = PhotoIn.model_validate(
        {
            "photo_id": 7,
            "branch_no": 215,
            "graphic": False,
            "tags": ["a", "b"],
            "confidentiality": "sealed",
            "facility": "hospital-tishreen",
        }
    )
    assert from_csv == from_yaml
    assert from_csv.confidentiality is Level.SEALED


def test_unknown_facility_names_the_closest_known_ones() -> None:
    with pytest.raises(ValidationError, match="closest known: branch-235"):
        TestimonyIn.model_validate(
            {"testimony_id": "t", "witness_pseudonym": "Z", "facilities": ["Palestin Branch"]}
        )


def test_required_fields_refuse_blank_values() -> None:
    with pytest.raises(ValidationError, match="required"):
        PhotoIn.model_validate({"photo_id": "   "})


def test_cites_must_be_ids_or_collection_references() -> None:
    base = {"filing_id": "f", "court": "c", "doc_type": "order"}
    assert FilingIn.model_validate(base | {"cites": ["caesar:1", "ph-abc"]}).cites
    with pytest.raises(ValidationError, match="neither a stable id"):
        FilingIn.model_validate(base | {"cites": ["photo 1"]})
