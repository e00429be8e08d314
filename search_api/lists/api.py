"""List searches over JSON: send a roster, follow it, read, export or cancel it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse

from evidence.errors import N_, InvalidRequest, TooLarge
from search_api.deps import CallerDep
from search_api.exports import export_disposition
from search_api.lists.export import csv_line, header, row, to_xlsx
from search_api.lists.models import ListCreated, ListOut, ResultsPage
from search_api.lists.service import ListService
from search_api.models import ErrorOut

router = APIRouter(prefix="/api/list-searches", tags=["list searches"])

MAX_LIST_BYTES = 20 * 1024 * 1024
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut, "description": "Log in first"},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut, "description": "Your role changed since the list ran"},
    413: {"model": ErrorOut},
    503: {"model": ErrorOut},
}


def get_lists(request: Request, caller: CallerDep) -> ListService:
    state = request.app.state
    return ListService(state.lists, caller, state.settings, state.queue)


ListsDep = Annotated[ListService, Depends(get_lists)]


async def read_list(file: UploadFile | None, text: str | None) -> tuple[bytes, str]:
    """The roster's bytes and file name, from a file or pasted text."""
    if file is not None and file.filename:
        data = await file.read(MAX_LIST_BYTES + 1)
        if len(data) > MAX_LIST_BYTES:
            raise TooLarge(
                N_("The list is larger than the limit of %(limit)s bytes."), limit=MAX_LIST_BYTES
            )
        return data, file.filename
    if text and text.strip():
        return text.encode(), ""
    raise InvalidRequest(N_("Send a list: a .csv, .xlsx or .txt file, or paste one entry a line."))


@router.post("", status_code=202, response_model=ListCreated, responses=_ERRORS)
async def create(
    lists: ListsDep,
    file: Annotated[UploadFile | None, File(description="A .csv, .xlsx or .txt roster.")] = None,
    text: Annotated[str | None, Form(max_length=2_000_000, description="Or pasted.")] = None,
    name: Annotated[str | None, Form(max_length=200)] = None,
) -> ListCreated:
    """Run every entry of a roster (up to 50,000: names, numbers or queries) against every
    collection you may see, in the background. Bad rows come back with their line."""
    data, filename = await read_list(file, text)
    return await lists.submit(data, filename, name)


@router.get("", responses=_ERRORS)
async def mine(lists: ListsDep) -> dict[str, Any]:
    """Your list searches, newest first."""
    return {"list_searches": await lists.mine()}


@router.get("/{list_id}", response_model=ListOut, responses=_ERRORS)
async def status(list_id: str, lists: ListsDep) -> ListOut:
    """How far the list got, its bad rows, and its totals."""
    return await lists.get(list_id)


@router.get("/{list_id}/results", response_model=ResultsPage, responses=_ERRORS)
async def results(
    list_id: str,
    lists: ListsDep,
    after: Annotated[int | None, Query(ge=0, description="From next_after.")] = None,
    size: Annotated[int, Query(ge=1, le=500)] = 100,
    matched: Annotated[bool, Query(description="Only entries with a match.")] = False,
) -> ResultsPage:
    """A page of results, in the list's order."""
    return await lists.results(list_id, after, size, matched)


@router.post("/{list_id}/cancel", response_model=ListOut, responses=_ERRORS)
async def cancel(list_id: str, lists: ListsDep) -> ListOut:
    """Stop after the batch being searched; what ran is kept."""
    return await lists.cancel(list_id)


@router.get("/{list_id}/export", responses=_ERRORS, response_class=Response)
async def export(
    request: Request,
    list_id: str,
    lists: ListsDep,
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    """The whole table: a row per entry, a column per collection and record type."""
    listed = await lists.get(list_id)
    collections = await request.app.state.lists.collections(list_id)
    base = request.app.state.settings.public_url or str(request.base_url)
    rows: list[list[object]] = [list(header(collections))]
    async for result in lists.every_result(list_id):
        rows.append(row(result, collections, base))
    disposition = {"Content-Disposition": export_disposition(listed.name, format)}
    if format == "xlsx":
        data = await anyio.to_thread.run_sync(to_xlsx, rows)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(data, media_type=media, headers=disposition)

    async def lines() -> Any:
        yield "\ufeff"
        for cells in rows:
            yield csv_line(cells)

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=disposition)
