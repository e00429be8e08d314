"""The one layer that talks to Elasticsearch.

Every read takes the caller's access context and re-applies the access filter itself,
so no route or builder can forget it: search, facet counts and histograms (they are
computed on the filtered query), fetch by id (a filtered search, never a GET), links,
and exports. Transport failures become `IndexUnavailable` here, so callers see one
error type whatever the client raised.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext, restrict
from evidence.errors import IndexUnavailable, NotFound
from evidence.indices import all_alias, registry_index, type_alias
from search_api.paging import COMPLETE, PIT_KEEP_ALIVE, every_hit
from search_api.transport import CursorExpired, translated

log = logging.getLogger(__name__)

__all__ = ["PIT_KEEP_ALIVE", "CursorExpired", "Store", "by_id"]

# A search that could not reach every shard (a node just died) fails with 503 instead of
# answering from part of the evidence: totals and exports must be complete or absent.
_COMPLETE = COMPLETE


def by_id(stable_id: str, exclude: list[str]) -> dict[str, Any]:
    """The body that fetches one record: a search, so the access filter applies."""
    return {"query": {"ids": {"values": [stable_id]}}, "size": 1, "_source": {"excludes": exclude}}


class Store:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._prefix = prefix
        self._targets = {"records": all_alias(prefix), "events": type_alias(prefix, "event")}

    async def search(
        self,
        body: dict[str, Any],
        access: AccessContext | None,
        *,
        pit: str | None = None,
        target: str = "records",
    ) -> dict[str, Any]:
        """Search records (or timeline events), only within what `access` may see."""
        secured = {**body, "query": restrict(body.get("query"), access), **_COMPLETE}
        async with translated():
            if pit is not None:
                response = await self._es.search(
                    pit={"id": pit, "keep_alive": PIT_KEEP_ALIVE}, **secured
                )
            else:
                response = await self._es.search(index=self._targets[target], **secured)
        answer: dict[str, Any] = response.body
        return answer

    async def msearch(
        self, bodies: list[dict[str, Any]], access: AccessContext | None, target: str = "records"
    ) -> list[dict[str, Any]]:
        """Several searches in one round trip, each only within what `access` may see."""
        searches: list[dict[str, Any]] = []
        for body in bodies:
            searches += [_COMPLETE, {**body, "query": restrict(body.get("query"), access)}]
        async with translated():
            response = await self._es.msearch(index=self._targets[target], searches=searches)
        answers: list[dict[str, Any]] = response.body["responses"]
        failed = [answer["error"] for answer in answers if "error" in answer]
        if failed:
            # The node's reason can name its files and folders: logged, never answered.
            log.error("a search failed on Elasticsearch: %s", failed[0])
            raise IndexUnavailable("Elasticsearch could not answer; try again shortly.")
        return answers

    async def open_pit(self, target: str = "records") -> str:
        async with translated():
            response = await self._es.open_point_in_time(
                index=self._targets[target], keep_alive=PIT_KEEP_ALIVE
            )
        return str(response["id"])

    async def close_pit(self, pit: str) -> None:
        async with translated():
            await self._es.options(ignore_status=404).close_point_in_time(id=pit)

    async def get(
        self, stable_id: str, access: AccessContext | None, *, exclude: list[str]
    ) -> dict[str, Any]:
        """One record by id, or NotFound: hidden and absent look the same."""
        hits = (await self.search(by_id(stable_id, exclude), access))["hits"]["hits"]
        if not hits:
            raise NotFound(f"No record {stable_id}.")
        source: dict[str, Any] = hits[0]["_source"]
        return source

    async def scan(
        self, body: dict[str, Any], access: AccessContext | None, page: int = 1000
    ) -> AsyncIterator[dict[str, Any]]:
        """Every matching hit, in sort order, through a point in time: no 10,000 ceiling.
        The sort must end in a unique field, so an expired point in time can be replaced."""
        pit = await self.open_pit()
        try:
            after = None
            while True:
                request = {**body, "size": page, "track_total_hits": False}
                if after is not None:
                    request["search_after"] = after
                try:
                    response = await self.search(request, access, pit=pit)
                except CursorExpired:
                    # The point in time outlived its keep-alive (a reader slower than 10
                    # minutes a page): go on from the last row in a new one. Every sort
                    # ends in the unique stable_id, so no row is repeated or skipped.
                    pit = await self.open_pit()
                    response = await self.search(request, access, pit=pit)
                pit = response.get("pit_id", pit)
                hits = response["hits"]["hits"]
                for hit in hits:
                    yield hit
                if len(hits) < page:
                    return
                after = hits[-1]["sort"]
        finally:
            await self.close_pit(pit)

    async def health(self) -> str:
        """Status (green, yellow, red) of the indices this app reads, not of the whole
        cluster; IndexUnavailable when the node is down. Reads no records."""
        async with translated():
            response = await self._es.options(ignore_status=408).cluster.health(
                index=",".join(self._targets.values()), timeout="1s"
            )
        return str(response["status"])

    async def bundle_roots(self, collection: str) -> list[str]:
        """Where a collection's bundles were loaded from, for serving original files:
        all of them, however many."""
        registry = registry_index(self._prefix)
        async with translated():
            if not await self._es.indices.exists(index=registry):
                return []
        body = {
            "query": {"term": {"collection": collection}},
            "sort": [{"path": "asc"}],
            "_source": ["path"],
        }
        return [hit["_source"]["path"] async for hit in every_hit(self._es, registry, body)]
