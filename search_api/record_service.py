"""One record and what links to it: fetch by id (audited), cites and cited-by, the
other frames of the same body, near-duplicate photos, and the original image file."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from evidence.errors import NotFound
from evidence.gazetteer import load_gazetteer
from evidence.ids import reference_ids
from search_api.deps import Caller
from search_api.models import Link, RecordOut
from search_api.store import Store, by_id

__all__ = [
    "RECORD_EXCLUDES",
    "RecordFile",
    "link_queries",
    "links_body",
    "record",
    "record_file",
]

LINK_FIELDS = ["stable_id", "record_type", "title", "date", "phash", "local_id"]
NEAR_DUPLICATE_BITS = 10
# Index-only fields a record page never shows.
RECORD_EXCLUDES = [
    "search_text",
    "search_stems",
    "pages.terms",
    "content_hash",
    "protected.search_text",
    "protected.search_stems",
    "protected.name_keys",
    "protected.person_roles",
]
_ENVELOPE = set(RecordOut.model_fields) | {
    "persons",
    "search_text",
    "search_stems",
    "content_hash",
    "indexed_at",
    "cites_ids",
    "phash_bands",
    "branch_nos",
    "hospitals",
    "person_roles",
    "file",
}


def _link(source: dict[str, Any], note: str | None = None) -> Link:
    return Link.model_validate(source | {"note": note})


def links_body(query: dict[str, Any], size: int = 50) -> dict[str, Any]:
    return {"query": query, "size": size, "_source": LINK_FIELDS, "sort": [{"stable_id": "asc"}]}


def _sources(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [hit["_source"] for hit in answer["hits"]["hits"]]


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def link_queries(stable_id: str, source: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The searches for what a record cites, its body's other frames and its
    near-duplicates; which apply depends on the record."""
    others = {"must_not": [{"ids": {"values": [stable_id]}}]}
    queries: dict[str, dict[str, Any]] = {}
    if source.get("cites_ids"):
        ids = {"ids": {"values": source["cites_ids"]}}
        queries["cites"] = links_body(ids, size=len(source["cites_ids"]))
    if source.get("body_id"):
        body = [
            {"term": {"collection": source["collection"]}},
            {"term": {"body_id": source["body_id"]}},
        ]
        queries["same_body"] = links_body({"bool": {"filter": body, **others}})
    if source.get("phash"):
        bands = [{"terms": {"phash_bands": source.get("phash_bands", [])}}]
        queries["near"] = links_body({"bool": {"filter": bands, **others}}, size=200)
    return queries


async def record(store: Store, stable_id: str, caller: Caller) -> RecordOut:
    """The record and its links in two round trips (the record with what cites it, then
    the links its own fields name), the audit write overlapping the second."""
    access = caller.access
    exclude = RECORD_EXCLUDES + ([] if access.sees_protected_fields else ["protected"])
    found, citing = await store.msearch(
        [
            by_id(stable_id, exclude),
            links_body({"term": {"cites_ids": stable_id}}),
        ],
        access,
    )
    if not found["hits"]["hits"]:
        await caller.audit("record.view", outcome="not_found", record_ids=[stable_id])
        raise NotFound(f"No record {stable_id}.")
    source = found["hits"]["hits"][0]["_source"]
    queries = link_queries(stable_id, source)
    answers, _ = await asyncio.gather(
        store.msearch(list(queries.values()), access) if queries else _no_answers(),
        caller.audit("record.view", record_ids=[stable_id]),
    )
    links = dict(zip(queries, answers, strict=True))
    # `cites` as written stays a detail, the resolved links take the name, and only
    # references to records the caller sees are shown: the rest would say what is hidden.
    visible = {hit["stable_id"] for hit in _sources(links["cites"])} if "cites" in links else set()
    written = [
        reference
        for reference in source.pop("cites", None) or []
        if visible.intersection(reference_ids(reference))
    ]
    gazetteer = load_gazetteer()
    pages = source.get("pages", [])
    protected = source.get("protected") if access.sees_protected_fields else None
    if protected and protected.get("pages"):
        pages = protected["pages"]
    if protected and (unredacted := protected.pop("unredacted", None)):
        # Roles that see protected fields read the text as given, names and all.
        source |= unredacted
    out = RecordOut.model_validate(
        source
        | {
            "has_image": bool(source.get("file")),
            "facilities": [
                {"id": f, "label": gazetteer.label(f)} for f in source.get("facilities", [])
            ],
            "pages": pages,
            "details": {
                k: v for k, v in source.items() if k not in _ENVELOPE and v not in (None, [], {})
            }
            | ({"cites_as_written": written} if written else {}),
            "protected": protected or None,
        }
    )
    out.cited_by = [_link(s) for s in _sources(citing)]
    if "cites" in links:
        out.cites = [_link(s) for s in _sources(links["cites"])]
    if "same_body" in links:
        out.same_body = [_link(s) for s in _sources(links["same_body"])]
    if "near" in links:
        out.near_duplicates = [
            _link(c, f"pHash distance {d} bits")
            for c in _sources(links["near"])
            if (d := _hamming(c["phash"], source["phash"])) <= NEAR_DUPLICATE_BITS
        ]
    return out


async def _no_answers() -> list[dict[str, Any]]:
    return []


async def _audited_get(
    store: Store, stable_id: str, caller: Caller, action: str, exclude: list[str]
) -> dict[str, Any]:
    """Fetch one record and leave a trace; probes for hidden ids are traced too."""
    try:
        source = await store.get(stable_id, caller.access, exclude=exclude)
    except NotFound:
        await caller.audit(action, outcome="not_found", record_ids=[stable_id])
        raise
    await caller.audit(action, record_ids=[stable_id])
    return source


@dataclass(frozen=True)
class RecordFile:
    """The image a photo record names: by content (its SHA-256), never by path."""

    stable_id: str
    sha256: str
    media_type: str
    graphic: bool


async def record_file(store: Store, stable_id: str, caller: Caller, *, reveal: bool) -> RecordFile:
    """The image of a photo the caller may see, and whether it is graphic.

    Revealing the original is audited; a blurred preview is not a reveal. A record the
    caller may not see, one that does not exist and one without an image are the same
    "No image" 404, so the answer tells nothing about records above the caller.
    """
    exclude = ["search_text", "search_stems", "pages", "protected"]
    try:
        if reveal:
            source = await _audited_get(store, stable_id, caller, "image.reveal", exclude)
        else:
            source = await store.get(stable_id, caller.access, exclude=exclude)
    except NotFound:
        raise NotFound(f"No image for {stable_id}.") from None
    if not (source.get("file") and source.get("sha256")):
        raise NotFound(f"No image for {stable_id}.")
    return RecordFile(
        stable_id,
        str(source["sha256"]),
        str((source.get("source") or {}).get("media_type") or "application/octet-stream"),
        bool(source.get("graphic", True)),
    )
