"""What the persons index and a person's page show, as the API returns them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from search_api.models import FacetValue, Histogram, TimelineEntry

__all__ = ["Pair", "PersonCase", "PersonIndex", "PersonLink", "PersonPage", "Spelling"]


class Spelling(BaseModel):
    name: str
    records: int = Field(description="Records that name the person so.")


class PersonLink(BaseModel):
    """A person, by key, with the spellings found for them."""

    key: str = Field(
        description="The person page's address: a curated entry's id (`persons.yaml`), or "
        "the cross-script name key of their spellings."
    )
    name: str = Field(description="The curated name, or else the spelling found most often.")
    spellings: list[Spelling]
    records: int = Field(description="The records naming them, in any spelling.")
    curated: bool = Field(
        default=False, description="A reviewer grouped these spellings (`persons.yaml`)."
    )
    ambiguous: list[str] = Field(
        default=[], description="Distinct common names that share this key, to tell apart."
    )


class Pair(BaseModel):
    """An edge of the graph of who appears with whom."""

    a: str = Field(description="A person's key.")
    b: str = Field(description="Another person's key.")
    records: int = Field(description="Records naming both, among the page's records.")


class PersonIndex(BaseModel):
    persons: list[PersonLink]
    total: int = Field(description="How many persons (keys) you may see.")


class PersonCase(BaseModel):
    case_no: str
    court: str | None = None
    filings: int = Field(description="Its filings that name the person.")
    timeline: str = Field(description="The case's timeline, as a query string for /timeline.")


class PersonPage(BaseModel):
    person: PersonLink
    roles: list[str] = Field(description="Roles the records give the person, in any spelling.")
    total: int = Field(description="Records naming the person, as the search counts them.")
    collections: list[FacetValue]
    types: list[FacetValue]
    histogram: Histogram
    timeline: list[TimelineEntry] = Field(description="Their first dated events.")
    timeline_total: int
    persons: list[PersonLink] = Field(description="The persons most often named with them.")
    pairs: list[Pair] = Field(
        default=[],
        description="Of the first ten of `persons`, each two named together in their records.",
    )
    facilities: list[FacetValue] = Field(description="The facilities of their records.")
    cases: list[PersonCase]
    search: str = Field(description="The full search, as a query string for /search.")
    timeline_link: str = Field(description="The full timeline, as a query string.")
