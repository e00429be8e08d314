"""Streaming documents into Elasticsearch, with every failure kept for the report."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from elasticsearch import Elasticsearch, helpers

from indexer.report import LoadReport, Origin

__all__ = ["IndexAction", "index_documents"]

# (document, where it came from) so a bulk failure still names its file and line.
IndexAction = tuple[dict[str, Any], Origin]


def index_documents(
    es: Elasticsearch, index: str, actions: Iterable[IndexAction], report: LoadReport
) -> None:
    """Bulk-index with retries on 429; item failures become rejections, never exceptions."""
    origins: dict[str, Origin] = {}

    def bulk_actions() -> Iterator[dict[str, Any]]:
        for document, origin in actions:
            origins[document["stable_id"]] = origin
            yield {"_index": index, "_id": document["stable_id"], "_source": document}

    for ok, item in helpers.streaming_bulk(
        es,
        bulk_actions(),
        chunk_size=500,
        max_retries=5,
        initial_backoff=1,
        max_backoff=30,
        raise_on_error=False,
        raise_on_exception=True,
    ):
        result = next(iter(item.values()))
        origin = origins.pop(result["_id"])
        if ok:
            report.indexed += 1
        else:
            error = result.get("error", {})
            reason = error.get("reason", str(error)) if isinstance(error, dict) else str(error)
            report.rejections.append(
                origin.reject("(document)", f"rejected by Elasticsearch: {reason}")
            )
