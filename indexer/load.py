"""Loading one bundle: read, validate, build documents, bulk-index, reconcile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from elasticsearch import Elasticsearch

from evidence.indices import ensure_alias
from indexer.bulk import IndexAction, index_documents
from indexer.bundle import Collection, read_collection, read_photo_rows
from indexer.documents import photo_document, unknown_columns
from indexer.report import LoadReport, Origin

__all__ = ["load_bundle"]


def _photo_actions(collection: Collection, report: LoadReport) -> Iterator[IndexAction]:
    first_seen: dict[str, int] = {}
    for raw in read_photo_rows(collection):
        report.read += 1
        if not first_seen and not report.warnings:
            extra = unknown_columns({name for name in raw.fields if name is not None})
            if extra:
                report.warnings.append(
                    f"{raw.file}: unknown columns ignored: {', '.join(sorted(extra))}"
                )
        document, problems = photo_document(collection, raw)
        if document is None:
            report.rejections.extend(problems)
            continue
        origin = Origin(raw.file, raw.line, document["local_id"])
        if document["local_id"] in first_seen:
            line = first_seen[document["local_id"]]
            report.rejections.append(origin.reject("photo_id", f"duplicate of line {line}"))
            continue
        first_seen[document["local_id"]] = raw.line
        yield document, origin


def load_bundle(es: Elasticsearch, prefix: str, root: Path) -> LoadReport:
    """Index a bundle's records; the report says what was indexed and what was not."""
    collection = read_collection(root)
    report = LoadReport()
    index = ensure_alias(es, prefix, "photo")
    index_documents(es, index, _photo_actions(collection, report), report)
    es.indices.refresh(index=index)
    return report
