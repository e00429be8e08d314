"""`persons.yaml` (issue 24): what a reviewer's file may say, and the errors that refuse
the whole bundle, naming the file, the entry and the reason."""

from pathlib import Path

import pytest

from evidence.names import person_key
from indexer.bundle import BundleError, read_collection
from indexer.persons import read_persons


def _bundle(tmp_path: Path, persons: str | None) -> Path:
    (tmp_path / "collection.yaml").write_text("id: demo\ntitle: SYNTHETIC\n")
    if persons is not None:
        (tmp_path / "persons.yaml").write_text(persons, encoding="utf-8")
    return tmp_path


def test_a_curated_spelling_takes_the_entry_s_id_in_any_case_and_spacing(tmp_path: Path) -> None:
    registry = read_persons(
        _bundle(tmp_path, "- id: ali-nasser\n  name: Ali Nasser\n  aliases: [Abu Ali]\n")
    )
    assert registry.key("ABU  ali") == registry.key("Ali Nasser") == "ali-nasser"
    assert registry.key("Ali Naser") == person_key("Ali Naser")
    assert not registry.protects("Ali Nasser")


def test_no_file_and_an_empty_file_curate_nothing(tmp_path: Path) -> None:
    assert read_collection(_bundle(tmp_path, None)).persons.key("Abu Ali") == person_key("Abu Ali")
    assert read_persons(_bundle(tmp_path, "# nobody yet\n")).by_spelling == {}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("id: x\n", "expected a list of persons"),
        ("- id: Ali\n  name: Ali\n", "person 1: field id 'Ali' must match"),
        ("- id: ali\n", "person 1: field name is required"),
        ("- id: ali\n  name: Ali\n  alias: [A]\n", "person 1: unknown field 'alias'"),
        ("- id: ali\n  name: Ali\n  aliases: Abu Ali\n", "aliases must be a list of names"),
        ("- id: ali\n  name: Ali\n  role: suspect\n", "field role 'suspect' must be one of"),
        ("- id: ali\n  name: Ali\n  protected: yes please\n", "protected must be true or false"),
        (
            "- id: ali\n  name: Ali\n- id: ali\n  name: Alia\n",
            "person 2: id 'ali' is also person 1's",
        ),
        (
            "- id: ali\n  name: Ali\n- id: other\n  name: Omar\n  aliases: [ALI]\n",
            "person 2: 'ALI' is already a spelling of 'ali'",
        ),
        ("- &a {id: ali, name: Ali}\n- *a\n", "YAML aliases are not accepted (line 1)"),
        ("- id: [\n", "not valid YAML"),
    ],
)
def test_a_bad_persons_file_refuses_the_bundle(tmp_path: Path, text: str, reason: str) -> None:
    """Loading without a reviewer's file could publish a name they protected: the whole
    bundle is refused, as for a bad `collection.yaml`."""
    with pytest.raises(BundleError) as refused:
        read_collection(_bundle(tmp_path, text))
    assert str(tmp_path / "persons.yaml") in str(refused.value)
    assert reason in str(refused.value)
