"""The job queue page, for admins: the list with retry and cancel buttons."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidence.errors import EvidenceError
from search_api.errors import status_for
from search_api.jobs.api import JobAdminDep, JobId, StateFilter
from search_api.jobs.models import STATES
from search_api.jobs.service import JobAdmin
from search_api.routes.render import json_twin, render, require_csrf

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=128)]


@router.get("/admin/jobs", response_class=HTMLResponse)
async def jobs_page(request: Request, jobs: JobAdminDep, state: StateFilter = None) -> Response:
    try:
        listing = await jobs.list(state)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, jobs.caller, status_for(error))
    context = {
        "listing": listing,
        "states": STATES,
        "json_url": json_twin("/api/admin/jobs", request),
    }
    return render(request, "jobs.html", context, jobs.caller)


async def _act(request: Request, jobs: JobAdmin, csrf: str, job_id: str, retry: bool) -> Response:
    try:
        require_csrf(request, csrf)
        await (jobs.retry(job_id) if retry else jobs.cancel(job_id))
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, jobs.caller, status_for(error))
    return RedirectResponse("/admin/jobs", status_code=303)


@router.post("/admin/jobs/{job_id}/retry")
async def retry_form(
    request: Request, job_id: JobId, jobs: JobAdminDep, csrf: Csrf = ""
) -> Response:
    return await _act(request, jobs, csrf, job_id, retry=True)


@router.post("/admin/jobs/{job_id}/cancel")
async def cancel_form(
    request: Request, job_id: JobId, jobs: JobAdminDep, csrf: Csrf = ""
) -> Response:
    return await _act(request, jobs, csrf, job_id, retry=False)
