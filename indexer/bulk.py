"""Streaming documents into Elasticsearch: only what changed, with custody kept.

Documents are compared with what the index already holds by `content_hash`, a chunk at
a time: unchanged records are skipped, changed ones keep their custody history and gain
an `updated` event. Bulk item failures become rejections with the record's file and
line; 429s are retried per item by the helper, 5xx and timeouts by the client.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from elasticsearch import Elasticsearch, helpers

from indexer.report import LoadReport, Origin

__all__ = ["CHUNK", "IndexAction", "index_documents"]

# (document, where it came from, its timeline events): a bulk failure still names its
# file and line, and events travel in the same stream as their record.
IndexAction = tuple[dict[str, Any], Origin, list[dict[str, Any]]]
CHUNK = 500


def _event(action: str, now: str, detail: str) -> dict[str, str]:
    return {"at": now, "action": action, "actor": "indexer", "detail": detail}


def _chunks(actions: Iterable[IndexAction]) -> Iterator[list[IndexAction]]:
    iterator = iter(actions)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _previous(es: Elasticsearch, index: str | None, ids: list[str]) -> dict[str, dict[str, Any]]:
    if index is None:
        return {}
    fields = ["content_hash", "custody", "indexed_at", "event_ids"]
    found = es.mget(index=index, ids=ids, source_includes=fields)
    return {doc["_id"]: doc["_source"] for doc in found["docs"] if doc.get("found")}


def _changed_only(
    es: Elasticsearch,
    actions: Iterable[IndexAction],
    report: LoadReport,
    previous_from: str | None,
    copy_unchanged: bool,
) -> Iterator[IndexAction]:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if previous_from is not None and not es.indices.exists(index=previous_from):
        previous_from = None
    for chunk in _chunks(actions):
        previous = _previous(es, previous_from, [doc["stable_id"] for doc, _, _ in chunk])
        for document, origin, events in chunk:
            before = previous.get(document["stable_id"])
            where = f"{origin.file} line {origin.line}; sha256 {document.get('sha256') or 'n/a'}"
            if before is None:
                document["custody"] = [_event("ingested", now, where)]
                document["indexed_at"] = now
            elif before.get("content_hash") == document["content_hash"]:
                if not copy_unchanged:
                    report.unchanged += 1
                    continue
                document["custody"] = before.get("custody", [])
                document["indexed_at"] = before.get("indexed_at", now)
            else:
                document["custody"] = [*before.get("custody", []), _event("updated", now, where)]
                document["indexed_at"] = now
                stale = set(before.get("event_ids", [])) - set(document["event_ids"])
                events = [*events, *({"delete": event_id} for event_id in sorted(stale))]
            yield document, origin, events


def index_documents(
    es: Elasticsearch,
    index: str,
    actions: Iterable[IndexAction],
    report: LoadReport,
    *,
    events_index: str,
    previous_from: str | None = None,
    copy_unchanged: bool = False,
) -> None:
    """Bulk-index records into `index` and their events into `events_index`, comparing
    with `previous_from` (an alias or index); events a changed record lost are deleted."""
    origins: dict[str, Origin] = {}

    def bulk_actions() -> Iterator[dict[str, Any]]:
        changed = _changed_only(es, actions, report, previous_from, copy_unchanged)
        for document, origin, events in changed:
            origins[document["stable_id"]] = origin
            yield {"_index": index, "_id": document["stable_id"], "_source": document}
            for event in events:
                if "delete" in event:
                    yield {"_op_type": "delete", "_index": events_index, "_id": event["delete"]}
                else:
                    yield {"_index": events_index, "_id": event["event_id"], "_source": event}

    for ok, item in helpers.streaming_bulk(
        es,
        bulk_actions(),
        chunk_size=CHUNK,
        max_chunk_bytes=20 * 1024 * 1024,
        max_retries=5,
        initial_backoff=1,
        max_backoff=30,
        raise_on_error=False,
        raise_on_exception=True,
    ):
        operation, result = next(iter(item.items()))
        if result["_id"] not in origins:
            # A timeline event: derived data, so a failure is a warning, not a lost record.
            if not ok and not (operation == "delete" and result.get("status") == 404):
                report.warnings.append(f"timeline event {result['_id']}: {result.get('error')}")
            continue
        origin = origins.pop(result["_id"])
        if ok:
            report.indexed += 1
        else:
            error = result.get("error", {})
            reason = error.get("reason", str(error)) if isinstance(error, dict) else str(error)
            reason = f"rejected by Elasticsearch: {reason}"
            report.rejections.append(origin.reject("(document)", reason))
