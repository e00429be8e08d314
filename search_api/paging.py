"""Reading the app's own plain indices (audit log, users, chronologies, uploads, the
bundle registry) completely: never a fixed `size` taken for the whole set.

They have no unique sort field, so both readers go through one point in time, whose
implicit `_shard_doc` tiebreaker orders documents that share every sort value:
`every_hit` walks all of it for the code, `read_page` serves one page at a time to a
person, with a signed cursor to the next.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.errors import InvalidRequest
from search_api.cursor import Cursor
from search_api.transport import CursorExpired, translated

__all__ = ["PIT_KEEP_ALIVE", "Page", "every_hit", "read_page"]

PIT_KEEP_ALIVE = "10m"
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
        raise InvalidRequest("The cursor has expired; start again from the first page.") from error
    pit = response.get("pit_id", pit)
    hits = response["hits"]["hits"]  # one more than `size` when there is a next page
    offset = cursor.offset if cursor else 0
    if len(hits) <= size:
        async with translated():
            await es.options(ignore_status=404).close_point_in_time(id=pit)
        return Page(hits, offset, None)
    shown = hits[:size]
    return Page(shown, offset, Cursor(shown[-1]["sort"], pit, offset + size, search))
