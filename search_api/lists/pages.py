"""The list-search pages: send a roster and see yours; one list's progress and table.
Forms post with a CSRF token; a refused list comes back on its page with the reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidence.errors import EvidenceError
from search_api.deps import CallerDep
from search_api.errors import status_for
from search_api.lists.api import ListsDep, read_list
from search_api.lists.roster import MAX_ENTRIES
from search_api.routes.render import render, require_csrf

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=128)]
_PAGE = 100


@router.get("/lists", response_class=HTMLResponse)
async def lists_page(request: Request, caller: CallerDep, lists: ListsDep) -> HTMLResponse:
    try:
        mine = await lists.mine()
    except EvidenceError as error:
        return render(request, "error.html", {"error": error.message}, caller, status_for(error))
    context = {"lists": mine, "max_entries": MAX_ENTRIES, "json_url": "/api/list-searches"}
    return render(request, "lists.html", context, caller)


@router.post("/lists")
async def list_form(
    request: Request,
    caller: CallerDep,
    lists: ListsDep,
    csrf: Csrf,
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str, Form(max_length=2_000_000)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        require_csrf(request, csrf)
        data, filename = await read_list(file, text)
        created = await lists.submit(data, filename, name.strip() or None)
    except EvidenceError as error:
        context = {
            "lists": await lists.mine() if caller.access.user else [],
            "max_entries": MAX_ENTRIES,
            "json_url": "/api/list-searches",
            "refused": error.message,
            "text": text,
            "name": name,
        }
        return render(request, "lists.html", context, caller, status_for(error))
    return RedirectResponse(created.page_url, status_code=303)


@router.get("/lists/{list_id}", response_class=HTMLResponse)
async def list_page(
    request: Request,
    list_id: str,
    caller: CallerDep,
    lists: ListsDep,
    after: Annotated[int | None, Query(ge=0)] = None,
    matched: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    try:
        listed = await lists.get(list_id)
        page = await lists.results(list_id, after, _PAGE, matched)
    except EvidenceError as error:
        return render(request, "error.html", {"error": error.message}, caller, status_for(error))
    context = {
        "listed": listed,
        "page": page,
        "matched": matched,
        "after": after,
        "json_url": f"/api/list-searches/{list_id}/results",
    }
    return render(request, "list.html", context, caller)


@router.post("/lists/{list_id}/cancel")
async def cancel_form(
    request: Request, list_id: str, caller: CallerDep, lists: ListsDep, csrf: Csrf
) -> Response:
    try:
        require_csrf(request, csrf)
        await lists.cancel(list_id)
    except EvidenceError as error:
        return render(request, "error.html", {"error": error.message}, caller, status_for(error))
    return RedirectResponse(f"/lists/{list_id}", status_code=303)
