"""Request models: what a caller may ask for, with bounds, before any query is built."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from evidence.dates import FuzzyDate, parse_fuzzy_date
from evidence.gazetteer import load_gazetteer

__all__ = ["FACET_PARAMS", "MAX_PAGE_SIZE", "ExportParams", "Mode", "SearchParams", "Sort"]

MAX_PAGE_SIZE = 100


def _blank_to_none(value: object) -> object:
    """A form's empty choice ("any") means no filter."""
    return None if isinstance(value, str) and not value.strip() else value


def _without_blanks(values: list[str]) -> list[str]:
    """A form sends every field, filled or not: a blank value selects nothing."""
    return [value for value in values if value.strip()]


FacetValues = Annotated[
    list[Annotated[str, Field(max_length=200)]],
    Field(max_length=50),
    AfterValidator(_without_blanks),
]


def _facility_ids(values: list[str]) -> list[str]:
    """A facility as a reader writes it (`Saydnaya`, `صيدنايا`, `Branch 215`) is the
    gazetteer's id; an unknown value stays as typed and selects nothing."""
    gazetteer = load_gazetteer()
    return list(dict.fromkeys(f.id if (f := gazetteer.resolve(v)) else v for v in values))


FacilityValues = Annotated[FacetValues, AfterValidator(_facility_ids)]


def _fuzzy_date_text(value: str | None) -> str | None:
    """Blank means no bound; anything else must parse as a fuzzy date."""
    if value is None or not value.strip():
        return None
    parse_fuzzy_date(value)
    return value.strip()


_FUZZY_DATE_SHAPE = (
    r"^\s*(([Cc][Ii][Rr][Cc][Aa]:)?\s*(\d{4}(-\d{2}){0,2})(\s*/\s*\d{4}(-\d{2}){0,2})?)?\s*$"
)
FuzzyDateText = Annotated[
    str | None,
    AfterValidator(_fuzzy_date_text),
    Field(
        default=None,
        description="Fuzzy date: 2012, 2012-03, 2012-03-14, a range 2012/2013, circa:2012.",
        # The shape, for the OpenAPI schema only; parsing checks the rest (the day exists).
        json_schema_extra={"pattern": _FUZZY_DATE_SHAPE},
    ),
]


class Sort(StrEnum):
    RELEVANCE = "relevance"
    DATE_ASC = "date_asc"
    DATE_DESC = "date_desc"


class Mode(StrEnum):
    """How the query text matches: its words, its meaning, or both fused."""

    KEYWORD = "keyword"
    SEMANTIC = "semantic"
    HYBRID = "hybrid"


class _Filters(BaseModel):
    """What searches and timelines share: the text, the filters, the dates, the cursor.

    Each filter parameter is repeatable (`?facility=saydnaya&facility=branch-235`); values
    of one filter are ORed, different filters are ANDed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    FILTERS: ClassVar[tuple[str, ...]] = ()

    q: str = Field(
        default="",
        max_length=1000,
        description='Simple syntax: words, "phrases", -exclude, a | b, prefix*.',
    )
    collection: FacetValues = []
    type: FacetValues = Field(default=[], description="Record type: photo, testimony, filing.")
    facility: FacilityValues = Field(
        default=[], description="Facility: a gazetteer id, or any of its names or aliases."
    )
    branch: FacetValues = Field(default=[], description="Security-branch number, e.g. 215.")
    hospital: FacilityValues = Field(
        default=[], description="Hospital: a gazetteer id, or any of its names or aliases."
    )
    person: FacetValues = []
    doc_type: FacetValues = []
    court: FacetValues = []
    confidentiality: FacetValues = Field(default=[], description="Within the caller's ceiling.")
    date_from: FuzzyDateText = None
    date_to: FuzzyDateText = None
    mode: Mode = Field(
        default=Mode.HYBRID,
        description="keyword: the words as written (and names in any spelling); semantic: "
        "passages nearest in meaning, in any of the four languages; hybrid: both, ranked "
        "by reciprocal rank fusion; see docs/search.md.",
    )
    cursor: str | None = Field(
        default=None, max_length=4096, description="Opaque; from next_cursor."
    )

    @property
    def date_range(self) -> tuple[FuzzyDate | None, FuzzyDate | None]:
        return parse_fuzzy_date(self.date_from), parse_fuzzy_date(self.date_to)

    def selected(self) -> dict[str, list[str]]:
        """The filter selections, by name, leaving out empty ones."""
        return {name: list(getattr(self, name)) for name in self.FILTERS if getattr(self, name)}

    def without_cursor(self) -> Self:
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


class SearchParams(_Filters):
    """Parameters of `GET /api/search`, the search page and the export."""

    FILTERS: ClassVar[tuple[str, ...]] = FACET_PARAMS

    role: FacetValues = Field(default=[], description="Person role: victim, witness, ...")
    language: FacetValues = []
    identification: FacetValues = []
    ocr_below: Annotated[int | None, BeforeValidator(_blank_to_none)] = Field(
        default=None,
        ge=1,
        le=100,
        description="Only records with a machine-read (OCR) page whose mean word confidence "
        "is below this percentage: the scans to review.",
    )
    since: Annotated[AwareDatetime | None, BeforeValidator(_blank_to_none)] = Field(
        default=None,
        description="Only records indexed or changed after this moment (ISO 8601 with a "
        "time zone): what is new since, as a watched search shows it.",
    )
    sort: Sort = Sort.RELEVANCE
    size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE, description="Hits per page.")
    more: FacetValues = Field(default=[], description="Facets to show in full.")
    tag: FacetValues = Field(
        default=[],
        description="Your tags, or your teams': only the records tagged so (any of them).",
    )


class ExportParams(SearchParams):
    """The search's parameters plus the file format of the export."""

    format: Literal["csv", "ndjson"] = "csv"


class TimelineParams(_Filters):
    """Parameters of `GET /api/timeline` and the timeline page.

    `person`, `facility` and `case` focus the timeline on one person, facility or case.
    """

    FILTERS: ClassVar[tuple[str, ...]] = (
        "collection",
        "type",
        "facility",
        "branch",
        "hospital",
        "person",
        "court",
        "doc_type",
        "case",
        "confidentiality",
    )

    case: FacetValues = Field(default=[], description="Case number as the court writes it.")
    mode: Mode = Field(
        default=Mode.KEYWORD,
        description="keyword (default here: a chronology is built from what the events "
        "say); semantic: the events of the records nearest in meaning; hybrid: both.",
    )
    size: int = Field(default=50, ge=1, le=200)
