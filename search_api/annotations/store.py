"""Notes and tags in their own index. Every read goes through `_visible`, the one filter
that says which annotations a caller may see: their own or their teams', at or below
their role's ceiling, and protected ones for investigators and above. Whether the
record itself is visible to the caller is the service's to check, through the Store."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext, Level
from evidence.errors import N_, IndexUnavailable, NotFound
from evidence.indices import annotations_index, ensure_plain_index
from search_api.annotations.models import MAX_TAGGED, AnnotationOut
from search_api.facets import tag_key
from search_api.transport import translating

__all__ = ["AnnotationStore"]


def _visible(access: AccessContext, teams: list[str]) -> list[dict[str, Any]]:
    whose: list[dict[str, Any]] = [{"term": {"author": access.user or ""}}]
    if teams:
        whose.append({"terms": {"team": teams}})
    filters: list[dict[str, Any]] = [
        {"bool": {"should": whose, "minimum_should_match": 1}},
        {"range": {"level_rank": {"lte": int(access.role.ceiling)}}},
    ]
    if not access.sees_protected_fields:
        filters.append({"term": {"protected": False}})
    return filters


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _out(hit: dict[str, Any]) -> AnnotationOut:
    source = hit["_source"]
    return AnnotationOut(id=hit["_id"], **{k: source.get(k) for k in _SHOWN})


_SHOWN = ("kind", "record_id", "author", "team", "level", "protected", "text", "tag", "created")


class AnnotationStore:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._index = annotations_index(prefix)

    @translating
    async def _ensure(self) -> None:
        await ensure_plain_index(self._es, self._index, "annotations")

    @translating
    async def add(
        self,
        access: AccessContext,
        records: list[str],
        level: dict[str, Level],
        fields: dict[str, Any],
    ) -> list[AnnotationOut]:
        """One note or tag per record, by the caller, at each record's `level`; a tag
        the caller (or the team) has on a record already is not added twice."""
        await self._ensure()
        created = datetime.now(UTC).isoformat(timespec="milliseconds")
        made, operations = [], []
        for record_id in records:
            document = fields | {
                "record_id": record_id,
                "author": access.user,
                "level": level[record_id].label,
                "level_rank": int(level[record_id]),
                "created": created,
            }
            if fields["kind"] == "tag":
                document["tag_key"] = tag_key(fields["tag"])
                # The same tag by the same author for the same team on the same record
                # is one annotation: its id says so, and a second write changes nothing.
                same = (record_id, access.user or "", fields.get("team") or "", document["tag_key"])
                annotation_id = "tg-" + _digest("\x1f".join(same))
            else:
                annotation_id = "nt-" + secrets.token_hex(8)
            operations += [{"index": {"_index": self._index, "_id": annotation_id}}, document]
            made.append(_out({"_id": annotation_id, "_source": document}))
        # One request for every record, visible to the next read.
        response = await self._es.bulk(operations=operations, refresh="wait_for")
        if response["errors"]:
            raise IndexUnavailable(N_("The notes could not be written; try again."))
        return made

    @translating
    async def on_record(
        self, access: AccessContext, teams: list[str], record_id: str
    ) -> list[AnnotationOut]:
        await self._ensure()
        response = await self._es.search(
            index=self._index,
            query={
                "bool": {"filter": [*_visible(access, teams), {"term": {"record_id": record_id}}]}
            },
            sort=[{"created": "asc"}],
            size=1000,
        )
        return [_out(hit) for hit in response["hits"]["hits"]]

    @translating
    async def tagged(self, access: AccessContext, teams: list[str]) -> dict[str, set[str]]:
        """tag -> the records it marks, over the tags the caller may see, as first
        spelled; at most MAX_TAGGED annotations, newest first."""
        await self._ensure()
        response = await self._es.search(
            index=self._index,
            query={"bool": {"filter": [*_visible(access, teams), {"term": {"kind": "tag"}}]}},
            sort=[{"created": "desc"}],
            size=MAX_TAGGED,
            source_includes=["tag", "tag_key", "record_id"],
        )
        spelled: dict[str, str] = {}
        found: dict[str, set[str]] = {}
        for hit in reversed(response["hits"]["hits"]):
            source = hit["_source"]
            tag = spelled.setdefault(source["tag_key"], source["tag"])
            found.setdefault(tag, set()).add(source["record_id"])
        return found

    @staticmethod
    def _notes_query(
        access: AccessContext, teams: list[str], q: str, records: list[str] | None = None
    ) -> dict[str, Any]:
        filters = [*_visible(access, teams), {"term": {"kind": "note"}}]
        if records is not None:
            filters.append({"terms": {"record_id": records}})
        query: dict[str, Any] = {"bool": {"filter": filters}}
        if q.strip():
            query["bool"]["must"] = [{"match": {"text": {"query": q, "operator": "and"}}}]
        return query

    @translating
    async def noted_records(self, access: AccessContext, teams: list[str], q: str) -> list[str]:
        """The records with a note the caller may see matching `q` (at most MAX_TAGGED)."""
        await self._ensure()
        response = await self._es.search(
            index=self._index,
            query=self._notes_query(access, teams, q),
            size=0,
            aggs={"records": {"terms": {"field": "record_id", "size": MAX_TAGGED}}},
        )
        return [b["key"] for b in response["aggregations"]["records"]["buckets"]]

    @translating
    async def notes(
        self,
        access: AccessContext,
        teams: list[str],
        q: str,
        records: list[str],
        size: int,
        offset: int,
    ) -> tuple[int, list[AnnotationOut]]:
        """The caller's and their teams' notes on `records` matching `q` (all of them
        without it), best first."""
        await self._ensure()
        response = await self._es.search(
            index=self._index,
            query=self._notes_query(access, teams, q, records),
            sort=["_score", {"created": "desc"}],
            size=size,
            from_=offset,
            track_total_hits=True,
        )
        hits = response["hits"]["hits"]
        return response["hits"]["total"]["value"], [_out(hit) for hit in hits]

    @translating
    async def own(self, access: AccessContext, annotation_id: str) -> AnnotationOut:
        """An annotation the caller wrote; anyone else's is a 404 like none."""
        await self._ensure()
        response = await self._es.options(ignore_status=404).get(
            index=self._index, id=annotation_id
        )
        if not response.body.get("found") or response.body["_source"]["author"] != access.user:
            raise NotFound(N_("No note or tag %(id)s."), id=annotation_id)
        return _out(response.body)

    @translating
    async def delete(self, annotation_id: str) -> None:
        await self._es.delete(index=self._index, id=annotation_id, refresh="wait_for")
