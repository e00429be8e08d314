"""What a facility page and the facilities index show, as the API returns them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from evidence.gazetteer import Facility
from search_api.models import FacetValue, Histogram, TimelineEntry
from search_api.persons.models import Pair, PersonLink

__all__ = ["CaseOut", "FacilityCount", "FacilityIndex", "FacilityOut", "FacilityPage"]


class FacilityOut(BaseModel):
    """A facility as the gazetteer names it."""

    id: str
    kind: str = Field(description="branch, prison or hospital")
    name_en: str
    name_ar: str
    aliases: list[str]
    branch_no: str | None = None

    @classmethod
    def of(cls, facility: Facility) -> FacilityOut:
        return cls(
            id=facility.id,
            kind=facility.kind,
            name_en=facility.name_en,
            name_ar=facility.name_ar,
            aliases=list(facility.aliases),
            branch_no=facility.branch_no,
        )


class FacilityCount(BaseModel):
    facility: FacilityOut
    records: int = Field(description="Records the caller may see, as the search counts them.")
    search: str = Field(description="The search for this facility's records.")


class FacilityIndex(BaseModel):
    facilities: list[FacilityCount]


class CaseOut(BaseModel):
    """A case whose filings cite records from the facility."""

    case_no: str
    court: str | None = None
    filings: int = Field(description="Its filings that cite records from the facility.")
    cited: int = Field(description="Records from the facility its filings cite.")
    timeline: str = Field(description="The case's timeline, as a query string for /timeline.")


class FacilityPage(BaseModel):
    facility: FacilityOut
    total: int = Field(description="Records the caller may see, as the search counts them.")
    collections: list[FacetValue]
    types: list[FacetValue]
    persons: list[PersonLink] = Field(description="The persons most often named with it.")
    pairs: list[Pair] = Field(
        default=[], description="Of `persons`, each two named together in its records."
    )
    histogram: Histogram
    timeline: list[TimelineEntry] = Field(description="Its first dated events.")
    timeline_total: int
    cases: list[CaseOut]
    search: str = Field(description="The full search, as a query string for /search.")
    timeline_link: str = Field(description="The full timeline, as a query string.")
