"""The redaction review over JSON, for admins: every bundle, and one bundle's rows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from search_api.deps import AdminDep
from search_api.models import ErrorOut
from search_api.redactions.models import ReviewDetail, ReviewList, ReviewParams
from search_api.redactions.service import RedactionReview

__all__ = ["BundleId", "CollectionFilter", "ReviewDep", "router"]

router = APIRouter(prefix="/api/admin/redactions", tags=["admin"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut},
    403: {"model": ErrorOut, "description": "Admins only"},
    503: {"model": ErrorOut},
}
BundleId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="From the listing.")]
CollectionFilter = Annotated[
    str | None, Query(max_length=64, description="Only this collection's bundles.")
]


def get_review(request: Request, caller: AdminDep) -> RedactionReview:
    return RedactionReview(request.app.state.redactions, caller)


ReviewDep = Annotated[RedactionReview, Depends(get_review)]


@router.get("", response_model=ReviewList, responses=_ERRORS)
async def review_list(review: ReviewDep, collection: CollectionFilter = None) -> ReviewList:
    """Every loaded bundle's redaction review in counts, latest load first."""
    return await review.bundles(collection)


@router.get(
    "/{bundle_id}",
    response_model=ReviewDetail,
    responses=_ERRORS | {404: {"model": ErrorOut, "description": "No such review"}},
)
async def review_detail(
    bundle_id: BundleId, params: Annotated[ReviewParams, Query()], review: ReviewDep
) -> ReviewDetail:
    """One bundle's review: what its latest load changed, and its rows (filter by `kind`
    or `record`; page on with `next`)."""
    return await review.bundle(bundle_id, params)
