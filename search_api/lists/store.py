"""List searches and their results in their own indices, read only by their owner.

A list search's document holds its entries (unindexed) for the job, who ran it and with
which role, and how far the job got. Its results are one document per entry. Reading
either takes the caller's access: another user's list is a 404, like one that does not
exist, and the owner whose role changed since the list ran must run it again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch, helpers

from evidence.access import AccessContext
from evidence.errors import N_, Conflict, NotFound, Unauthorized
from evidence.indices import ensure_plain_index, list_results_index, list_searches_index
from search_api.paging import every_hit
from search_api.transport import translated, translating

__all__ = ["ListStore", "now"]

_BUNDLE_SIZE = 500


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ListStore:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._lists = list_searches_index(prefix)
        self._results = list_results_index(prefix)

    @staticmethod
    def require_user(access: AccessContext) -> str:
        if access.user is None:
            raise Unauthorized(N_("Log in to run list searches."))
        return access.user

    @translating
    async def _ensure(self) -> None:
        await ensure_plain_index(self._es, self._lists, "list_searches")
        await ensure_plain_index(self._es, self._results, "list_results")

    @translating
    async def create(self, list_id: str, document: dict[str, Any]) -> None:
        await self._ensure()
        await self._es.index(
            index=self._lists, id=list_id, document=document, op_type="create", refresh=True
        )

    @translating
    async def read(self, list_id: str) -> dict[str, Any] | None:
        """The document as the job reads it, entries included; no access check."""
        await self._ensure()
        response = await self._es.options(ignore_status=404).get(index=self._lists, id=list_id)
        found: dict[str, Any] | None = response.body.get("_source")
        return found

    async def owned(self, access: AccessContext, list_id: str) -> dict[str, Any]:
        """The caller's list search, without its entries; someone else's is not found,
        and one run with another role than the caller's now cannot be read."""
        owner = self.require_user(access)
        found = await self.read(list_id)
        if found is None or found["owner"] != owner:
            raise NotFound(N_("No list search %(id)s."), id=list_id)
        if found["role"] != access.role.value:
            raise Conflict(
                N_("Your access changed since this list ran; run the list again to see it.")
            )
        found.pop("entries", None)
        return found | {"id": list_id}

    @translating
    async def update(self, list_id: str, fields: dict[str, Any], *, seen: bool = True) -> None:
        """Change the list's document; `seen=False` for progress, which a GET reads at
        once anyway and the list of lists may show a second late."""
        await self._es.update(
            index=self._lists, id=list_id, doc=fields | {"updated": now()}, refresh=seen
        )

    @translating
    async def cancel_requested(self, list_id: str) -> bool:
        """Whether the owner asked the job to stop (or the list is gone): a real-time
        GET of that one field, not of the entries."""
        response = await self._es.options(ignore_status=404).get(
            index=self._lists, id=list_id, source_includes=["cancel_requested"]
        )
        if not response.body.get("found"):
            return True
        return bool(response.body["_source"].get("cancel_requested"))

    @translating
    async def results_written(self) -> None:
        """Make what the job wrote searchable before it says it is done."""
        await self._es.indices.refresh(index=self._results)

    @translating
    async def mark(self, list_id: str, status: str, message: str) -> None:
        """An admin retried or cancelled the list's job: say so on its page (a retry runs
        it from the start, whoever asked it to stop before)."""
        fields: dict[str, Any] = {"status": status, "message": message, "updated": now()}
        if status == "queued":
            fields["cancel_requested"] = False
        await self._es.options(ignore_status=404).update(
            index=self._lists, id=list_id, doc=fields, refresh=True
        )

    @translating
    async def mine(self, access: AccessContext) -> list[dict[str, Any]]:
        """The caller's list searches, newest first."""
        owner = self.require_user(access)
        await self._ensure()
        body = {
            "query": {"term": {"owner": owner}},
            "sort": [{"created": "desc"}, {"_doc": "asc"}],
            "_source": {"excludes": ["entries", "problems"]},
        }
        return [
            hit["_source"] | {"id": hit["_id"]}
            async for hit in every_hit(self._es, self._lists, body)
        ]

    async def write_results(self, list_id: str, results: list[dict[str, Any]]) -> None:
        """One document per entry, named after its line: a run that starts again (a
        retry) writes over what an earlier attempt wrote, never beside it."""
        actions = [
            {
                "_index": self._results,
                "_id": f"{list_id}-{result['line']}",
                "_source": {
                    "list_id": list_id,
                    "line": result["line"],
                    "total": result["total"],
                    "collections": sorted(result["collections"]),
                    "result": result,
                },
            }
            for result in results
        ]
        async with translated():
            await helpers.async_bulk(self._es, actions, chunk_size=_BUNDLE_SIZE)

    def _results_body(self, list_id: str, matched_only: bool) -> dict[str, Any]:
        filters: list[dict[str, Any]] = [{"term": {"list_id": list_id}}]
        if matched_only:
            filters.append({"range": {"total": {"gt": 0}}})
        return {"query": {"bool": {"filter": filters}}, "sort": [{"line": "asc"}]}

    @translating
    async def results(
        self, list_id: str, after: int | None, size: int, matched_only: bool = False
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of results in line order, from after line `after`, and how many there
        are in all; paged by line, so a 50,000-row list has no 10,000-row ceiling."""
        response = await self._es.search(
            index=self._results,
            **self._results_body(list_id, matched_only),
            search_after=[after] if after is not None else None,
            size=size,
            track_total_hits=True,
        )
        hits = response["hits"]["hits"]
        return [hit["_source"]["result"] for hit in hits], response["hits"]["total"]["value"]

    @translating
    async def collections(self, list_id: str) -> list[str]:
        """The collections any entry matched, for the export's columns."""
        response = await self._es.search(
            index=self._results,
            query={"term": {"list_id": list_id}},
            size=0,
            aggs={"names": {"terms": {"field": "collections", "size": 1000}}},
        )
        return sorted(b["key"] for b in response["aggregations"]["names"]["buckets"])

    async def every_result(self, list_id: str) -> AsyncIterator[dict[str, Any]]:
        body = self._results_body(list_id, matched_only=False)
        async for hit in every_hit(self._es, self._results, body):
            yield hit["_source"]["result"]
