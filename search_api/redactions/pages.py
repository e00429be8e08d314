"""The redaction review pages, for admins: every bundle, and one bundle's rows and changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from evidence.errors import EvidenceError
from search_api.errors import status_for
from search_api.redactions.api import BundleId, CollectionFilter, ReviewDep
from search_api.redactions.models import ReviewParams
from search_api.routes.render import json_twin, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/admin/redactions", response_class=HTMLResponse)
async def reviews_page(
    request: Request, review: ReviewDep, collection: CollectionFilter = None
) -> HTMLResponse:
    try:
        listing = await review.bundles(collection)
    except EvidenceError as error:
        return render(
            request, "error.html", {"error": str(error)}, review.caller, status_for(error)
        )
    context = {
        "listing": listing,
        "collection": collection,
        "json_url": json_twin("/api/admin/redactions", request),
    }
    return render(request, "redactions.html", context, review.caller)


@router.get("/admin/redactions/{bundle_id}", response_class=HTMLResponse)
async def review_page(
    request: Request,
    bundle_id: BundleId,
    params: Annotated[ReviewParams, Query()],
    review: ReviewDep,
) -> HTMLResponse:
    try:
        detail = await review.bundle(bundle_id, params)
    except EvidenceError as error:
        return render(
            request, "error.html", {"error": str(error)}, review.caller, status_for(error)
        )
    context = {
        "review": detail,
        "params": params,
        "json_url": json_twin(f"/api/admin/redactions/{bundle_id}", request),
    }
    return render(request, "redaction_review.html", context, review.caller)
