"""Facilities over JSON: the index with counts, and one facility's page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from search_api.deps import CallerDep, SettingsDep, StoreDep
from search_api.facilities.models import FacilityIndex, FacilityPage
from search_api.facilities.service import FacilityService
from search_api.models import ErrorOut
from search_api.paging import ChainsDep

router = APIRouter(prefix="/api/facilities", tags=["facilities"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Invalid or revoked token"},
    503: {"model": ErrorOut, "description": "Elasticsearch unavailable"},
}


def get_facilities(
    store: StoreDep, caller: CallerDep, settings: SettingsDep, chains: ChainsDep
) -> FacilityService:
    return FacilityService(store, caller, settings.secret_key.get_secret_value(), chains)


FacilitiesDep = Annotated[FacilityService, Depends(get_facilities)]


@router.get("", response_model=FacilityIndex, responses=_ERRORS)
async def facility_index(facilities: FacilitiesDep) -> FacilityIndex:
    """Every facility of the gazetteer, with how many records you may see from it."""
    return await facilities.index()


@router.get(
    "/{facility_id}",
    response_model=FacilityPage,
    responses=_ERRORS | {404: {"model": ErrorOut, "description": "No such facility"}},
)
async def facility_page(facility_id: str, facilities: FacilitiesDep) -> FacilityPage:
    """One facility: its names, counts per collection and type, dates, first events,
    the persons most often named with it and the cases citing its records."""
    return await facilities.page(facility_id)
