"""Watched searches in their own index, read and changed only by their owner (another
user's watch is a 404, like one that does not exist). The evaluation job writes each
watch's count of new matches with the role it counted them as; a count made with another
role than the owner's now is never shown."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext
from evidence.errors import N_, NotFound, Unauthorized
from evidence.indices import LEASE_STALE_AFTER, ensure_plain_index, locks_index, watches_index
from search_api.paging import every_hit
from search_api.transport import translated, translating

__all__ = ["WatchStore", "now"]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class WatchStore:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._index = watches_index(prefix)
        self._locks = locks_index(prefix)

    @staticmethod
    def require_user(access: AccessContext) -> str:
        if access.user is None:
            raise Unauthorized(N_("Log in to watch searches."))
        return access.user

    @translating
    async def _ensure(self) -> None:
        await ensure_plain_index(self._es, self._index, "watches")

    @translating
    async def create(self, owner: str, name: str, query: str, webhook: str | None) -> str:
        await self._ensure()
        watch_id = "wa-" + secrets.token_hex(8)
        moment = now()
        document = {
            "owner": owner,
            "name": name,
            "query": query,
            "created": moment,
            "seen": moment,
            "new_count": 0,
            "notified_count": 0,
            "webhook": webhook,
        }
        await self._es.index(
            index=self._index, id=watch_id, document=document, op_type="create", refresh=True
        )
        return watch_id

    @translating
    async def mine(self, access: AccessContext) -> list[dict[str, Any]]:
        """The caller's watches, oldest first."""
        owner = self.require_user(access)
        await self._ensure()
        body = {"query": {"term": {"owner": owner}}, "sort": [{"created": "asc"}, {"_doc": "asc"}]}
        found = every_hit(self._es, self._index, body)
        return [hit["_source"] | {"id": hit["_id"]} async for hit in found]

    async def owned(self, access: AccessContext, watch_id: str) -> dict[str, Any]:
        owner = self.require_user(access)
        await self._ensure()
        async with translated():
            response = await self._es.options(ignore_status=404).get(index=self._index, id=watch_id)
        found: dict[str, Any] | None = response.body.get("_source")
        if found is None or found["owner"] != owner:
            raise NotFound(N_("No watch %(id)s."), id=watch_id)
        return found | {"id": watch_id}

    @translating
    async def update(self, watch_id: str, fields: dict[str, Any]) -> None:
        await self._es.update(index=self._index, id=watch_id, doc=fields, refresh=True)

    @translating
    async def delete(self, watch_id: str) -> None:
        await self._es.delete(index=self._index, id=watch_id, refresh=True)

    async def writing_since(self) -> str | None:
        """When the oldest load, upload or rebuild still running started, from their
        leases (`indexer.locks`); None when none runs. A record such a writer stamped
        may not be searchable yet."""
        async with translated():
            response = await self._es.search(
                index=self._locks,
                query={"range": {"renewed": {"gte": f"now-{int(LEASE_STALE_AFTER)}s"}}},
                size=0,
                aggs={"oldest": {"min": {"field": "since"}}},
                ignore_unavailable=True,
            )
        oldest = (response.get("aggregations") or {}).get("oldest", {})
        return oldest.get("value_as_string") if oldest.get("value") is not None else None

    async def unread(self, access: AccessContext) -> int:
        """New matches over the caller's watches, as last counted with their role now:
        the header's count. No user, or no watches yet: 0."""
        if access.user is None:
            return 0
        async with translated():
            response = await self._es.search(
                index=self._index,
                query={
                    "bool": {
                        "filter": [
                            {"term": {"owner": access.user}},
                            {"term": {"evaluated_role": access.role.value}},
                        ]
                    }
                },
                size=0,
                aggs={"unread": {"sum": {"field": "new_count"}}},
                ignore_unavailable=True,
            )
        return int((response.get("aggregations") or {}).get("unread", {}).get("value") or 0)

    async def every_watch(self) -> AsyncIterator[dict[str, Any]]:
        """Every watch of every owner, for the evaluation job."""
        await self._ensure()
        body = {"query": {"match_all": {}}, "sort": [{"owner": "asc"}, {"_doc": "asc"}]}
        async for hit in every_hit(self._es, self._index, body):
            yield hit["_source"] | {"id": hit["_id"]}
