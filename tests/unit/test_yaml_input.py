"""Bundle YAML is read with anchors and aliases refused: a few hundred bytes of aliases
can expand to any size (each level below multiplies by ten), so the first anchor stops
the parse, with an error that names the file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evidence.yaml_input import ALIASES_REFUSED, read_bundle_yaml
from indexer.bundle import BundleError, read_collection
from indexer.load import validate_bundle


def alias_bomb(levels: int) -> str:
    """`levels` lists, each holding ten aliases of the one before: 10**levels leaves."""
    lines = ['l0: &l0 ["SYNTHETIC laughs"]']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_in_collection_yaml_stops_the_load_naming_the_file(
    tmp_path: Path,
) -> None:
    # Six levels: a title of millions of characters had it been expanded.
    (tmp_path / "collection.yaml").write_text(
        "id: bomb\n" + alias_bomb(6) + "title: *l6\nsynthetic: true\n"
    )
    with pytest.raises(BundleError) as refused:
        read_collection(tmp_path)
    message = str(refused.value)
    assert message == f"{tmp_path / 'collection.yaml'}: {ALIASES_REFUSED} (line 2)"


@pytest.mark.parametrize("where", ["sidecar", "front matter"])
def test_aliases_in_a_documents_metadata_reject_that_record_naming_the_file(
    tmp_path: Path, where: str
) -> None:
    (tmp_path / "collection.yaml").write_text("id: docs\ntitle: Docs\nsynthetic: true\n")
    folder = tmp_path / "testimonies"
    folder.mkdir()
    metadata = alias_bomb(4) + "testimony_id: T-1\nwitness_pseudonym: *l4\n"
    if where == "sidecar":
        (folder / "t1.txt").write_text("SYNTHETIC transcript")
        (folder / "t1.txt.yaml").write_text(metadata)
    else:
        (folder / "t1.txt").write_text(f"---\n{metadata}---\nSYNTHETIC transcript")
    (folder / "t2.txt").write_text(
        "---\ntestimony_id: T-2\nwitness_pseudonym: Z-2\n---\nSYNTHETIC transcript"
    )
    report = validate_bundle(tmp_path)
    [rejection] = report.rejections
    assert (rejection.file, rejection.field) == ("testimonies/t1.txt", "(metadata)")
    named = "t1.txt.yaml" if where == "sidecar" else "front matter"
    assert rejection.reason == f"{named} is not valid YAML: {ALIASES_REFUSED}"
    assert report.indexed == 1


@pytest.mark.parametrize(
    "text",
    ["a: &only 1\n", "a: 1\nb: *nowhere\n", "base: &b {x: 1}\nmerged:\n  <<: *b\n"],
    ids=["anchor", "alias", "merge key"],
)
def test_anchors_and_aliases_are_refused_wherever_they_are(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as refused:
        read_bundle_yaml(text, "meta.yaml")
    assert getattr(refused.value, "problem", None) == ALIASES_REFUSED
    assert 'in "meta.yaml"' in str(refused.value)


def test_plain_yaml_reads_as_safe_load_reads_it() -> None:
    text = (
        "id: x1\ntitle: 'A: title'\ntags: [a, b]\nwhen: 2012-03-01\nnested: {k: [1, 2.5, null]}\n"
    )
    assert read_bundle_yaml(text, "collection.yaml") == yaml.safe_load(text)


def test_unsafe_tags_are_still_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        read_bundle_yaml("x: !!python/object/apply:os.system ['true']\n", "meta.yaml")
