"""The append-only audit log: who read or changed what, when, from where.

Every event is created with `op_type=create` under a fresh id and never updated.
Writing happens before the caller gets the result, and a failed write fails the
action (503): nothing sensitive is served without its trace.

Writes are group-committed: events that arrive while a write is in flight go together
in the next bulk request, and each caller still waits for its own event to be
acknowledged. Under concurrent load that is one durable write per batch, not per read.

Admins page the log newest first through a point in time and `search_after`, so events
that share a millisecond are neither skipped nor repeated at a page boundary.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext
from evidence.errors import IndexUnavailable
from evidence.indices import audit_index, ensure_plain_index
from search_api.cursor import Cursor
from search_api.locale import N_
from search_api.paging import Page, read_page
from search_api.transport import translating

__all__ = ["ACTIONS", "OUTCOMES", "Auditor"]

log = logging.getLogger(__name__)

# Every action the code writes, with its name for the audit page's list: admins choose
# from these rather than type an exact name (tests/unit/test_audit_actions.py keeps
# this list complete).
ACTIONS: dict[str, str] = {
    "search": N_("Search"),
    "export": N_("Export of search results"),
    "timeline": N_("Timeline"),
    "record.view": N_("Record viewed"),
    "facilities.view": N_("Facilities listed"),
    "facility.view": N_("Facility page viewed"),
    "persons.view": N_("Persons listed"),
    "person.view": N_("Person page viewed"),
    "case.view": N_("Case page viewed"),
    "image.reveal": N_("Image revealed"),
    "image.unavailable": N_("Image missing or altered"),
    "original.download": N_("Original downloaded"),
    "chronology.view": N_("Chronology viewed"),
    "chronology.create": N_("Chronology created"),
    "chronology.rename": N_("Chronology renamed"),
    "chronology.delete": N_("Chronology deleted"),
    "chronology.fact_add": N_("Fact added"),
    "chronology.collect": N_("Items added in bulk"),
    "chronology.fact_edit": N_("Fact edited"),
    "chronology.fact_move": N_("Fact moved"),
    "chronology.fact_delete": N_("Fact deleted"),
    "chronology.export": N_("Chronology exported"),
    "chronology.share": N_("Chronology shared with a team"),
    "chronology.unshare": N_("Chronology no longer shared with a team"),
    "chronology.comment": N_("Comment on a fact"),
    "chronology.renumber": N_("Exhibits renumbered"),
    "chronology.exhibit_prefix": N_("Exhibit prefix changed"),
    "chronology.package": N_("Court package made and downloaded"),
    "chronology.history": N_("Chronology history viewed"),
    "chronology.restore": N_("Fact restored from history"),
    "note.add": N_("Note added"),
    "note.delete": N_("Note deleted"),
    "notes.view": N_("Notes on a record read"),
    "notes.search": N_("Notes searched"),
    "tag.add": N_("Tag added"),
    "tag.delete": N_("Tag deleted"),
    "team.create": N_("Team created"),
    "team.member_set": N_("Team member added or changed"),
    "team.member_remove": N_("Team member removed"),
    "team.delete": N_("Team deleted"),
    "upload": N_("Upload"),
    "list_search": N_("List search run"),
    "list_search.export": N_("List search exported"),
    "watch.create": N_("Watch created"),
    "watch.open": N_("Watch opened"),
    "watch.delete": N_("Watch deleted"),
    "redactions.view": N_("Redaction review viewed"),
    "jobs.view": N_("Job queue viewed"),
    "job.retry": N_("Job retried"),
    "job.cancel": N_("Job cancelled"),
    "login": N_("Log in"),
    "logout": N_("Log out"),
    "audit.view": N_("Audit log viewed"),
    "admin.user_add": N_("Account created"),
    "admin.token_issue": N_("Token issued"),
    "admin.revoke": N_("Account or token revoked"),
    "admin.role_change": N_("Account role changed"),
    "admin.collection_grant": N_("Collection granted"),
    "admin.collection_revoke": N_("Collection grant revoked"),
}
OUTCOMES: dict[str, str] = {
    "ok": N_("ok"),
    "failed": N_("failed"),
    "refused": N_("refused"),
    "rate_limited": N_("rate limited"),
    "not_found": N_("not found"),
}

_NOT_WRITTEN = N_("The audit log could not be written, so the action was not carried out.")


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
        """Write what is waiting, one bulk request per batch, until nothing waits.

        Whatever happens to a batch, every caller still waiting on it gets its answer, so
        no caller hangs and the writer lives on to write the next batch.
        """
        while self._waiting:
            batch, self._waiting = self._waiting, []
            outcomes: list[dict[str, Any]] = []
            try:
                outcomes = await self._write([event for event, _ in batch])
            except Exception:  # any failure to write the trace stops the action
                log.exception("The audit log could not be written; %d actions fail.", len(batch))
            finally:
                _answer(batch, outcomes)

    async def _write(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One bulk request; the outcome of each event, in order."""
        await self._ensure()
        operations: list[dict[str, Any]] = []
        for event in events:
            operations += [{"create": {"_index": self._index}}, event]
        response = await self._es.bulk(operations=operations)
        return [next(iter(item.values())) for item in response["items"]]

    @translating
    async def search(
        self,
        filters: dict[str, Any],
        bounds: list[dict[str, str]],
        size: int,
        cursor: Cursor | None,
        search: str,
    ) -> Page:
        """One page, newest first, and where the next, older one starts; each of `bounds`
        limits the time (range operators on `at`: `gte`, `lt`). Admin only (the route checks)."""
        await self._ensure()
        clauses: list[dict[str, Any]] = [
            {"term": {field: value}} for field, value in filters.items() if value
        ]
        clauses += [{"range": {"at": bound}} for bound in bounds]
        if cursor is None:  # later pages read the first page's point in time
            await self._es.indices.refresh(index=self._index)  # admins read what just happened
        body = {"query": {"bool": {"filter": clauses}}, "sort": [{"at": "desc"}]}
        return await read_page(self._es, self._index, body, size, cursor, search)

    @translating
    async def custody_events(
        self, record_ids: list[str], limit: int = 5000
    ) -> list[dict[str, Any]]:
        """The reveals, downloads and packagings of these records' originals, oldest
        first (at most `limit`), for their custody in a court package. The caller has
        already been shown each record: the ids come from their own access."""
        if not record_ids:
            return []
        await self._ensure()
        await self._es.indices.refresh(index=self._index)  # a reveal a moment ago counts
        answer = await self._es.search(index=self._index, **_custody_body(record_ids, limit))
        return [hit["_source"] for hit in answer["hits"]["hits"]]


