"""What a page needs to let its reader add events and records to a chronology in bulk.

The `_collect.html` macros draw one "Add selected to chronology…" form (`collect_form`)
and a checkbox per item (`pick`) tied to it by `form="collect"`, so checkboxes can sit
anywhere on the page without nesting forms. `collect_context` gives them the reader's
chronologies, the chronologies already holding each item, and the page to return to.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from search_api.chronologies.service import ChronologyService
from search_api.deps import Caller

__all__ = ["collect_context"]


async def collect_context(request: Request, caller: Caller) -> dict[str, Any]:
    """`mine`: the chronologies the caller may add to (none when not logged in);
    `collected`: for each `event:ID` and `record:ID` already added, the titles of the
    chronologies holding it; `here`: this page's path and query, where the form returns
    after adding."""
    query = request.url.query
    here = request.url.path + (f"?{query}" if query else "")
    if caller.access.user is None:
        return {"mine": [], "collected": {}, "here": here}
    state = request.app.state
    service = ChronologyService(state.store, state.chronologies, state.teams, caller)
    everyone = await service.readable(origins=True)
    # Admins may open every chronology; the form offers only those the caller owns or
    # edits through a team (see `collect`).
    mine = [c for c in everyone if c["right"] in ("owner", "editor")]
    collected: dict[str, list[str]] = {}
    for chronology in mine:
        for origin in chronology["origins"]:
            collected.setdefault(origin, []).append(chronology["title"])
    return {"mine": mine, "collected": collected, "here": here}
