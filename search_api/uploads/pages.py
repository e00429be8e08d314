"""The upload pages: your uploads with a form to send one, and one upload's report."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidence.access import Level
from evidence.errors import EvidenceError, Message
from search_api.deps import CallerDep
from search_api.errors import status_for
from search_api.routes.render import json_twin, render, require_csrf
from search_api.uploads.service import ONLY_UPLOADERS, UploaderDep, accept

router = APIRouter()


@router.get("/uploads", response_class=HTMLResponse, include_in_schema=False)
async def uploads_page(
    request: Request,
    caller: CallerDep,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
) -> HTMLResponse:
    if caller.access.role.ceiling < Level.CONFIDENTIAL:
        return render(
            request,
            "error.html",
            {"error": Message(ONLY_UPLOADERS)},
            caller,
            403,
        )
    try:
        jobs, next_cursor = await request.app.state.uploads.list(caller.access, cursor)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    older_url = "?" + urlencode({"cursor": next_cursor}) if next_cursor else None
    context = {"jobs": jobs, "older_url": older_url, "json_url": json_twin("/api/uploads", request)}
    return render(request, "uploads.html", context, caller)


@router.post("/uploads", include_in_schema=False)
async def upload_form(
    request: Request,
    caller: UploaderDep,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=128)],
) -> Response:
    try:
        require_csrf(request, csrf)
        job = await accept(request, caller, file, None, None, None)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    return RedirectResponse(f"/uploads/{job['id']}", status_code=303)


@router.get("/uploads/{job_id}", response_class=HTMLResponse, include_in_schema=False)
async def upload_page(request: Request, job_id: str, caller: UploaderDep) -> HTMLResponse:
    try:
        job = await request.app.state.uploads.get(caller.access, job_id)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    context = {"job": job, "json_url": f"/api/uploads/{job_id}"}
    return render(request, "upload.html", context, caller)
