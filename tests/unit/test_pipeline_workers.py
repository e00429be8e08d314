"""Worker processes must change nothing but speed: same documents, same rejections, same
order, for good bundles and broken ones alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.indices import RECORD_TYPES
from indexer import pipeline
from indexer.bundle import read_collection
from indexer.pipeline import prepare
from indexer.report import LoadReport

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bundles"
EXAMPLE = Path(__file__).parents[2] / "docs" / "example-bundle"


def _prepared(root: Path, workers: int) -> tuple[list[dict], LoadReport]:
    collection = read_collection(root)
    report = LoadReport()
    documents = [
        document
        for record_type in RECORD_TYPES
        for document, _origin, _events in prepare(collection, record_type, report, None, workers)
    ]
    return documents, report


@pytest.mark.parametrize("root", [FIXTURES / "broken", FIXTURES / "tiny", EXAMPLE])
def test_workers_give_the_same_documents_and_report(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "_WORK_CHUNK", 2)  # several chunks, so workers run
    inline_documents, inline_report = _prepared(root, workers=0)
    parallel_documents, parallel_report = _prepared(root, workers=2)
    assert parallel_documents == inline_documents
    assert parallel_report.rejections == inline_report.rejections
    assert parallel_report.warnings == inline_report.warnings
    assert parallel_report.read == inline_report.read
    assert inline_documents or inline_report.rejections


def test_duplicate_ids_are_caught_across_worker_chunks(tmp_path: Path) -> None:
    """Duplicates are decided in the main process, so they are found even when the two
    rows land in different workers' chunks."""
    root = tmp_path / "bundle"
    root.mkdir()
    (root / "collection.yaml").write_text("id: dup\ntitle: Duplicates\nsynthetic: true\n")
    rows = ["photo_id,date_taken,facility,findings"]
    rows += [f"P{n},2013-01-0{1 + n % 9},saydnaya,SYNTHETIC row {n}" for n in range(450)]
    rows.append("P7,2013-02-01,saydnaya,SYNTHETIC duplicate of row 7")
    (root / "photos.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    documents, report = _prepared(root, workers=2)
    assert len(documents) == 450
    [rejection] = report.rejections
    assert (rejection.line, rejection.field) == (452, "photo_id")
    assert "first at photos.csv line 9" in rejection.reason


def test_work_that_fits_one_chunk_starts_no_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting a pool costs more than five records take; small uploads stay in-process."""
    started: list[int] = []
    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", lambda *a, **k: started.append(1))
    documents, _ = _prepared(FIXTURES / "tiny", workers=2)
    assert len(documents) == 5 and started == []
