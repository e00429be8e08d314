"""A case's page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evidence.errors import EvidenceError
from search_api.cases.api import CaseNo, CasesDep
from search_api.routes.render import error_page, render
from search_api.text import plain

router = APIRouter(include_in_schema=False)


@router.get("/cases/{case_no:path}", response_class=HTMLResponse)
async def case_page(request: Request, case_no: CaseNo, cases: CasesDep) -> HTMLResponse:
    try:
        page = await cases.page(case_no)
    except EvidenceError as error:
        return error_page(request, error, cases.caller)
    context: dict[str, Any] = {
        "page": page,
        "json_url": f"/api/cases/{quote(page.case_no)}",
        "plain": plain,
    }
    return render(request, "case.html", context, cases.caller)
