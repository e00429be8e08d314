"""Cases over JSON: one case's page by its number."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from search_api.cases.models import CasePage
from search_api.cases.service import CaseService
from search_api.chronologies.api import ChronologiesDep
from search_api.deps import CallerDep, SettingsDep, StoreDep
from search_api.models import ErrorOut
from search_api.paging import ChainsDep

router = APIRouter(prefix="/api/cases", tags=["cases"])

CaseNo = Annotated[str, Path(max_length=200, description="As the court writes it.")]


def get_cases(
    store: StoreDep,
    caller: CallerDep,
    settings: SettingsDep,
    chains: ChainsDep,
    chronologies: ChronologiesDep,
) -> CaseService:
    secret = settings.secret_key.get_secret_value()
    return CaseService(store, caller, secret, chains, chronologies)


CasesDep = Annotated[CaseService, Depends(get_cases)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Invalid or revoked token"},
    404: {"model": ErrorOut, "description": "No filing of this case for you"},
    503: {"model": ErrorOut, "description": "Elasticsearch unavailable"},
}


@router.get("/{case_no:path}", response_model=CasePage, responses=_ERRORS)
async def case_page(case_no: CaseNo, cases: CasesDep) -> CasePage:
    """One case: its filings in date order, defendants, courts, outcome, the records its
    filings cite, and its first events. A case none of whose filings you may see is a
    404."""
    return await cases.page(case_no)
