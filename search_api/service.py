"""Build -> execute -> shape: one function per page of data, shared by JSON and HTML."""

from __future__ import annotations

from typing import Any

from evidence.access import AccessContext
from search_api.models import SearchHit, SearchResponse
from search_api.params import SearchParams
from search_api.query import build_search
from search_api.store import Store

__all__ = ["search"]


def _shape_hit(hit: dict[str, Any]) -> SearchHit:
    return SearchHit.model_validate(hit["_source"])


async def search(store: Store, params: SearchParams, access: AccessContext) -> SearchResponse:
    response = await store.search(build_search(params, access), access)
    return SearchResponse(
        q=params.q,
        total=response["hits"]["total"]["value"],
        hits=[_shape_hit(hit) for hit in response["hits"]["hits"]],
    )
