"""HTML routes: the same service as the JSON API, rendered through Jinja2 templates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from evidence.errors import EvidenceError
from search_api import record_service, service
from search_api.charts import HEIGHT, WIDTH, histogram_bars
from search_api.deps import CallerDep, SettingsDep, StoreDep
from search_api.errors import status_for
from search_api.paging import ChainsDep
from search_api.params import SearchParams
from search_api.routes.render import render
from search_api.urls import query_string

router = APIRouter(include_in_schema=False)


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
        "chart": {"width": WIDTH, "height": HEIGHT},
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
