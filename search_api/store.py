"""The one layer that talks to Elasticsearch.

Every read takes the caller's access context and touches only the per-level indices
it may see (`visible_aliases`), so nothing hidden shapes ranking, suggestions or
aggregations; it re-applies the access filter as well, so no route or builder can
forget it: search, facet counts and histograms, fetch by id (a filtered search, never
a GET), links, and exports. Transport failures become `IndexUnavailable` here, so
callers see one error type whatever the client raised.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext, restrict
from evidence.errors import N_, IndexUnavailable, InvalidRequest, NotFound
from evidence.indices import all_alias, type_alias, visible_aliases
from search_api.paging import COMPLETE, PIT_KEEP_ALIVE
from search_api.transport import CursorExpired, translated

log = logging.getLogger(__name__)

__all__ = [
    "PIT_KEEP_ALIVE",
    "CursorExpired",
    "Store",
    "by_id",
    "counted_apart",
    "reader_group",
    "secured",
]

# A search that could not reach every shard (a node just died) fails with 503 instead of
# answering from part of the evidence: totals and exports must be complete or absent.
_COMPLETE = COMPLETE
# A level with no records yet has no index behind its alias: nothing to search there.
_LEVELS_MAY_BE_EMPTY: dict[str, Any] = {"ignore_unavailable": True, "allow_no_indices": True}


def secured(body: dict[str, Any], access: AccessContext | None) -> dict[str, Any]:
    """`body` matching only what `access` may see. A kNN search gets the access filter
    inside each of its kNN clauses, where it is a pre-filter: the k nearest are counted
    among what the caller may see, never before. (A `query` beside `knn` would add its
    matches to the kNN's, so none is added.)

    Each search also names its reader's group (`AccessContext.reader`, `reader_group`)
    as a stats group, which changes nothing but the node's request-cache key: a count
    or aggregation cached for one user is never served to another, whose faster answer
    would tell them that someone had asked the same thing since the index last changed
    (visitors share their groups, 4,096 of them)."""
    reader = {"stats": [access.reader]} if access is not None and access.reader else {}
    if "knn" not in body:
        return {**body, "query": restrict(body.get("query"), access), **_COMPLETE, **reader}
    allowed = restrict(None, access)
    clauses = body["knn"] if isinstance(body["knn"], list) else [body["knn"]]
    knn = [clause | {"filter": [*clause.get("filter", []), allowed]} for clause in clauses]
    answer = {**body, "knn": knn, **_COMPLETE, **reader}
    if "query" in body:
        answer["query"] = restrict(body["query"], access)
    return answer


def reader_group(user: str | None, address: str, secret: str) -> str:
    """The stats group that keys a caller's share of the node's request cache, by an
    HMAC under the app's secret, so nobody can tell or choose whose group is whose.

    A signed-in user has a group of their own: accounts are few, and colleagues of one
    role are who must not learn what each other read. Visitors are unbounded, and the
    node keeps every group it is sent, so a visitor's address (an IPv6 one by its /64,
    which one household holds whole) falls in one of 4,096 groups that visitors share."""

    def mac(message: str) -> bytes:
        return hmac.new(secret.encode(), f"cache-group:{message}".encode(), "sha256").digest()

    if user is not None:
        return f"reader-user-{mac(f'user:{user}')[:8].hex()}"
    with suppress(ValueError):  # not an address (`unknown`): such visitors share a group
        if (parsed := ipaddress.ip_address(address)).version == 6:
            address = str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return f"reader-visitor-{int.from_bytes(mac(f'address:{address}')[:4], 'big') % 4096}"


# What only fetching hits needs: the rest of a body counts and aggregates.
_FETCH_ONLY = frozenset({"size", "from", "sort", "_source", "highlight", "search_after"})


def counted_apart(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A first page as two requests: its hits without a count, and its count and
    aggregations with no hits. The second is one the node caches (per shard and per
    reader, until the index next changes; a shard holds one confidentiality level, and
    the access filter is part of the request, so a cached answer never crosses levels);
    the first, asked no count, may stop early (top hits by score, or in date order, skip
    what cannot make the page)."""
    fetch = {k: v for k, v in body.items() if k != "aggs"} | {"track_total_hits": False}
    count = {k: v for k, v in body.items() if k not in _FETCH_ONLY} | {"size": 0}
    return fetch, count


