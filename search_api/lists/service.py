"""List-search operations for the caller: submit a roster, follow it, read and export
its results, cancel it. Only the owner reads a list, with the role it ran with."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from typing import Any

import anyio
from redis import Redis

from evidence import jobqueue
from evidence.errors import N_, InvalidRequest
from evidence.settings import Settings
from search_api.deps import Caller
from search_api.lists.models import ListCreated, ListOut, ProblemOut, ResultOut, ResultsPage
from search_api.lists.roster import Roster, read_roster
from search_api.lists.store import ListStore, now

__all__ = ["MAX_RUNNING", "ListService"]

MAX_RUNNING = 2  # lists one user may have queued or running at once
_RUNNING = ("queued", "running", "retrying")
_SHOWN_PROBLEMS = 5


def _problems(roster: Roster) -> list[dict[str, Any]]:
    return [
        {"line": problem.line, "field": problem.field, "reason": problem.reason}
        for problem in roster.problems
    ]


class ListService:
    def __init__(self, lists: ListStore, caller: Caller, settings: Settings, queue: Redis) -> None:
        self._lists = lists
        self._caller = caller
        self._settings = settings
        self._queue = queue

    async def submit(self, data: bytes, filename: str, name: str | None) -> ListCreated:
        """Read the roster, keep it for its owner and queue its search. Bad rows are
        reported and the rest run; a list none of whose rows can run is refused."""
        access = self._caller.access
        owner = self._lists.require_user(access)
        await anyio.to_thread.run_sync(jobqueue.check, self._queue)
        roster = await anyio.to_thread.run_sync(read_roster, data, filename)
        if not roster.entries:
            shown = "; ".join(
                f"line {p.line}, {p.field}: {p.reason}" for p in roster.problems[:_SHOWN_PROBLEMS]
            )
            raise InvalidRequest(N_("No entry of the list can be searched. %(why)s"), why=shown)
        running = [row for row in await self._lists.mine(access) if row["status"] in _RUNNING]
        if len(running) >= MAX_RUNNING:
            raise InvalidRequest(
                N_("You have %(count)s list searches running; wait for one or cancel it."),
                count=len(running),
            )
        list_id = "ls-" + secrets.token_hex(8)
        await self._lists.create(
            list_id,
            {
                "owner": owner,
                "role": access.role.value,
                "client": self._caller.client,
                "name": name or filename or "pasted list",
                "sha256": hashlib.sha256(data).hexdigest(),
                "rows": roster.rows,
                "status": "queued",
                "created": now(),
                "updated": now(),
                "done": 0,
                "matched": 0,
                "records": 0,
                "entries": [entry.stored() for entry in roster.entries],
                "problems": _problems(roster),
            },
        )
        await anyio.to_thread.run_sync(
            jobqueue.enqueue_list_search, self._settings, self._queue, list_id
        )
        return ListCreated(
            id=list_id,
            rows=roster.rows,
            entries=len(roster.entries),
            problems=[ProblemOut(**p) for p in _problems(roster)],
            status_url=f"/api/list-searches/{list_id}",
            page_url=f"/lists/{list_id}",
        )

    async def get(self, list_id: str) -> ListOut:
        found = await self._lists.owned(self._caller.access, list_id)
        return ListOut.model_validate(
            found | {"entries": found["rows"] - len(found.get("problems", []))}
        )

    async def mine(self) -> list[dict[str, Any]]:
        return await self._lists.mine(self._caller.access)

    async def results(
        self, list_id: str, after: int | None, size: int, matched_only: bool
    ) -> ResultsPage:
        await self._lists.owned(self._caller.access, list_id)
        found, total = await self._lists.results(list_id, after, size, matched_only)
        results = [ResultOut.model_validate(result) for result in found]
        more = len(results) == size
        return ResultsPage(
            results=results, total=total, next_after=results[-1].line if more else None
        )

    async def cancel(self, list_id: str) -> ListOut:
        """Ask the job to stop after its current batch; what ran is kept."""
        found = await self._lists.owned(self._caller.access, list_id)
        if found["status"] in _RUNNING:
            await self._lists.update(list_id, {"cancel_requested": True})
        return await self.get(list_id)

    async def every_result(self, list_id: str) -> AsyncIterator[ResultOut]:
        """Every result, in line order, for an export; audited before the first."""
        listed = await self._lists.owned(self._caller.access, list_id)
        await self._caller.audit(
            "list_search.export",
            params={"list": list_id, "sha256": listed["sha256"], "rows": listed["rows"]},
            total=listed.get("records", 0),
        )
        async for result in self._lists.every_result(list_id):
            yield ResultOut.model_validate(result)
