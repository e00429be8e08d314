"""The append-only audit log: who read or changed what, when, from where.

Every event is created with `op_type=create` under a fresh id and never updated.
Writing happens before the caller gets the result, and a failed write fails the
action (503): nothing sensitive is served without its trace.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext
from evidence.errors import IndexUnavailable
from evidence.indices import audit_index, plain_index_body

__all__ = ["Auditor"]


class Auditor:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._index = audit_index(prefix)
        self._ready = False

    async def _ensure(self) -> None:
        if not self._ready:
            if not await self._es.indices.exists(index=self._index):
                await self._es.options(ignore_status=400).indices.create(
                    index=self._index, **plain_index_body("audit")
                )
            self._ready = True

    async def record(
        self,
        action: str,
        access: AccessContext,
        client: str,
        *,
        user: str | None = None,
        outcome: str = "ok",
        params: dict[str, Any] | None = None,
        q: str | None = None,
        record_ids: list[str] | None = None,
        total: int | None = None,
    ) -> None:
        """Write one event; raise IndexUnavailable if it cannot be written."""
        event = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "user": user or access.user,
            "role": access.role.value,
            "action": action,
            "outcome": outcome,
            "client": client,
            "params": json.dumps(params or {}, ensure_ascii=False, sort_keys=True, default=str),
            "q": q or None,
            "record_ids": record_ids or [],
            "total": total,
        }
        try:
            await self._ensure()
            await self._es.index(index=self._index, document=event, op_type="create")
        except Exception as error:  # any failure to write the trace stops the action
            raise IndexUnavailable(
                "The audit log could not be written, so the action was not carried out."
            ) from error

    async def search(
        self, filters: dict[str, Any], size: int, before: str | None
    ) -> list[dict[str, Any]]:
        """Newest first; `before` pages back in time. Admin only (the route checks)."""
        await self._ensure()
        clauses: list[dict[str, Any]] = [
            {"term": {field: value}} for field, value in filters.items() if value
        ]
        if before:
            clauses.append({"range": {"at": {"lt": before}}})
        await self._es.indices.refresh(index=self._index)  # admins read what just happened
        response = await self._es.search(
            index=self._index,
            query={"bool": {"filter": clauses}},
            size=size,
            sort=[{"at": "desc"}],
        )
        return [hit["_source"] for hit in response["hits"]["hits"]]
