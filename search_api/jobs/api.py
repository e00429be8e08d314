"""The job queue over JSON, for admins: the list, and retry or cancel one job."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from search_api.deps import AdminDep
from search_api.jobs.models import JobList, State
from search_api.jobs.service import JobAdmin
from search_api.models import ErrorOut

__all__ = ["JobAdminDep", "JobId", "StateFilter", "router"]

router = APIRouter(prefix="/api/admin/jobs", tags=["admin"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut, "description": "Admins only"},
    503: {"model": ErrorOut, "description": "Redis, the queue, is not answering"},
}
_ACTION_ERRORS = _ERRORS | {
    400: {"model": ErrorOut, "description": "Not in a state for this"},
    404: {"model": ErrorOut, "description": "No such job"},
}
JobId = Annotated[str, Path(pattern=r"^[a-z]+-[0-9a-f]{16}$", description="From the list.")]
StateFilter = Annotated[State | None, Query(description="Only jobs in this state.")]


def get_job_admin(request: Request, caller: AdminDep) -> JobAdmin:
    state = request.app.state
    return JobAdmin(state.queue, state.settings, state.mark_upload, caller)


JobAdminDep = Annotated[JobAdmin, Depends(get_job_admin)]


@router.get("", response_model=JobList, responses=_ERRORS)
async def job_list(jobs: JobAdminDep, state: StateFilter = None) -> JobList:
    """Every job the queue still knows: failed first, then running, waiting to retry,
    cancelled and done (a day; failures 30 days), then queued."""
    return await jobs.list(state)


@router.post("/{job_id}/retry", status_code=202, responses=_ACTION_ERRORS)
async def job_retry(job_id: JobId, jobs: JobAdminDep) -> dict[str, str]:
    """Run a failed or cancelled job again, from the start."""
    await jobs.retry(job_id)
    return {"id": job_id, "state": "queued"}


@router.post("/{job_id}/cancel", responses=_ACTION_ERRORS)
async def job_cancel(job_id: JobId, jobs: JobAdminDep) -> dict[str, str]:
    """Take a queued or retrying job off the queue (`cancelled`), or stop a running one
    (`stopping`: the upload says `cancelled` once the job's process is dead)."""
    return {"id": job_id, "state": await jobs.cancel(job_id)}
