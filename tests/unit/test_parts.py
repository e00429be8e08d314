"""A load split into parts must change nothing but who does the work: the parts'
documents, rejections and warnings together are a whole load's, for good bundles and
broken ones, with duplicates across parts rejected as a whole load rejects them. And
what a part's job carries through Redis survives JSON whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidence import jobqueue
from indexer.bundle import read_collection
from indexer.load import WHOLE, Part, PartDone, _first_per_file, plan_parts
from indexer.pipeline import prepare
from indexer.report import LoadReport

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bundles"
EXAMPLE = Path(__file__).parents[2] / "docs" / "example-bundle"


def _duplicated(root: Path) -> Path:
    """Eleven photo rows, P3 three times and P5 twice, one row too short."""
    root.mkdir()
    (root / "collection.yaml").write_text("id: dup\ntitle: Duplicates\nsynthetic: true\n")
    rows = ["photo_id,date_taken,facility,findings"]
    ids = ["P0", "P1", "P2", "P3", "P4", "P3", "P5", "P6", "P5", "P3", "P7"]
    rows += [f"{pid},2013-01-0{1 + n % 9},saydnaya,SYNTHETIC row {n}" for n, pid in enumerate(ids)]
    rows.insert(5, "P9,short")
    (root / "photos.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def _load(root: Path, parts: list[Part]) -> tuple[list[dict], LoadReport]:
    """What `parts` prepare, joined as `indexer.load.join_parts` joins part reports."""
    collection = read_collection(root)
    total = LoadReport()
    documents = []
    for part in parts:
        report = LoadReport()
        for record_type in part.record_types:
            documents += [
                document
                for document, _origin, _events in prepare(
                    collection, record_type, report, span=part.span, duplicates=part.duplicates
                )
            ]
        total.merge(report)
    total.warnings = _first_per_file(total.warnings)
    return documents, total


@pytest.mark.parametrize("size", [1, 2, 3, 5])
@pytest.mark.parametrize("name", ["broken", "tiny", "example", "duplicated"])
def test_the_parts_together_are_the_whole_load(name: str, size: int, tmp_path: Path) -> None:
    root = {
        "broken": FIXTURES / "broken",
        "tiny": FIXTURES / "tiny",
        "example": EXAMPLE,
        "duplicated": tmp_path / "dup",
    }[name]
    if name == "duplicated":
        _duplicated(root)
    whole_documents, whole = _load(root, [WHOLE])
    parts = plan_parts(root, size)
    documents, report = _load(root, parts)
    # In the same order too: the upload page shows the first 1,000 rejections.
    assert documents == whole_documents
    assert report.rejections == whole.rejections
    assert report.review == whole.review
    assert report.warnings == whole.warnings
    assert (report.read, report.rejected) == (whole.read, whole.rejected)
    assert whole_documents or whole.rejections


def test_a_file_s_unknown_fields_are_warned_about_once_as_a_whole_load_does(
    tmp_path: Path,
) -> None:
    """JSONL rows may each carry different unknown fields: every part warns about its
    own first such row, the joined report only about the file's first."""
    root = tmp_path / "bundle"
    root.mkdir()
    (root / "collection.yaml").write_text("id: odd\ntitle: Odd fields\nsynthetic: true\n")
    rows = [{"photo_id": f"J{n}", "findings": "SYNTHETIC", f"x{n}": 1} for n in range(6)]
    (root / "photos.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    _documents, whole = _load(root, [WHOLE])
    parts = plan_parts(root, 2)
    assert len(parts) == 4
    done = [PartDone(_load(root, [part])[1], "0") for part in parts]
    assert len({w for part in done for w in part.report.warnings}) == 3
    assert _first_per_file([w for part in done for w in part.report.warnings]) == whole.warnings
    assert whole.warnings == ["photos.jsonl: unknown fields ignored: x0"]


def test_a_duplicate_in_a_later_part_names_its_first_line(tmp_path: Path) -> None:
    root = _duplicated(tmp_path / "dup")
    parts = plan_parts(root, 3)
    assert len(parts) == 4 + 1  # 12 items in spans of 3, then the documents
    _documents, report = _load(root, parts)
    reasons = {(r.line, r.reason) for r in report.rejections if r.field == "photo_id"}
    assert reasons == {
        (8, "duplicate photo_id; first at photos.csv line 5"),
        (11, "duplicate photo_id; first at photos.csv line 9"),
        (12, "duplicate photo_id; first at photos.csv line 5"),
    }


def test_what_a_part_carries_survives_json(tmp_path: Path) -> None:
    root = _duplicated(tmp_path / "dup")
    for part in plan_parts(root, 3):
        assert Part.from_json(json.loads(json.dumps(part.to_json()))) == part
    _documents, report = _load(root, [WHOLE])
    done = PartDone(report, "0")
    assert PartDone.from_json(json.loads(json.dumps(done.to_json()))) == done


def test_a_splits_jobs_are_named_after_their_owner() -> None:
    upload = "up-0123456789abcdef"
    assert jobqueue.part_id(upload, 12) == "up-0123456789abcdef-p12"
    assert jobqueue.join_id(upload) == "up-0123456789abcdef-end"
    for job in (upload, jobqueue.part_id(upload, 0), jobqueue.join_id(upload)):
        assert jobqueue.owner_of(job) == upload
    assert jobqueue.owner_of("ld-00ff") == "ld-00ff"