# The audit events that belong in a record's custody: its original shown, downloaded or
# taken out in a court package.
CUSTODY_ACTIONS = ("image.reveal", "original.download", "chronology.package")


def _custody_body(record_ids: list[str], limit: int) -> dict[str, Any]:
    actions = {"terms": {"action": list(CUSTODY_ACTIONS)}}
    filters = [{"terms": {"record_ids": record_ids}}, actions, {"term": {"outcome": "ok"}}]
    return {
        "query": {"bool": {"filter": filters}},
        "sort": [{"at": "asc"}],
        "size": limit,
        "_source": ["at", "user", "role", "action", "record_ids"],
    }


def _answer(
    batch: list[tuple[dict[str, Any], asyncio.Future[None]]], outcomes: list[dict[str, Any]]
) -> None:
    """Tell each caller still waiting whether its event was written; an event without an
    outcome was not. A cancelled caller no longer waits and is skipped."""
    errors = [outcome["error"] for outcome in outcomes if "error" in outcome]
    if errors:
        log.error("%d of %d audit events were not written: %s", len(errors), len(batch), errors[0])
    for position, (_, written) in enumerate(batch):
        if written.done():
            continue
        if position < len(outcomes) and "error" not in outcomes[position]:
            written.set_result(None)
        else:
            written.set_exception(IndexUnavailable(_NOT_WRITTEN))
