"""Streaming documents into Elasticsearch: only what changed, with custody kept.

Documents are compared with what the index already holds by `content_hash`, a chunk at
a time: unchanged records are skipped, changed ones keep their custody history and gain
an `updated` event. Bulk item failures become rejections with the record's file and
line. Nothing is lost to a node that goes away: a chunk whose request failed (node
down, restarting, shards not yet recovered) is sent again once the node answers, for
up to `patience` seconds per outage, and so are items the node refuses for now (429 or
5xx, for example a disk over its flood-stage watermark). Every operation is idempotent
(stable ids), so resending what was already applied is safe.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

import elasticsearch
from elasticsearch import Elasticsearch, helpers

from evidence.indices import Partitions
from evidence.semantic import Encoder
from indexer.ceiling import Writer, actor, lowering_event, refusal
from indexer.report import LoadReport, Origin, Rejection

__all__ = ["CHUNK", "GaveUp", "IndexAction", "index_documents"]

# (document, where it came from, its timeline events): a bulk failure still names its
# file and line, and events travel in the same stream as their record.
IndexAction = tuple[dict[str, Any], Origin, list[dict[str, Any]]]
CHUNK = 500
T = TypeVar("T")
# Failures that say "not now" rather than "never": the request is sent again.
_UNREACHABLE = (elasticsearch.ConnectionError, elasticsearch.ConnectionTimeout)


def _transient(status: object) -> bool:
    return isinstance(status, int) and (status == 429 or status >= 500)


class GaveUp(Exception):
    """The node stayed unavailable, or kept refusing, for a whole outage's patience."""


class Patience:
    """Waits out an unavailable or refusing node: one deadline of `seconds` per outage,
    however many rounds of resending it takes. An outage ends when the node confirms
    something again; it is noted in the report, so a load that survived one says so."""

    def __init__(self, es: Elasticsearch, report: LoadReport, seconds: float) -> None:
        self._es = es
        self._report = report
        self._seconds = seconds
        self._outage: float | None = None  # when the current outage began
        self._delay = 0.5

    def call(self, work: Callable[[], T]) -> T:
        """`work()`, retried while the node is unreachable."""
        while True:
            try:
                result = work()
            except _UNREACHABLE as error:
                self.wait(error)
            else:
                self.recovered()
                return result

    def recovered(self) -> None:
        """The node confirmed something: the outage, if there was one, is over."""
        if self._outage is None:
            return
        waited = time.monotonic() - self._outage
        self._report.warnings.append(
            f"Elasticsearch was unavailable for {waited:.0f}s; the load resumed and resent"
            " what was not confirmed"
        )
        self._outage = None
        self._delay = 0.5

    def wait(self, cause: object) -> None:
        """Back off, then return once the node answers; give up at the outage's deadline."""
        if self._outage is None:
            self._outage = time.monotonic()
        deadline = self._outage + self._seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise GaveUp(
                    f"Elasticsearch did not accept the load within {self._seconds:.0f}s"
                    f" ({_short(cause)}); run the same load again once it does: it resumes"
                )
            time.sleep(min(self._delay, left))
            self._delay = min(self._delay * 2, 5.0)
            try:
                health = self._es.cluster.health(wait_for_status="yellow", timeout="5s")
            except (*_UNREACHABLE, elasticsearch.ApiError):
                continue
            if not health.get("timed_out"):
                return


def _short(cause: object) -> str:
    return str(cause).splitlines()[0][:200]


def _event(action: str, now: str, detail: str, writer: Writer | None) -> dict[str, str]:
    return {"at": now, "action": action, "actor": actor(writer), "detail": detail}


def _reencoded(
    was: str | None, model: str | None, now: str, writer: Writer | None
) -> dict[str, str]:
    """Custody's record of a record whose content is unchanged and whose vectors for
    search by meaning are not: a new encoder, or vectors turned on or off. Not
    "updated": a lawyer reading custody must not take a new index of the same evidence
    for a change to it."""
    if model is None:
        detail = f"vectors for search by meaning removed (were {was}); content unchanged"
    else:
        detail = (
            f"vectors for search by meaning by {model} (were {was or 'none'}); content unchanged"
        )
    return _event("reencoded", now, detail, writer)


