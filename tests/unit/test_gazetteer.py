import pytest

from evidence.gazetteer import Facility, Gazetteer, load_gazetteer


@pytest.mark.parametrize(
    ("name", "facility_id"),
    [
        ("Palestine Branch", "branch-235"),
        ("فرع فلسطين", "branch-235"),
        ("branch 215", "branch-215"),
        ("BRANCH-215", "branch-215"),
        ("مستشفى تشرين", "hospital-tishreen"),
        ("مشفى المزة العسكري 601", "hospital-601"),
        ("Sednaya", "saydnaya"),
    ],
)
def test_aliases_in_either_script_resolve_to_one_id(name: str, facility_id: str) -> None:
    facility = load_gazetteer().resolve(name)
    assert facility is not None and facility.id == facility_id


def test_every_domain_facility_is_present_with_both_names() -> None:
    gazetteer = load_gazetteer()
    assert {
        "branch-215",
        "branch-216",
        "branch-227",
        "branch-235",
        "branch-248",
        "branch-251",
        "branch-261",
        "afi-mezzeh",
        "hospital-601",
        "hospital-tishreen",
        "hospital-harasta",
        "saydnaya",
    } == set(gazetteer.facilities)
    assert all(f.name_en and f.name_ar for f in gazetteer.facilities.values())


def test_an_alias_claimed_by_two_facilities_is_refused() -> None:
    a = Facility("a", "branch", "A", "أ", ("Shared",))
    b = Facility("b", "branch", "B", "ب", ("shared",))
    with pytest.raises(ValueError, match="names both a and b"):
        Gazetteer([a, b])
