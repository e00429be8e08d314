"""Reading the redaction review, audited (`redactions.view`): every bundle in counts, or
one bundle's change summary and a filtered page of its rows."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from search_api.deps import Caller
from search_api.redactions.models import (
    BundleReview,
    ReviewChanges,
    ReviewDetail,
    ReviewList,
    ReviewParams,
    ReviewRow,
)
from search_api.redactions.store import RedactionStore

__all__ = ["RedactionReview"]


def _summary(source: dict[str, Any]) -> dict[str, Any]:
    changes = source.get("changes")
    return {
        "id": source["id"],
        "collection": source["collection"],
        "folder": source["folder"],
        "loaded_at": source["loaded_at"],
        "previous_loaded_at": source.get("previous_loaded_at"),
        "writer": source.get("writer"),
        "records": source["records"],
        "withheld": source["withheld"],
        "near_misses": source["near_misses"],
        "by_rule": source["by_rule"],
        "changed": changes["counts"] if changes else None,
        "url": f"/api/admin/redactions/{source['id']}",
    }


def _matches(row: ReviewRow, params: ReviewParams) -> bool:
    return (params.kind is None or row.kind == params.kind) and (
        params.record is None or row.local_id == params.record
    )


class RedactionReview:
    def __init__(self, store: RedactionStore, caller: Caller) -> None:
        self.store = store
        self.caller = caller

    async def bundles(self, collection: str | None = None) -> ReviewList:
        reviews = await self.store.list(self.caller.access, collection)
        await self.caller.audit(
            "redactions.view", params={"collection": collection} if collection else None
        )
        return ReviewList(bundles=[BundleReview.model_validate(_summary(r)) for r in reviews])

    async def bundle(self, bundle_id: str, params: ReviewParams) -> ReviewDetail:
        source = await self.store.get(self.caller.access, bundle_id)
        await self.caller.audit(
            "redactions.view",
            params={"bundle": bundle_id} | params.model_dump(exclude_defaults=True),
        )
        rows = [ReviewRow.model_validate(row) for row in source["rows"]]
        matching = [row for row in rows if _matches(row, params)]
        end = params.offset + params.size
        next_query = None
        if end < len(matching):
            query = params.model_dump(exclude_defaults=True) | {"offset": end}
            next_query = "?" + urlencode(query)
        changes = source.get("changes")
        return ReviewDetail(
            **_summary(source),
            changes=ReviewChanges.model_validate(changes) if changes else None,
            rows=matching[params.offset : end],
            matching=len(matching),
            rows_kept=source["rows_kept"],
            offset=params.offset,
            next=next_query,
        )
