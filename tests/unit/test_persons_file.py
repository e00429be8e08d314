"""`persons.yaml` (issue 24): what a reviewer's file may say, and the errors that refuse
the whole bundle, naming the file, the entry and the reason."""

from pathlib import Path

import pytest

from evidence.names import person_key
from indexer.bundle import BundleError, read_collection
from indexer.persons import PersonRegistry, read_persons


def _read(tmp_path: Path, text: str) -> PersonRegistry:
    return read_persons(_bundle(tmp_path, text), "demo")


def _bundle(tmp_path: Path, persons: str | None) -> Path:
    (tmp_path / "collection.yaml").write_text("id: demo\ntitle: SYNTHETIC\n")
    if persons is not None:
        (tmp_path / "persons.yaml").write_text(persons, encoding="utf-8")
    return tmp_path


def test_a_curated_spelling_takes_the_entry_s_id_in_any_case_and_spacing(tmp_path: Path) -> None:
    registry = _read(tmp_path, "- id: p-2\n  name: Ali Nasser\n  aliases: [Abu Ali]\n")
    assert registry.key("ABU  ali") == registry.key("Ali Nasser") == "demo~p-2"
    assert registry.key("Ali Naser") == person_key("Ali Naser")
    assert not registry.protects("Ali Nasser")


def test_a_protected_entry_protects_its_names_in_any_spelling_or_script(tmp_path: Path) -> None:
    """As a witness's name is matched: the whole name in other letters, not a surname
    alone; a role the rules never publish protects as `protected: true` does."""
    registry = _read(
        tmp_path,
        "- id: p-3\n  name: Fadi Karam\n  protected: true\n"
        "- id: p-4\n  name: Samir Daher\n  role: witness\n"
        "- id: p-5\n  name: Omar Haddad\n  role: alleged_perpetrator\n",
    )
    assert registry.protects("فادي كرم") and registry.protects("FADI KARAM")
    assert registry.protects("Samir Daher")
    assert not registry.protects("Karam") and not registry.protects("Omar Haddad")
    assert not registry.protects("Samir")
    (entry,) = registry.shielding("Fadi  Karam")
    assert entry.key == "demo~p-3"


def test_an_id_that_spells_the_person_s_name_is_refused(tmp_path: Path) -> None:
    """An id is public wherever the person's public mentions are: `ali-nasser`, or
    `alinasser`, would tie a public kunya to a name that may be a witness's."""
    for person_id in ("ali-nasser", "alinasser", "p-nasser"):
        with pytest.raises(BundleError, match="must be p- and a number"):
            read_collection(
                _bundle(tmp_path, f"- id: {person_id}\n  name: Abu Ali\n  aliases: [Ali Nasser]\n")
            )


def test_no_file_and_an_empty_file_curate_nothing(tmp_path: Path) -> None:
    assert read_collection(_bundle(tmp_path, None)).persons.key("Abu Ali") == person_key("Abu Ali")
    assert _read(tmp_path, "# nobody yet\n").by_spelling == {}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("id: x\n", "expected a list of persons"),
        ("- id: P-1\n  name: Ali\n", "person 1: field id 'P-1' must be p- and a number"),
        ("- id: p-1\n", "person 1: field name is required"),
        ("- id: p-1\n  name: Ali\n  alias: [A]\n", "person 1: unknown field 'alias'"),
        ("- id: p-1\n  name: Ali\n  aliases: Abu Ali\n", "aliases must be a list of names"),
        ("- id: p-1\n  name: Ali\n  role: suspect\n", "field role 'suspect' must be one of"),
        ("- id: p-1\n  name: Ali\n  protected: yes please\n", "protected must be true or false"),
        (
            "- id: p-1\n  name: Ali\n- id: p-1\n  name: Alia\n",
            "person 2: id 'p-1' is also person 1's",
        ),
        (
            "- id: p-1\n  name: Ali\n- id: p-2\n  name: Omar\n  aliases: [ALI]\n",
            "person 2: 'ALI' is already a spelling of person 1",
        ),
        ("- &a {id: p-1, name: Ali}\n- *a\n", "YAML aliases are not accepted (line 1)"),
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
