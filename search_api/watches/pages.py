"""The watch page: your watched searches with what is new in each; forms to watch a
search (from the search page too), open one (its new records), or stop watching."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidence.errors import EvidenceError
from search_api.deps import CallerDep
from search_api.errors import status_for
from search_api.routes.render import render, require_csrf
from search_api.watches.api import WatchesDep

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=128)]


async def _page(
    request: Request, caller: CallerDep, watches: WatchesDep, refused: str | None, status: int
) -> HTMLResponse:
    try:
        mine = await watches.mine()
    except EvidenceError as error:
        return render(request, "error.html", {"error": error.message}, caller, status_for(error))
    webhooks = request.app.state.settings.watch_webhooks
    context = {"watches": mine, "refused": refused, "webhooks": webhooks}
    return render(request, "watch.html", context | {"json_url": "/api/watches"}, caller, status)


@router.get("/watch", response_class=HTMLResponse)
async def watch_page(request: Request, caller: CallerDep, watches: WatchesDep) -> HTMLResponse:
    return await _page(request, caller, watches, None, 200)


@router.post("/watch")
async def watch_form(
    request: Request,
    caller: CallerDep,
    watches: WatchesDep,
    csrf: Csrf,
    name: Annotated[str, Form(max_length=200)] = "",
    search: Annotated[str, Form(max_length=4000)] = "",
    webhook: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        require_csrf(request, csrf)
        await watches.create(name.strip() or search, search, webhook.strip() or None)
    except EvidenceError as error:
        return await _page(request, caller, watches, error.message, status_for(error))
    return RedirectResponse("/watch", status_code=303)


@router.post("/watch/{watch_id}/open")
async def open_form(
    request: Request, watch_id: str, caller: CallerDep, watches: WatchesDep, csrf: Csrf
) -> Response:
    try:
        require_csrf(request, csrf)
        search = await watches.open(watch_id)
    except EvidenceError as error:
        return render(request, "error.html", {"error": error.message}, caller, status_for(error))
    return RedirectResponse(search, status_code=303)


@router.post("/watch/{watch_id}/delete")
async def delete_form(
    request: Request, watch_id: str, caller: CallerDep, watches: WatchesDep, csrf: Csrf
) -> Response:
    try:
        require_csrf(request, csrf)
        await watches.delete(watch_id)
    except EvidenceError as error:
        return render(request, "error.html", {"error": error.message}, caller, status_for(error))
    return RedirectResponse("/watch", status_code=303)
