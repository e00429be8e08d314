"""Persons over JSON: the index, and one person's page by their name key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from search_api.deps import CallerDep, SettingsDep, StoreDep
from search_api.models import ErrorOut
from search_api.paging import ChainsDep
from search_api.persons.models import PersonIndex, PersonPage
from search_api.persons.service import PersonService

router = APIRouter(prefix="/api/persons", tags=["persons"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Invalid or revoked token"},
    503: {"model": ErrorOut, "description": "Elasticsearch unavailable"},
}
PersonKey = Annotated[str, Path(max_length=200, description="e.g. mhmd-hsn")]


def get_persons(
    store: StoreDep, caller: CallerDep, settings: SettingsDep, chains: ChainsDep
) -> PersonService:
    return PersonService(store, caller, settings.secret_key.get_secret_value(), chains)


PersonsDep = Annotated[PersonService, Depends(get_persons)]


@router.get("", response_model=PersonIndex, responses=_ERRORS)
async def person_index(persons: PersonsDep) -> PersonIndex:
    """The persons named most often in what you may read, each with their spellings."""
    return await persons.index()


@router.get(
    "/{key}",
    response_model=PersonPage,
    responses=_ERRORS | {404: {"model": ErrorOut, "description": "No such person for you"}},
)
async def person_page(key: PersonKey, persons: PersonsDep) -> PersonPage:
    """One person in every spelling: roles, counts, dates, first events, the persons and
    facilities named with them, and their cases. A person you may not read is a 404."""
    return await persons.page(key)
