"""`GET /healthz`: is the app able to answer? For load balancers and Compose."""

from __future__ import annotations

from fastapi import APIRouter

from evidence.errors import IndexUnavailable
from search_api.deps import StoreDep
from search_api.models import ErrorOut, HealthOut

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=HealthOut,
    responses={503: {"model": ErrorOut, "description": "Elasticsearch unavailable or red"}},
)
async def healthz(store: StoreDep) -> HealthOut:
    """200 while Elasticsearch answers and the evidence indices have their primary shards,
    else 503."""
    status = await store.health()
    if status == "red":
        raise IndexUnavailable(
            "Elasticsearch answers, but the evidence indices are missing or still recovering."
        )
    return HealthOut(elasticsearch=status)
