"""Request models: what a caller may ask for, with bounds, before any query is built."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evidence.dates import FuzzyDate, parse_fuzzy_date

__all__ = ["FACET_PARAMS", "MAX_PAGE_SIZE", "ExportParams", "SearchParams", "Sort"]

MAX_PAGE_SIZE = 100
FacetValues = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=50)]


class Sort(StrEnum):
    RELEVANCE = "relevance"
    DATE_ASC = "date_asc"
    DATE_DESC = "date_desc"


class SearchParams(BaseModel):
    """Parameters of `GET /api/search`, the search page and the export.

    Each facet parameter is repeatable (`?facility=saydnaya&facility=branch-235`); values
    of one facet are ORed, different facets are ANDed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    q: str = Field(
        default="",
        max_length=1000,
        description='Simple syntax: words, "phrases", -exclude, a | b, prefix*.',
    )
    collection: FacetValues = []
    type: FacetValues = Field(default=[], description="Record type: photo, testimony, filing.")
    facility: FacetValues = Field(default=[], description="Facility id from the gazetteer.")
    branch: FacetValues = Field(default=[], description="Security-branch number, e.g. 215.")
    hospital: FacetValues = Field(default=[], description="Hospital facility id.")
    person: FacetValues = []
    role: FacetValues = Field(default=[], description="Person role: victim, witness, ...")
    language: FacetValues = []
    doc_type: FacetValues = []
    court: FacetValues = []
    identification: FacetValues = []
    confidentiality: FacetValues = Field(default=[], description="Within the caller's ceiling.")
    date_from: str | None = Field(
        default=None, description="Fuzzy date: 2012, 2012-03, 2012-03-14."
    )
    date_to: str | None = Field(
        default=None, description="Fuzzy date; records overlapping the range match."
    )
    sort: Sort = Sort.RELEVANCE
    size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE, description="Hits per page.")
    cursor: str | None = Field(
        default=None, max_length=4096, description="Opaque; from next_cursor."
    )
    more: FacetValues = Field(default=[], description="Facets to show in full.")

    @field_validator("date_from", "date_to")
    @classmethod
    def _fuzzy_date(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            parse_fuzzy_date(value)
            return value.strip()
        return None

    @property
    def date_range(self) -> tuple[FuzzyDate | None, FuzzyDate | None]:
        return parse_fuzzy_date(self.date_from), parse_fuzzy_date(self.date_to)

    def selected(self) -> dict[str, list[str]]:
        """The facet selections, by facet name, leaving out empty ones."""
        return {name: list(getattr(self, name)) for name in FACET_PARAMS if getattr(self, name)}

    def without_cursor(self) -> SearchParams:
        return self.model_copy(update={"cursor": None})


FACET_PARAMS = (
    "collection",
    "type",
    "facility",
    "branch",
    "hospital",
    "person",
    "role",
    "language",
    "doc_type",
    "court",
    "identification",
    "confidentiality",
)


class ExportParams(SearchParams):
    """The search's parameters plus the file format of the export."""

    format: Literal["csv", "ndjson"] = "csv"
