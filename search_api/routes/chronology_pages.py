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
from search_api import chronology_service, service
from search_api.chronology import ChronologyStore, FactIn
from search_api.deps import Caller, CallerDep, SettingsDep, StoreDep
from search_api.errors import status_for
from search_api.params import TimelineParams
from search_api.routes.render import CSRF_COOKIE, render
from search_api.security import valid_csrf
from search_api.timeline import by_year_and_month
from search_api.urls import query_string

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=128)]
Version = Annotated[str, Form(max_length=40)]


def _store(request: Request) -> ChronologyStore:
    return request.app.state.chronologies


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
        mine = await _store(request).list(caller.access) if caller.access.user else []
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
        mine = await _store(request).list(caller.access)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    return render(request, "chronologies.html", {"mine": mine}, caller)


@router.get("/chronologies/{chronology_id}", response_class=HTMLResponse)
async def editor(
    request: Request, chronology_id: str, store: StoreDep, caller: CallerDep
) -> HTMLResponse:
    try:
        chronology = await chronology_service.open_chronology(
            store, _store(request), caller, chronology_id
        )
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    return render(request, "chronology.html", {"chronology": chronology}, caller)


async def _attempt(
    request: Request, caller: Caller, work: Callable[[], Awaitable[Response]]
) -> Response:
    """Run a form's change; errors (a conflict, a bad date) come back as a page."""
    try:
        return await work()
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))


@router.post("/chronologies")
async def create_form(
    request: Request, caller: CallerDep, csrf: Csrf, title: Annotated[str, Form(max_length=300)]
) -> Response:
    async def work() -> Response:
        _check(request, csrf)
        return _back(await chronology_service.create(_store(request), caller, title))

    return await _attempt(request, caller, work)


@router.post("/chronologies/add-event")
async def add_event_form(
    request: Request,
    store: StoreDep,
    caller: CallerDep,
    csrf: Csrf,
    chronology_id: Annotated[str, Form(max_length=40)],
    event_id: Annotated[str, Form(max_length=100)],
) -> Response:
    async def work() -> Response:
        _check(request, csrf)
        _, version = await _store(request).load(caller.access, chronology_id)
        await chronology_service.add_event(
            store, _store(request), caller, chronology_id, version, event_id
        )
        return _back(chronology_id)

    return await _attempt(request, caller, work)


@router.post("/chronologies/{chronology_id}/rename")
async def rename_form(
    request: Request,
    chronology_id: str,
    store: StoreDep,
    caller: CallerDep,
    csrf: Csrf,
    version: Version,
    title: Annotated[str, Form(max_length=300)],
) -> Response:
    async def work() -> Response:
        _check(request, csrf)
        await chronology_service.rename(
            store, _store(request), caller, chronology_id, version, title
        )
        return _back(chronology_id)

    return await _attempt(request, caller, work)


@router.post("/chronologies/{chronology_id}/delete")
async def delete_form(
    request: Request, chronology_id: str, caller: CallerDep, csrf: Csrf, version: Version
) -> Response:
    async def work() -> Response:
        _check(request, csrf)
        await chronology_service.delete(_store(request), caller, chronology_id, version)
        return RedirectResponse("/chronologies", status_code=303)

    return await _attempt(request, caller, work)


@router.post("/chronologies/{chronology_id}/facts")
async def fact_form(
    request: Request,
    chronology_id: str,
    store: StoreDep,
    caller: CallerDep,
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
        _check(request, csrf)
        citations = [{"stable_id": cite.strip(), "page": int(page) if page.isdigit() else None}]
        fact = FactIn(
            date=date or None,
            text=text,
            status=status,
            material=material,
            citations=citations if cite.strip() else [],
            issues=_labels(issues),
            note=note or None,
        )
        args = (store, _store(request), caller, chronology_id, version)
        if fact_id:
            await chronology_service.update_fact(*args, fact_id, fact)
        else:
            await chronology_service.add_fact(*args, fact)
        return _back(chronology_id)

    return await _attempt(request, caller, work)


@router.post("/chronologies/{chronology_id}/facts/{fact_id}/{action}")
async def fact_action_form(
    request: Request,
    chronology_id: str,
    fact_id: str,
    action: Literal["up", "down", "delete"],
    store: StoreDep,
    caller: CallerDep,
    csrf: Csrf,
    version: Version,
) -> Response:
    async def work() -> Response:
        _check(request, csrf)
        args = (store, _store(request), caller, chronology_id, version, fact_id)
        if action == "delete":
            await chronology_service.delete_fact(*args)
        else:
            await chronology_service.move_fact(*args, action)
        return _back(chronology_id)

    return await _attempt(request, caller, work)