def _ocr_event(
    document: dict[str, Any], custody: list[dict[str, str]], writer: Writer | None
) -> dict[str, str] | None:
    """Custody's record of OCR (engine, languages, pages, the derived files' hashes),
    once per reading: a reload that reuses the derived file adds nothing."""
    ocr = document.get("ocr")
    if not ocr:
        return None
    pages = ", ".join(str(n) for n in ocr["pages"])
    detail = f"{ocr['engine']}; languages {ocr['languages']}; pages {pages}"
    if ocr.get("derived_sha256"):
        detail += f"; text sha256 {ocr['derived_sha256']}"
    if ocr.get("pdf_sha256"):
        detail += f"; searchable copy sha256 {ocr['pdf_sha256']}"
    if any(e["action"] == "ocr" and e["detail"] == detail for e in custody):
        return None
    return _event("ocr", ocr["at"], detail, writer)


def _chunks(actions: Iterable[IndexAction]) -> Iterator[list[IndexAction]]:
    iterator = iter(actions)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


@dataclass(frozen=True)
class _Previous:
    """A record as the index held it before this load, and the partition it was in."""

    index: str
    source: dict[str, Any]


def _first_indexed(before: _Previous, now: str) -> str:
    """When the record was first indexed: kept from before (records indexed before the
    field existed count from their last change)."""
    first = before.source.get("first_indexed_at") or before.source.get("indexed_at") or now
    return str(first)


@dataclass
class _Planned:
    """A record to index, its events, and what to delete because it changed level or
    lost events: (index, id) pairs."""

    document: dict[str, Any]
    origin: Origin
    events: list[dict[str, Any]]
    deletes: list[tuple[str, str]] = field(default_factory=list)


def _previous(
    es: Elasticsearch, indices: list[str], ids: list[str], patience: Patience
) -> dict[str, _Previous]:
    """The previous version of each id, from whichever level's partition holds it
    (a realtime multi-get, so an interrupted load's writes are seen at once)."""
    if not indices:
        return {}
    fields = [
        "content_hash",
        "vector_model",
        "custody",
        "indexed_at",
        "first_indexed_at",
        "event_ids",
        "confidentiality",
    ]
    docs = [{"_index": index, "_id": stable_id} for index in indices for stable_id in ids]
    found = patience.call(lambda: es.mget(docs=docs, source_includes=fields))
    previous: dict[str, _Previous] = {}
    for doc in found["docs"]:
        if doc.get("found"):
            previous.setdefault(doc["_id"], _Previous(doc["_index"], doc["_source"]))
    return previous


def _stale(
    before: _Previous, document: dict[str, Any], partitions: Partitions
) -> list[tuple[str, str]]:
    """What the new version leaves behind in the partitions being written: the record in
    its old level's partition, and events it lost or that moved level with it."""
    level, old_level = document["confidentiality"], before.source.get("confidentiality")
    owned = set(partitions.indices.values())
    deletes: list[tuple[str, str]] = []
    if before.index in owned and old_level != level:
        deletes.append((before.index, document["stable_id"]))
    old_events = partitions.indices.get(("event", str(old_level)))
    if old_events is not None:
        kept = set(document["event_ids"]) if old_level == level else set()
        stale = set(before.source.get("event_ids", [])) - kept
        deletes += [(old_events, event_id) for event_id in sorted(stale)]
    return deletes


_VECTORS = ["passages.vector", "protected.passages.vector"]


def _passages_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [*document.get("passages", []), *document["protected"].get("passages", [])]


def _with_vectors(
    es: Elasticsearch,
    planned: list[_Planned],
    copies: dict[str, str],
    encoder: Encoder,
    patience: Patience,
) -> None:
    """Vectors for the passages of what is about to be written: copied from the index
    named in `copies` (stable id -> index) when the record is unchanged and was
    encoded by this model, encoded otherwise. The node leaves vectors out of `_source`
    unless asked."""
    copied: dict[str, dict[str, Any]] = {}
    if copies:
        found = patience.call(
            lambda: es.search(
                index=sorted(set(copies.values())),
                query={"ids": {"values": list(copies)}},
                source_includes=_VECTORS,
                source_exclude_vectors=False,
                size=len(copies),
            )
        )
        copied = {hit["_id"]: hit["_source"] for hit in found["hits"]["hits"]}
    wanting: list[dict[str, Any]] = []
    for item in planned:
        document = item.document
        previous = copied.get(document["stable_id"])
        if previous is not None:
            old = _passages_of({"passages": [], "protected": {}} | previous)
            new = _passages_of(document)
            if len(old) == len(new) and all("vector" in p for p in old):
                for passage, before in zip(new, old, strict=True):
                    passage["vector"] = before["vector"]
                continue
        wanting += _passages_of(document)
    if wanting:
        encoder.encode_passages(wanting)


