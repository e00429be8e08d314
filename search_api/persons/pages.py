"""The persons index and a person's page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evidence.errors import EvidenceError
from search_api.charts import HEIGHT, WIDTH, histogram_bars
from search_api.persons.api import PersonKey, PersonsDep
from search_api.persons.graph import co_mention_graph
from search_api.persons.service import GRAPH_SIZE
from search_api.routes.render import error_page, render

router = APIRouter(include_in_schema=False)


@router.get("/persons", response_class=HTMLResponse)
async def index_page(request: Request, persons: PersonsDep) -> HTMLResponse:
    try:
        found = await persons.index()
    except EvidenceError as error:
        return error_page(request, error, persons.caller)
    context: dict[str, Any] = {"index": found, "json_url": "/api/persons"}
    return render(request, "persons.html", context, persons.caller)


@router.get("/persons/{key}", response_class=HTMLResponse)
async def person_page(request: Request, key: PersonKey, persons: PersonsDep) -> HTMLResponse:
    try:
        page = await persons.page(key)
    except EvidenceError as error:
        return error_page(request, error, persons.caller)
    context: dict[str, Any] = {
        "page": page,
        "bars": histogram_bars(page.histogram, base="/"),
        "graph": co_mention_graph(page.persons, page.pairs, GRAPH_SIZE),
        "chart": {"width": WIDTH, "height": HEIGHT},
        "json_url": f"/api/persons/{page.person.key}",
    }
    return render(request, "person.html", context, persons.caller)
