"""HTML routes: the same service as the JSON API, rendered through Jinja2 templates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from evidence.errors import EvidenceError
from search_api import service
from search_api.deps import AccessDep, StoreDep
from search_api.errors import status_for
from search_api.params import SearchParams

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def search_page(
    request: Request, params: Annotated[SearchParams, Query()], store: StoreDep, access: AccessDep
) -> HTMLResponse:
    templates = request.app.state.templates
    json_url = request.url.replace(path="/api/search")
    try:
        results = await service.search(store, params, access)
    except EvidenceError as error:
        context = {"params": params, "error": str(error), "json_url": str(json_url)}
        return templates.TemplateResponse(
            request, "search.html", context, status_code=status_for(error)
        )
    context = {"params": params, "results": results, "json_url": str(json_url)}
    return templates.TemplateResponse(request, "search.html", context)
