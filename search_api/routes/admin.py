"""The audit log for admins: JSON and a page, with filters. Reading it is audited too."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evidence.errors import EvidenceError
from search_api.audit import ACTIONS, OUTCOMES
from search_api.cursor import decode_cursor, encode_cursor, search_key
from search_api.deps import AdminDep
from search_api.errors import status_for
from search_api.models import AuditEvent, AuditPage, ErrorOut
from search_api.routes.render import json_twin, render

router = APIRouter()


class AuditParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    user: str | None = Field(default=None, max_length=64)
    action: str | None = Field(
        default=None,
        max_length=64,
        description="One of the actions the code writes.",
        json_schema_extra={"enum": list(ACTIONS)},
    )
    record: str | None = Field(default=None, max_length=64, description="A stable id.")
    client: str | None = Field(default=None, max_length=64)
    since: date | None = Field(default=None, description="First day (UTC) of the events.")
    until: date | None = Field(default=None, description="Last day (UTC) of the events.")
    before: datetime | None = Field(default=None, description="ISO time; only older events.")
    size: int = Field(default=100, ge=1, le=500)
    cursor: str | None = Field(
        default=None, max_length=4096, description="Opaque; from next_cursor."
    )

    @field_validator("action", "since", "until", "before", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        """The page's form sends every field, filled or not: blank means no filter."""
        return None if value == "" else value

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str | None) -> str | None:
        if value is not None and value not in ACTIONS:
            raise ValueError("Choose one of the actions the audit log records.")
        return value

    @model_validator(mode="after")
    def _range_in_order(self) -> AuditParams:
        if self.since and self.until and self.until < self.since:
            raise ValueError("The end date is before the start date.")
        return self

    def time_bounds(self) -> list[dict[str, str]]:
        """The bounds on `at`: whole UTC days, the last one included, and `before`."""
        bounds: list[dict[str, str]] = []
        if self.since:
            bounds.append({"gte": f"{self.since.isoformat()}T00:00:00Z"})
        if self.until:
            bounds.append({"lte": f"{self.until.isoformat()}T23:59:59.999Z"})
        if self.before:
            bounds.append({"lt": self.before.isoformat()})
        return bounds


async def _events(params: AuditParams, caller: AdminDep, request: Request) -> AuditPage:
    """One page of the log; its cursor fits only the filters it was made for."""
    secret = request.app.state.settings.secret_key.get_secret_value()
    key = search_key("audit" + params.model_dump_json(exclude={"cursor", "size"}))
    cursor = decode_cursor(params.cursor, secret, key) if params.cursor else None
    filters = {
        "user": params.user,
        "action": params.action,
        "record_ids": params.record,
        "client": params.client,
    }
    await caller.audit(
        "audit.view", params=params.model_dump(exclude_defaults=True, exclude={"cursor"})
    )
    page = await request.app.state.auditor.search(
        filters, params.time_bounds(), params.size, cursor, key
    )
    next_cursor = encode_cursor(page.next, secret) if page.next else None
    next_query = None
    if next_cursor:
        query = params.model_dump(mode="json", exclude_defaults=True) | {"cursor": next_cursor}
        next_query = "?" + urlencode(query)
    return AuditPage(
        events=[AuditEvent.model_validate(hit["_source"]) for hit in page.hits],
        offset=page.offset,
        next_cursor=next_cursor,
        next=next_query,
    )


@router.get(
    "/api/audit",
    response_model=AuditPage,
    tags=["admin"],
    responses={
        400: {"model": ErrorOut, "description": "Bad parameters or cursor"},
        403: {"model": ErrorOut, "description": "Admins only"},
    },
)
async def audit_api(
    request: Request, params: Annotated[AuditParams, Query()], caller: AdminDep
) -> AuditPage:
    """Audit events, newest first, filtered by user, action, record, client and days
    (`since`, `until`, both included); page on with `next_cursor`."""
    return await _events(params, caller, request)


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
async def audit_page(
    request: Request, params: Annotated[AuditParams, Query()], caller: AdminDep
) -> HTMLResponse:
    try:
        page = await _events(params, caller, request)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    context = {
        "page": page,
        "params": params,
        "actions": ACTIONS,
        "outcomes": OUTCOMES,
        "json_url": json_twin("/api/audit", request),
    }
    return render(request, "audit.html", context, caller)
