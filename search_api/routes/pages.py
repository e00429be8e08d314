"""HTML routes: the same service as the JSON API, rendered through Jinja2 templates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from evidence.errors import EvidenceError
from evidence.gazetteer import load_gazetteer
from search_api import record_service, service
from search_api.charts import HEIGHT, WIDTH, histogram_bars
from search_api.deps import CallerDep, SettingsDep, StoreDep
from search_api.errors import status_for
from search_api.facets import FACETS
from search_api.locale import N_, current
from search_api.paging import ChainsDep
from search_api.params import SearchParams
from search_api.routes.render import render
from search_api.urls import Links, chips, query_string

router = APIRouter(include_in_schema=False)

DATE_BOUNDS = {"date_from": N_("From"), "date_to": N_("To")}


def place_name(facility_id: str) -> str:
    """A gazetteer facility in the reader's language (its id when unknown)."""
    facility = load_gazetteer().facilities.get(facility_id)
    if facility is None:
        return facility_id
    return facility.name_ar if current().lang == "ar" else facility.name_en


@router.get("/help", response_class=HTMLResponse)
async def help_page(request: Request, caller: CallerDep) -> HTMLResponse:
    """How to search: the syntax, with examples that run the search they show."""
    return render(request, "help.html", {}, caller)


@router.get("/", response_class=HTMLResponse)
async def search_page(
    request: Request,
    params: Annotated[SearchParams, Query()],
    store: StoreDep,
    caller: CallerDep,
    settings: SettingsDep,
    chains: ChainsDep,
) -> HTMLResponse:
    base = {
        "params": params,
        "json_url": "/api/search" + query_string(params),
        "export_url": "/api/export" + query_string(params, cursor=None),
        "first_page": query_string(params, cursor=None),
        # Where a record page's "Back to results" returns: this very page of results.
        "back": "/" + query_string(params),
        "chart": {"width": WIDTH, "height": HEIGHT},
        "chips": chips(params),
        "clear_all": Links(params).without_filters(),
        "facet_labels": {spec.name: spec.label for spec in FACETS} | DATE_BOUNDS,
        "place_name": place_name,
    }
    secret = settings.secret_key.get_secret_value()
    try:
        results = await service.search(store, params, caller, secret, chains)
    except EvidenceError as error:
        return render(
            request, "search.html", base | {"error": str(error)}, caller, status_for(error)
        )
    bars = histogram_bars(results.histogram)
    return render(request, "search.html", base | {"results": results, "bars": bars}, caller)


@router.get("/records/{stable_id}", response_class=HTMLResponse)
async def record_page(
    request: Request, stable_id: str, store: StoreDep, caller: CallerDep, reveal: bool = False
) -> HTMLResponse:
    try:
        found = await record_service.record(store, stable_id, caller)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    context = {"record": found, "reveal": reveal, "json_url": f"/api/records/{stable_id}"}
    return render(request, "record.html", context, caller)
