"""Uploads over JSON: send one, list yours, follow one's progress and report."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from search_api.models import ErrorOut
from search_api.uploads.jobs import UploadJobs
from search_api.uploads.service import UploaderDep, accept

router = APIRouter()

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    411: {"model": ErrorOut},
    413: {"model": ErrorOut},
    503: {"model": ErrorOut},
}


@router.post("/api/uploads", status_code=202, responses=_ERRORS, tags=["uploads"])
async def upload_api(
    request: Request,
    caller: UploaderDep,
    file: Annotated[UploadFile, File()],
    collection: Annotated[str | None, Form(max_length=41)] = None,
    record_type: Annotated[Literal["testimony", "filing", "photo"] | None, Form()] = None,
    metadata: Annotated[str | None, Form(max_length=100_000)] = None,
) -> dict[str, Any]:
    """Upload a bundle as a .zip, or one file with `collection`, `record_type` and
    `metadata` (a JSON object of its fields). Indexing runs in the background."""
    return await accept(request, caller, file, collection, record_type, metadata)


@router.get(
    "/api/uploads/{job_id}",
    responses=_ERRORS | {404: {"model": ErrorOut, "description": "No such upload"}},
    tags=["uploads"],
)
async def upload_status(request: Request, job_id: str, caller: UploaderDep) -> dict[str, Any]:
    """Progress and the per-record report of one upload."""
    jobs: UploadJobs = request.app.state.uploads
    return await jobs.get(caller.access, job_id)


@router.get("/api/uploads", responses=_ERRORS, tags=["uploads"])
async def upload_list(
    request: Request,
    caller: UploaderDep,
    cursor: Annotated[str | None, Query(max_length=4096, description="From next_cursor.")] = None,
) -> dict[str, Any]:
    """Your uploads (an admin's: everyone's), newest first, a page at a time."""
    jobs, next_cursor = await request.app.state.uploads.list(caller.access, cursor)
    return {
        "uploads": jobs,
        "next_cursor": next_cursor,
        "next": "?" + urlencode({"cursor": next_cursor}) if next_cursor else None,
    }
