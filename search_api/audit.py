"""The append-only audit log: who read or changed what, when, from where.

Every event is created with `op_type=create` under a fresh id and never updated.
Writing happens before the caller gets the result, and a failed write fails the
action (503): nothing sensitive is served without its trace.

Writes are group-committed: events that arrive while a write is in flight go together
in the next bulk request, and each caller still waits for its own event to be
acknowledged. Under concurrent load that is one durable write per batch, not per read.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext
from evidence.errors import IndexUnavailable
from evidence.indices import audit_index, ensure_plain_index
from search_api.transport import translating

__all__ = ["Auditor"]

_NOT_WRITTEN = "The audit log could not be written, so the action was not carried out."


class Auditor:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._index = audit_index(prefix)
        self._ready = False
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def _ensure(self) -> None:
        if not self._ready:
            await ensure_plain_index(self._es, self._index, "audit")
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
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((event, written))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches())
        await written

    async def _write_batches(self) -> None:
        """Write what is waiting, one bulk request per batch, until nothing waits."""
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._ensure()
                operations: list[dict[str, Any]] = []
                for event, _ in batch:
                    operations += [{"create": {"_index": self._index}}, event]
                response = await self._es.bulk(operations=operations)
                outcomes = [next(iter(item.values())) for item in response["items"]]
            except Exception as error:  # any failure to write the trace stops the action
                outcomes = [{"error": str(error)}] * len(batch)
            for (_, written), outcome in zip(batch, outcomes, strict=True):
                if "error" in outcome:
                    written.set_exception(
                        IndexUnavailable(
                            "The audit log could not be written, so the action was not carried out."
                        )
                    )
                else:
                    written.set_result(None)

    @translating
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
