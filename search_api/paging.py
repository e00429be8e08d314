"""Reading the app's own plain indices (audit log, users, chronologies, uploads, the
bundle registry) completely: never a fixed `size` taken for the whole set.

They have no unique sort field, so both readers go through one point in time, whose
implicit `_shard_doc` tiebreaker orders documents that share every sort value:
`every_hit` walks all of it for the code, `read_page` serves one page at a time to a
person, with an encrypted cursor to the next.

Searches and timelines page through `PitChains` instead: each chain of pages (all the
cursors that follow from one page one) holds at most one point in time, and each caller
a bounded number of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from elasticsearch import AsyncElasticsearch
from fastapi import Depends, Request

from evidence.errors import N_, IndexUnavailable, InvalidRequest
from search_api.cursor import Cursor
from search_api.transport import CursorExpired, translated

__all__ = [
    "EXPIRED",
    "PIT_KEEP_ALIVE",
    "ChainsDep",
    "Page",
    "PitChains",
    "every_hit",
    "read_page",
]

PIT_KEEP_ALIVE = "10m"
_KEEP_ALIVE_SECONDS = 600.0
EXPIRED = N_("The cursor has expired; start again from the first page.")
# A read that could not reach every shard fails instead of answering from part of them.
COMPLETE: dict[str, Any] = {"allow_partial_search_results": False}


async def every_hit(
    es: AsyncElasticsearch, index: str, body: dict[str, Any], page: int = 500
) -> AsyncIterator[dict[str, Any]]:
    """Every hit of `body` in `index`, in its sort, a page at a time."""
    async with translated():
        pit = str((await es.open_point_in_time(index=index, keep_alive="1m"))["id"])
    try:
        after: list[Any] | None = None
        while True:
            async with translated():
                response = await es.search(
                    pit={"id": pit, "keep_alive": "1m"},
                    **body,
                    size=page,
                    search_after=after,
                    track_total_hits=False,
                    **COMPLETE,
                )
            pit = response.get("pit_id", pit)
            hits = response["hits"]["hits"]
            for hit in hits:
                yield hit
            if len(hits) < page:
                return
            after = hits[-1]["sort"]
    finally:
        async with translated():
            await es.options(ignore_status=404).close_point_in_time(id=pit)


@dataclass(frozen=True)
class Page:
    """The hits of one page, how many came before them, and where the next page starts."""

    hits: list[dict[str, Any]]
    offset: int
    next: Cursor | None


async def read_page(
    es: AsyncElasticsearch,
    index: str,
    body: dict[str, Any],
    size: int,
    cursor: Cursor | None,
    search: str,
) -> Page:
    """One page of `index` in `body`'s sort, and the cursor of the next page if there is one.

    The first page opens a point in time and later pages read the same one, so documents
    written meanwhile neither shift nor repeat what is listed. The last page closes it; an
    abandoned one expires. Another point in time would order ties differently, so an
    expired cursor cannot be resumed exactly and is refused.
    """
    request: dict[str, Any] = {**body, "size": size + 1, "track_total_hits": False, **COMPLETE}
    if cursor:
        request["search_after"] = cursor.after
    try:
        async with translated():
            pit = cursor.pit if cursor and cursor.pit else None
            if pit is None:
                opened = await es.open_point_in_time(index=index, keep_alive=PIT_KEEP_ALIVE)
                pit = str(opened["id"])
            response = await es.search(pit={"id": pit, "keep_alive": PIT_KEEP_ALIVE}, **request)
    except CursorExpired as error:
        raise InvalidRequest(EXPIRED) from error
    pit = response.get("pit_id", pit)
    hits = response["hits"]["hits"]  # one more than `size` when there is a next page
    offset = cursor.offset if cursor else 0
    if len(hits) <= size:
        async with translated():
            await es.options(ignore_status=404).close_point_in_time(id=pit)
        return Page(hits, offset, None)
    shown = hits[:size]
    return Page(shown, offset, Cursor(shown[-1]["sort"], pit, offset + size, search))


@dataclass
class _Chain:
    pit: str
    used: float  # time.monotonic() of the last page read through it


class PitChains:
    """Which point in time each chain of search pages reads, per caller, in this process.

    A chain is every cursor that follows from one page one; replaying any of them reuses
    the chain's point in time instead of opening another. A caller (a user, or a
    visitor's address) holds at most `per_caller` of them: one more closes the caller's
    oldest, and that chain's cursors are refused as expired. A chain's last page closes
    its point in time; an idle one expires in Elasticsearch and is forgotten here.
    The map lives in one API process: with several workers each keeps its own.
    """

    # How many closed-by-the-cap chains are remembered, so their cursors stay refused.
    _RETIRED_KEPT = 4096

    def __init__(self, close_pit: Callable[[str], Awaitable[None]], per_caller: int) -> None:
        self._close_pit = close_pit
        self._per_caller = per_caller
        self._open: dict[tuple[str, str], _Chain] = {}  # oldest first
        self._retired: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = asyncio.Lock()

    async def pit(self, caller: str, chain: str, open_pit: Callable[[], Awaitable[str]]) -> str:
        """The chain's point in time, opened on its first later page; InvalidRequest when
        the cap closed it."""
        key = (caller, chain)
        async with self._lock:
            self._forget_idle()
            self._refuse_retired(key)
            if key in self._open:
                self._open[key].used = time.monotonic()
                return self._open[key].pit
        opened = await open_pit()  # outside the lock: other callers need not wait for it
        async with self._lock:
            found = self._open.get(key)
            if found or key in self._retired:  # a concurrent page of the chain came first
                surplus, pit = [opened], found.pit if found else None
            else:
                self._open[key] = _Chain(opened, time.monotonic())
                surplus, pit = self._over_the_cap(caller), opened
        await self._close_all(surplus)
        if pit is None:
            raise InvalidRequest(EXPIRED)
        return pit

    async def renew(self, caller: str, chain: str, pit: str) -> None:
        """Keep the id Elasticsearch answered with: it may change from page to page."""
        async with self._lock:
            if (caller, chain) in self._open:
                self._open[caller, chain] = _Chain(pit, time.monotonic())

    async def expired(self, caller: str, chain: str) -> None:
        """Forget a chain whose point in time Elasticsearch no longer knows."""
        async with self._lock:
            self._open.pop((caller, chain), None)

    async def finish(self, caller: str, chain: str) -> None:
        """The chain reached its last page: close its point in time now."""
        async with self._lock:
            done = self._open.pop((caller, chain), None)
        if done:
            await self._close_all([done.pit])

    async def close(self) -> None:
        """Close every open point in time: the app is stopping, no cursor will come back
        to this process."""
        async with self._lock:
            pits = [chain.pit for chain in self._open.values()]
            self._open.clear()
        with contextlib.suppress(IndexUnavailable):  # a node that is gone closed them
            await self._close_all(pits)

    def _refuse_retired(self, key: tuple[str, str]) -> None:
        if key in self._retired:
            raise InvalidRequest(EXPIRED)

    def _over_the_cap(self, caller: str) -> list[str]:
        """Retire the caller's oldest chains beyond the cap; their points in time."""
        mine = [key for key in self._open if key[0] == caller]
        closing = []
        for key in mine[: max(len(mine) - self._per_caller, 0)]:
            closing.append(self._open.pop(key).pit)
            self._retired[key] = None
        while len(self._retired) > self._RETIRED_KEPT:
            self._retired.popitem(last=False)
        return closing

    def _forget_idle(self) -> None:
        """Drop chains idle past the keep-alive: Elasticsearch has closed them already."""
        idle_since = time.monotonic() - _KEEP_ALIVE_SECONDS
        for key in [key for key, chain in self._open.items() if chain.used < idle_since]:
            del self._open[key]

    async def _close_all(self, pits: list[str]) -> None:
        for pit in pits:
            await self._close_pit(pit)


def get_chains(request: Request) -> PitChains:
    chains: PitChains = request.app.state.pit_chains
    return chains


ChainsDep = Annotated[PitChains, Depends(get_chains)]
