"""The timeline view and the chronology editor, as pages that work without JavaScript.

Every form posts with a CSRF token; editor forms also carry the version they were
based on, so a conflicting edit is refused with a message instead of lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidence.errors import EvidenceError, InvalidRequest
from search_api import service
from search_api.chronology import FactIn
from search_api.deps import Caller, CallerDep, SettingsDep, StoreDep
from search_api.errors import status_for
from search_api.params import TimelineParams
from search_api.routes.chronologies import ChronologiesDep
from search_api.routes.render import CSRF_COOKIE, render
from search_api.security import valid_csrf
from search_api.timeline import by_year_and_month
from search_api.urls import query_string

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=128)]
Version = Annotated[str, Form(max_length=40)]


def _check(request: Request, csrf: str) -> None:
    secret = request.app.state.settings.secret_key.get_secret_value()
    if not valid_csrf(request.cookies.get(CSRF_COOKIE), csrf, secret):
        raise InvalidRequest("The form has expired or did not come from this site; reload it.")


def _back(chronology_id: str) -> RedirectResponse:
    return RedirectResponse(f"/chronologies/{chronology_id}", status_code=303)


def _labels(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


@router.get("/timeline", response_class=HTMLResponse)
async def timeline_page(
    request: Request,
    params: Annotated[TimelineParams, Query()],
    store: StoreDep,
    caller: CallerDep,
    settings: SettingsDep,
) -> HTMLResponse:
    context = {"params": params, "json_url": "/api/timeline" + query_string(params)}
    try:
        result = await service.timeline(
            store, params, caller, settings.secret_key.get_secret_value()
        )
        mine = (
            await request.app.state.chronologies.list(caller.access) if caller.access.user else []
        )
    except EvidenceError as error:
        return render(
            request, "timeline.html", context | {"error": str(error)}, caller, status_for(error)
        )
    context |= {
        "result": result,
        "years": by_year_and_month(result.entries),
        "mine": mine,
        "first_page": query_string(params, cursor=None),
    }
    return render(request, "timeline.html", context, caller)


@router.get("/chronologies", response_class=HTMLResponse)
async def chronologies_page(request: Request, caller: CallerDep) -> HTMLResponse:
    try:
        mine = await request.app.state.chronologies.list(caller.access)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    return render(request, "chronologies.html", {"mine": mine}, caller)


@router.get("/chronologies/{chronology_id}", response_class=HTMLResponse)
async def editor(
    request: Request, chronology_id: str, chronologies: ChronologiesDep
) -> HTMLResponse:
    caller = chronologies.caller
    try:
        chronology = await chronologies.open(chronology_id)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    return render(request, "chronology.html", {"chronology": chronology}, caller)


async def _attempt(
    request: Request, caller: Caller, csrf: str, work: Callable[[], Awaitable[Response]]
) -> Response:
    """Check the form's CSRF token and run its change; errors come back as a page."""
    try:
        _check(request, csrf)
        return await work()
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))


@router.post("/chronologies")
async def create_form(
    request: Request,
    chronologies: ChronologiesDep,
    csrf: Csrf,
    title: Annotated[str, Form(max_length=300)],
) -> Response:
    async def work() -> Response:
        return _back(await chronologies.create(title))

    return await _attempt(request, chronologies.caller, csrf, work)


@router.post("/chronologies/add-event")
async def add_event_form(
    request: Request,
    chronologies: ChronologiesDep,
    csrf: Csrf,
    chronology_id: Annotated[str, Form(max_length=40)],
    event_id: Annotated[str, Form(max_length=100)],
) -> Response:
    """From the timeline: adding re-reads the current version, so nothing is overwritten."""

    async def work() -> Response:
        version = await chronologies.current_version(chronology_id)
        await chronologies.add_event(chronology_id, version, event_id)
        return _back(chronology_id)

    return await _attempt(request, chronologies.caller, csrf, work)


@router.post("/chronologies/{chronology_id}/rename")
async def rename_form(
    request: Request,
    chronology_id: str,
    chronologies: ChronologiesDep,
    csrf: Csrf,
    version: Version,
    title: Annotated[str, Form(max_length=300)],
) -> Response:
    async def work() -> Response:
        await chronologies.rename(chronology_id, version, title)
        return _back(chronology_id)

    return await _attempt(request, chronologies.caller, csrf, work)


@router.post("/chronologies/{chronology_id}/delete")
async def delete_form(
    request: Request,
    chronology_id: str,
    chronologies: ChronologiesDep,
    csrf: Csrf,
    version: Version,
) -> Response:
    async def work() -> Response:
        await chronologies.delete(chronology_id, version)
        return RedirectResponse("/chronologies", status_code=303)

    return await _attempt(request, chronologies.caller, csrf, work)


@router.post("/chronologies/{chronology_id}/facts")
async def fact_form(
    request: Request,
    chronology_id: str,
    chronologies: ChronologiesDep,
    csrf: Csrf,
    version: Version,
    text: Annotated[str, Form(max_length=5000)],
    date: Annotated[str, Form(max_length=40)] = "",
    status: Annotated[Literal["undisputed", "disputed", "unsure"], Form()] = "unsure",
    material: Annotated[Literal["yes", "no", "unsure"], Form()] = "unsure",
    cite: Annotated[str, Form(max_length=64)] = "",
    page: Annotated[str, Form(max_length=8)] = "",
    issues: Annotated[str, Form(max_length=1000)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    fact_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Add a fact, or edit one when `fact_id` is given."""

    async def work() -> Response:
        citation = {"stable_id": cite.strip(), "page": int(page) if page.isdigit() else None}
        fact = FactIn(
            date=date or None,
            text=text,
            status=status,
            material=material,
            citations=[citation] if cite.strip() else [],
            issues=_labels(issues),
            note=note or None,
        )
        if fact_id:
            await chronologies.update_fact(chronology_id, version, fact_id, fact)
        else:
            await chronologies.add_fact(chronology_id, version, fact)
        return _back(chronology_id)

    return await _attempt(request, chronologies.caller, csrf, work)


@router.post("/chronologies/{chronology_id}/facts/{fact_id}/{action}")
async def fact_action_form(
    request: Request,
    chronology_id: str,
    fact_id: str,
    action: Literal["up", "down", "delete"],
    chronologies: ChronologiesDep,
    csrf: Csrf,
    version: Version,
) -> Response:
    async def work() -> Response:
        if action == "delete":
            await chronologies.delete_fact(chronology_id, version, fact_id)
        else:
            await chronologies.move_fact(chronology_id, version, fact_id, action)
        return _back(chronology_id)

    return await _attempt(request, chronologies.caller, csrf, work)