def by_id(stable_id: str, exclude: list[str]) -> dict[str, Any]:
    """The body that fetches one record: a search, so the access filter applies."""
    return {"query": {"ids": {"values": [stable_id]}}, "size": 1, "_source": {"excludes": exclude}}


class Store:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._prefix = prefix
        self._kinds = {"records": "records", "events": "event"}

    def _visible(self, target: str, access: AccessContext | None) -> str:
        """The per-level aliases of `target` the caller may see; none visible reads the
        public level with a query that matches nothing."""
        levels = access.visible_levels if access is not None else ["public"]
        return visible_aliases(self._prefix, self._kinds[target], levels)

    async def search(
        self,
        body: dict[str, Any],
        access: AccessContext | None,
        *,
        pit: str | None = None,
        target: str = "records",
    ) -> dict[str, Any]:
        """Search records (or timeline events), only within what `access` may see."""
        request = secured(body, access)
        async with translated():
            if pit is not None:
                response = await self._es.search(
                    pit={"id": pit, "keep_alive": PIT_KEEP_ALIVE}, **request
                )
            else:
                response = await self._es.search(
                    index=self._visible(target, access), **request, **_LEVELS_MAY_BE_EMPTY
                )
        answer: dict[str, Any] = response.body
        return answer

    async def first_page(
        self, body: dict[str, Any], access: AccessContext | None, target: str = "records"
    ) -> dict[str, Any]:
        """`search`'s answer for a page one that counts and aggregates, sent as the two
        requests of `counted_apart` in one round trip, the count cached for the caller
        alone; a body with nothing to count apart, or a kNN search, goes as it is."""
        if "aggs" not in body or not body.get("size") or "knn" in body:
            return await self.search(body, access, target=target)
        bodies = list(counted_apart(body))
        hits, counted = await self.msearch(bodies, access, target)
        total = counted["hits"]["total"]
        return hits | {
            "hits": hits["hits"] | {"total": total},
            "aggregations": counted.get("aggregations", {}),
        }

    async def msearch(
        self, bodies: list[dict[str, Any]], access: AccessContext | None, target: str = "records"
    ) -> list[dict[str, Any]]:
        """Several searches in one round trip, each only within what `access` may see."""
        header = {"index": self._visible(target, access), **_COMPLETE, **_LEVELS_MAY_BE_EMPTY}
        searches: list[dict[str, Any]] = []
        for body in bodies:
            searches += [
                header,
                {k: v for k, v in secured(body, access).items() if k not in _COMPLETE},
            ]
        async with translated():
            response = await self._es.msearch(searches=searches)
        answers: list[dict[str, Any]] = response.body["responses"]
        failed = [answer for answer in answers if "error" in answer]
        if failed:
            # The node's reason can name its files and folders: logged, never answered.
            refused = any(answer.get("status") == 400 for answer in failed)
            log.log(
                logging.WARNING if refused else logging.ERROR,
                "a search failed on Elasticsearch: %s",
                failed[0]["error"],
            )
            if refused:
                # As for one search: a query the node refuses is the asker's to change.
                raise InvalidRequest(N_("Elasticsearch refused the query."))
            raise IndexUnavailable(N_("Elasticsearch could not answer; try again shortly."))
        return answers

    async def open_pit(self, access: AccessContext | None, target: str = "records") -> str:
        """A point in time over only the indices `access` may see."""
        async with translated():
            response = await self._es.open_point_in_time(
                index=self._visible(target, access),
                keep_alive=PIT_KEEP_ALIVE,
                ignore_unavailable=True,
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
            raise NotFound(N_("No record %(id)s."), id=stable_id)
        source: dict[str, Any] = hits[0]["_source"]
        return source

    async def scan(
        self, body: dict[str, Any], access: AccessContext | None, page: int = 1000
    ) -> AsyncIterator[dict[str, Any]]:
        """Every matching hit, in sort order, through a point in time: no 10,000 ceiling.
        The sort must end in a unique field, so an expired point in time can be replaced."""
        pit = await self.open_pit(access)
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
                    pit = await self.open_pit(access)
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
                index=f"{all_alias(self._prefix)},{type_alias(self._prefix, 'event')}",
                timeout="1s",
            )
        return str(response["status"])
