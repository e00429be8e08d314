"""Collection owners and writers in `{prefix}-collections`, one document per collection id.

The first upload into an unused id creates its document with `op_type=create`, so of two
racing first uploads exactly one owns it. Collections loaded by the trusted CLI have no
document: only admins upload to them, until an admin grants someone else the right.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.errors import NotFound
from evidence.indices import all_alias, collections_index, ensure_plain_index, registry_index
from search_api.paging import every_hit
from search_api.transport import translating

__all__ = ["CollectionStore"]

_ADD_WRITER = """
if (ctx._source.writers == null) { ctx._source.writers = []; }
if (ctx._source.writers.contains(params.username)) { ctx.op = 'noop'; }
else { ctx._source.writers.add(params.username); ctx._source.updated = params.now; }
"""
_REMOVE_WRITER = """
boolean changed = false;
if (ctx._source.writers != null && ctx._source.writers.removeIf(w -> w == params.username)) {
  changed = true;
}
if (params.username.equals(ctx._source.owner)) { ctx._source.remove('owner'); changed = true; }
if (changed) { ctx._source.updated = params.now; } else { ctx.op = 'noop'; }
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CollectionStore:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._prefix = prefix
        self._index = collections_index(prefix)

    @translating
    async def _ensure(self) -> None:
        await ensure_plain_index(self._es, self._index, "collections")

    @translating
    async def get(self, collection_id: str) -> dict[str, Any] | None:
        """The collection's owner document, or None if it has none."""
        await self._ensure()
        response = await self._es.options(ignore_status=404).get(
            index=self._index, id=collection_id
        )
        return response.body.get("_source") if response.body.get("found") else None

    @translating
    async def in_use(self, collection_id: str) -> bool:
        """Does any record, of any level, or any registered bundle use this id?"""
        for index in (all_alias(self._prefix), registry_index(self._prefix)):
            response = await self._es.options(ignore_status=404).count(
                index=index, query={"term": {"collection": collection_id}}
            )
            if response.meta.status != 404 and response.body["count"] > 0:
                return True
        return False

    @translating
    async def claim(self, collection_id: str, owner: str) -> bool:
        """Make `owner` the owner of a collection nobody owns yet; False if one already
        does (or an admin granted it first)."""
        await self._ensure()
        now = _now()
        document = {
            "collection": collection_id,
            "owner": owner,
            "writers": [],
            "created": now,
            "updated": now,
        }
        response = await self._es.options(ignore_status=409).index(
            index=self._index,
            id=collection_id,
            document=document,
            op_type="create",
            refresh="wait_for",
        )
        return response.meta.status != 409

    @translating
    async def grant(self, collection_id: str, username: str) -> bool:
        """Let `username` upload to the collection; False if they already could."""
        await self._ensure()
        now = _now()
        response = await self._es.update(
            index=self._index,
            id=collection_id,
            script={"source": _ADD_WRITER, "params": {"username": username, "now": now}},
            upsert={
                "collection": collection_id,
                "writers": [username],
                "created": now,
                "updated": now,
            },
            retry_on_conflict=5,
            refresh="wait_for",
        )
        return bool(response["result"] != "noop")

    @translating
    async def revoke(self, collection_id: str, username: str) -> None:
        """Take the right to upload to the collection from `username`, owner or writer."""
        await self._ensure()
        response = await self._es.options(ignore_status=404).update(
            index=self._index,
            id=collection_id,
            script={"source": _REMOVE_WRITER, "params": {"username": username, "now": _now()}},
            retry_on_conflict=5,
            refresh="wait_for",
        )
        if response.meta.status == 404 or response.body["result"] == "noop":
            raise NotFound(f"{username} has no upload right on collection {collection_id}.")

    @translating
    async def list(self) -> list[dict[str, Any]]:
        """Every collection with an owner document, by id."""
        await self._ensure()
        body = {"query": {"match_all": {}}, "sort": [{"collection": "asc"}]}
        return [hit["_source"] async for hit in every_hit(self._es, self._index, body)]