def _without_vectors(document: dict[str, Any]) -> None:
    """Semantic search turned off: no passages are stored, so none are stale later."""
    document.pop("passages", None)
    document["protected"].pop("passages", None)
    document["protected"].pop("passages_redacted", None)


def _changed_only(
    es: Elasticsearch,
    actions: Iterable[IndexAction],
    report: LoadReport,
    previous_from: list[str],
    partitions: Partitions,
    copy_unchanged: bool,
    patience: Patience,
    writer: Writer | None = None,
    encoder: Encoder | None = None,
) -> Iterator[list[_Planned]]:
    """A chunk at a time, what needs indexing, with custody set and passages encoded;
    unchanged are counted, and records above the writer's ceiling (`indexer.ceiling`)
    rejected, untouched. A record is unchanged when its content and the model that
    encoded it are, so turning vectors on, or a new model, rewrites it."""
    model = encoder.model if encoder else None
    for chunk in _chunks(actions):
        # Stamped per chunk, to the millisecond: a watched search counts a record as
        # new when it was indexed after its owner last looked (`search_api.watches`).
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        ids = [doc["stable_id"] for doc, _, _ in chunk]
        previous = _previous(es, previous_from, ids, patience)
        changed: list[_Planned] = []
        copies: dict[str, str] = {}
        for document, origin, events in chunk:
            document["vector_model"] = model
            if encoder is None:
                _without_vectors(document)
            before = previous.get(document["stable_id"])
            level = before.source.get("confidentiality") if before else None
            if refused := refusal(writer, level, document["confidentiality"]):
                report.rejections.append(origin.reject("confidentiality", refused))
                continue
            # The file as the record's source names it: withheld where it is named after
            # a protected person, since every reader of the record reads its custody.
            where = (
                f"{document['source']['file']} line {origin.line}; "
                f"sha256 {document.get('sha256') or 'n/a'}"
            )
            planned = _Planned(document, origin, events)
            same_content = before is not None and (
                before.source.get("content_hash") == document["content_hash"]
            )
            if before is None:
                ingested = [_event("ingested", now, where, writer)]
                document["custody"] = [*ingested, *filter(None, [_ocr_event(document, [], writer)])]
                document["indexed_at"] = document["first_indexed_at"] = now
            elif same_content and before.source.get("vector_model") == model:
                if not copy_unchanged:
                    report.unchanged += 1
                    continue
                copies[document["stable_id"]] = before.index
                document["custody"] = before.source.get("custody", [])
                document["indexed_at"] = before.source.get("indexed_at", now)
                document["first_indexed_at"] = _first_indexed(before, now)
            else:
                lowered = lowering_event(writer, level, document["confidentiality"], now)
                custody = before.source.get("custody", [])
                read = _ocr_event(document, custody, writer)
                if same_content:
                    # Only the vectors change: not new to a watch (`indexed_at` is its "new").
                    change = _reencoded(before.source.get("vector_model"), model, now, writer)
                    document["indexed_at"] = before.source.get("indexed_at", now)
                else:
                    change = _event("updated", now, where, writer)
                    document["indexed_at"] = now
                document["custody"] = [*custody, change, *filter(None, [lowered, read])]
                document["first_indexed_at"] = _first_indexed(before, now)
                planned.deletes = _stale(before, document, partitions)
            changed.append(planned)
        if changed and encoder is not None:
            _with_vectors(es, changed, copies, encoder, patience)
        if changed:
            yield changed


# How Elasticsearch names the field it refused, in its two usual messages.
_REFUSED_FIELD = re.compile(r'in field="([^"]+)"|failed to parse field \[([^\]]+)\]')


