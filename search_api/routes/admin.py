"""The audit log for admins: JSON and a page, with filters. Reading it is audited too."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from search_api.deps import AdminDep
from search_api.models import ErrorOut
from search_api.routes.render import render

router = APIRouter()


class AuditParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    user: str | None = Field(default=None, max_length=64)
    action: str | None = Field(default=None, max_length=64)
    record: str | None = Field(default=None, max_length=64, description="A stable id.")
    client: str | None = Field(default=None, max_length=64)
    before: datetime | None = Field(default=None, description="ISO time; older events.")
    size: int = Field(default=100, ge=1, le=500)


class AuditPage(BaseModel):
    events: list[dict[str, Any]]
    older: str | None = Field(description="Value of `before` for the next, older page.")


async def _events(params: AuditParams, caller: AdminDep, request: Request) -> AuditPage:
    filters = {
        "user": params.user,
        "action": params.action,
        "record_ids": params.record,
        "client": params.client,
    }
    await caller.audit("audit.view", params=params.model_dump(exclude_defaults=True))
    before = params.before.isoformat() if params.before else None
    events = await request.app.state.auditor.search(filters, params.size, before)
    older = events[-1]["at"] if len(events) == params.size else None
    return AuditPage(events=events, older=older)


@router.get(
    "/api/audit",
    response_model=AuditPage,
    tags=["admin"],
    responses={403: {"model": ErrorOut, "description": "Admins only"}},
)
async def audit_api(
    request: Request, params: Annotated[AuditParams, Query()], caller: AdminDep
) -> AuditPage:
    """Audit events, newest first, filtered by user, action, record, client."""
    return await _events(params, caller, request)


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
async def audit_page(
    request: Request, params: Annotated[AuditParams, Query()], caller: AdminDep
) -> HTMLResponse:
    page = await _events(params, caller, request)
    older_url = None
    if page.older:
        query = params.model_dump(exclude_none=True, exclude={"before"}) | {"before": page.older}
        older_url = "?" + urlencode(query)
    context = {"page": page, "params": params, "older_url": older_url}
    return render(request, "audit.html", context, caller)
