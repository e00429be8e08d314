"""The facilities index and a facility's page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evidence.errors import EvidenceError
from search_api.charts import HEIGHT, WIDTH, histogram_bars
from search_api.facilities.api import FacilitiesDep
from search_api.persons.graph import co_mention_graph
from search_api.persons.service import GRAPH_SIZE
from search_api.routes.render import error_page, render

router = APIRouter(include_in_schema=False)


@router.get("/facilities", response_class=HTMLResponse)
async def index_page(request: Request, facilities: FacilitiesDep) -> HTMLResponse:
    try:
        found = await facilities.index()
    except EvidenceError as error:
        return error_page(request, error, facilities.caller)
    context: dict[str, Any] = {"index": found, "json_url": "/api/facilities"}
    return render(request, "facilities.html", context, facilities.caller)


@router.get("/facilities/{facility_id}", response_class=HTMLResponse)
async def facility_page(
    request: Request, facility_id: str, facilities: FacilitiesDep
) -> HTMLResponse:
    try:
        page = await facilities.page(facility_id)
    except EvidenceError as error:
        return error_page(request, error, facilities.caller)
    context: dict[str, Any] = {
        "page": page,
        "bars": histogram_bars(page.histogram, base="/"),
        "graph": co_mention_graph(page.persons, page.pairs, GRAPH_SIZE),
        "chart": {"width": WIDTH, "height": HEIGHT},
        "json_url": f"/api/facilities/{page.facility.id}",
    }
    return render(request, "facility.html", context, facilities.caller)