def _refused(origin: Origin, error: object) -> Rejection:
    """A record the node refused, with the field named when the node names it, and the
    reason and its cause cut short (the node quotes the whole offending value)."""
    if isinstance(error, dict):
        causes = [error, error.get("caused_by") or {}]
        reason = "; ".join(_clip(str(c["reason"])) for c in causes if c.get("reason"))
    else:
        reason = _clip(str(error))
    match = _REFUSED_FIELD.search(reason)
    field = (match.group(1) or match.group(2)) if match else "(document)"
    return origin.reject(field, f"rejected by Elasticsearch: {reason}")


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _operations(planned: _Planned, partitions: Partitions) -> Iterator[dict[str, Any]]:
    """Each document into the partition of its own level; then the deletes."""
    document = planned.document
    index = partitions.index_for(document["record_type"], document["confidentiality"])
    yield {"_index": index, "_id": document["stable_id"], "_source": document}
    for event in planned.events:
        events_index = partitions.index_for("event", event["confidentiality"])
        yield {"_index": events_index, "_id": event["event_id"], "_source": event}
    for stale_index, stale_id in planned.deletes:
        yield {"_op_type": "delete", "_index": stale_index, "_id": stale_id}


_BULK_ANSWER = "items.*._index,items.*._id,items.*.status,items.*.error"


def _send(
    es: Elasticsearch,
    operations: list[dict[str, Any]],
    patience: Patience,
) -> Iterator[tuple[bool, str, dict[str, Any]]]:
    """(ok, operation, result) once per operation, sending again what a failed request
    or a transient item failure left unconfirmed."""
    pending = operations
    while pending:
        # A record's write and its delete from an old level share an id: key by all three.
        by_key = {
            (operation.get("_op_type", "index"), operation["_index"], operation["_id"]): operation
            for operation in pending
        }
        cause: object = None
        try:
            for ok, item in helpers.streaming_bulk(
                es,
                pending,
                chunk_size=CHUNK,
                max_chunk_bytes=20 * 1024 * 1024,
                max_retries=0,  # Patience resends, with one deadline per outage
                raise_on_error=False,
                raise_on_exception=False,
                # Only what is read back: the answer's other fields, for every
                # operation, cost this process more to parse than the rest together.
                filter_path=_BULK_ANSWER,
            ):
                operation, result = next(iter(item.items()))
                if not ok and _transient(result.get("status")):
                    cause = cause or result.get("error")
                    continue
                by_key.pop((operation, result["_index"], result["_id"]), None)
                patience.recovered()
                yield ok, operation, result
        except _UNREACHABLE as error:
            cause = error
        pending = list(by_key.values())
        if pending:
            patience.wait(cause)


def index_documents(
    es: Elasticsearch,
    partitions: Partitions,
    actions: Iterable[IndexAction],
    report: LoadReport,
    *,
    previous_from: list[str] | None = None,
    copy_unchanged: bool = False,
    patience_seconds: float = 300,
    writer: Writer | None = None,
    encoder: Encoder | None = None,
) -> None:
    """Bulk-index records and their events, each into the partition of its level,
    comparing with the indices `previous_from` (a kind's partitions); a record that
    changed level leaves its old partition, and events a changed record lost are
    deleted. An uploader's `writer` is held to its ceiling, record by record. With an
    `encoder`, passages get their vectors (`evidence.semantic`); without, none are
    kept. Survives the node going away for up to `patience_seconds` at a time."""
    patience = Patience(es, report, patience_seconds)
    planned_chunks = _changed_only(
        es,
        actions,
        report,
        previous_from or [],
        partitions,
        copy_unchanged,
        patience,
        writer,
        encoder,
    )
    for chunk in planned_chunks:
        origins = {planned.document["stable_id"]: planned.origin for planned in chunk}
        operations = [
            operation for planned in chunk for operation in _operations(planned, partitions)
        ]
        for ok, operation, result in _send(es, operations, patience):
            if operation == "delete" or result["_id"] not in origins:
                # A timeline event, or a record's copy at its old level: a failure is a
                # warning, not a lost record; what was already gone is fine.
                if not ok and not (operation == "delete" and result.get("status") == 404):
                    report.warnings.append(f"{result['_id']}: {result.get('error')}")
                continue
            origin = origins.pop(result["_id"])
            if ok:
                report.indexed += 1
            else:
                report.rejections.append(_refused(origin, result.get("error")))
