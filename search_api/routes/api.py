"""JSON routes: thin, each one parses, calls the service, returns its model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from search_api import service
from search_api.deps import AccessDep, StoreDep
from search_api.models import ErrorOut, SearchResponse
from search_api.params import SearchParams

router = APIRouter(prefix="/api", tags=["search"])

_ERRORS = {
    422: {"description": "Invalid parameters"},
    503: {"model": ErrorOut, "description": "Elasticsearch unavailable"},
}


@router.get("/search", response_model=SearchResponse, responses=_ERRORS)
async def search(
    params: Annotated[SearchParams, Query()], store: StoreDep, access: AccessDep
) -> SearchResponse:
    """Search every collection the caller may see."""
    return await service.search(store, params, access)
