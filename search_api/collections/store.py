"""Collection owners and writers in `{prefix}-collections`, one document per collection id.

The first upload into an unused id creates its document with `op_type=create`, so of two
racing first uploads exactly one owns it. Collections loaded by the trusted CLI have no
document: only admins upload to them, until an admin grants someone else the right.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.errors import Conflict, NotFound
from evidence.indices import all_alias, collections_index, ensure_plain_index, registry_index
from search_api.paging import every_hit
from search_api.transport import translating

__all__ = ["CollectionStore"]

_ATTEMPTS = 5


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

    async def _change(
        self, collection_id: str, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]
    ) -> bool:
        """Apply `change` to the collection's document (None: there is none yet) with
        optimistic concurrency, again on a conflict; False if it changed nothing."""
        await self._ensure()
        for _ in range(_ATTEMPTS):
            found = await self._es.options(ignore_status=404).get(
                index=self._index, id=collection_id
            )
            source = found.body.get("_source") if found.body.get("found") else None
            changed = change(None if source is None else dict(source))
            if changed is None:
                return False
            if source is None:
                written = await self._es.options(ignore_status=409).index(
                    index=self._index,
                    id=collection_id,
                    document=changed,
                    op_type="create",
                    refresh="wait_for",
                )
            else:
                written = await self._es.options(ignore_status=409).index(
                    index=self._index,
                    id=collection_id,
                    document=changed,
                    if_seq_no=found.body["_seq_no"],
                    if_primary_term=found.body["_primary_term"],
                    refresh="wait_for",
                )
            if written.meta.status != 409:
                return True
        raise Conflict(f"Collection {collection_id} kept changing; try again.")

    @translating
    async def grant(self, collection_id: str, username: str) -> bool:
        """Let `username` upload to the collection; False if they already could."""
        now = _now()

        def add(source: dict[str, Any] | None) -> dict[str, Any] | None:
            if source is None:
                source = {"collection": collection_id, "writers": [], "created": now}
            if username == source.get("owner") or username in source["writers"]:
                return None
            return source | {"writers": [*source["writers"], username], "updated": now}

        return await self._change(collection_id, add)

    @translating
    async def revoke(self, collection_id: str, username: str) -> None:
        """Take the right to upload to the collection from `username`, owner or writer."""

        def remove(source: dict[str, Any] | None) -> dict[str, Any] | None:
            if source is None:
                return None
            writers = [writer for writer in source["writers"] if writer != username]
            if writers == source["writers"] and source.get("owner") != username:
                return None
            kept = {k: v for k, v in source.items() if not (k == "owner" and v == username)}
            return kept | {"writers": writers, "updated": _now()}

        if not await self._change(collection_id, remove):
            raise NotFound(f"{username} has no upload right on collection {collection_id}.")

    @translating
    async def list(self) -> list[dict[str, Any]]:
        """Every collection with an owner document, by id."""
        await self._ensure()
        body = {"query": {"match_all": {}}, "sort": [{"collection": "asc"}]}
        return [hit["_source"] async for hit in every_hit(self._es, self._index, body)]
