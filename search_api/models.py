"""The JSON contract of the API, kept apart from stored documents; changes are additive."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "AuditEvent",
    "AuditPage",
    "DateOut",
    "ErrorOut",
    "ExportRow",
    "FacetResult",
    "FacetValue",
    "HealthOut",
    "Histogram",
    "HistogramBucket",
    "Link",
    "RecordOut",
    "SearchHit",
    "SearchResponse",
    "Snippet",
]


class DateOut(BaseModel):
    earliest: str
    latest: str
    precision: str
    approximate: bool
    text: str


class Snippet(BaseModel):
    """HTML-escaped text with `<mark>` around matches; `page` for paged documents;
    `machine_read` when OCR read that page, with its mean word confidence (0-100);
    `similar` when the passage was found by its meaning, not its words."""

    html: str
    page: int | None = None
    machine_read: bool = False
    confidence: float | None = None
    similar: bool = False


class SearchHit(BaseModel):
    stable_id: str
    record_type: str
    collection: str
    local_id: str
    title: str
    date: DateOut | None = None
    facilities: list[str] = []
    branch_nos: list[str] = []
    language: str | None = None
    confidentiality: str
    graphic: bool
    synthetic: bool
    sha256: str | None = None
    has_image: bool = False
    summary: dict[str, Any] = Field(default={}, description="Type-specific key fields.")
    snippets: list[Snippet] = []
    matched: list[str] = Field(
        default=[],
        description="Names this hit matched in another spelling or script than typed.",
    )


class FacetValue(BaseModel):
    value: str
    label: str
    count: int
    selected: bool
    toggle: str = Field(description="Query string that adds or removes this value.")


class FacetResult(BaseModel):
    name: str
    label: str
    values: list[FacetValue]
    has_more: bool
    more: str | None = Field(default=None, description="Query string showing all values.")


class HistogramBucket(BaseModel):
    key: str
    count: int
    narrow: str = Field(description="Query string narrowing the dates to this bucket.")


class Histogram(BaseModel):
    interval: str
    buckets: list[HistogramBucket]
    undated: int


class SearchResponse(BaseModel):
    q: str
    total: int
    offset: int = Field(description="How many hits came before this page.")
    hits: list[SearchHit]
    facets: list[FacetResult]
    synthetic: int | None = Field(
        default=None, description="How many matches are SYNTHETIC demo records (page one)."
    )
    histogram: Histogram | None
    word_matches: int | None = Field(
        default=None,
        description="Hybrid mode: how many of the total match the query's words; the others "
        "are among the records nearest in meaning only.",
    )
    next_cursor: str | None
    next: str | None = Field(default=None, description="Query string of the next page.")


class Link(BaseModel):
    stable_id: str
    record_type: str
    title: str
    date: DateOut | None = None
    note: str | None = None


class RecordOut(BaseModel):
    """A full record as the caller may see it, with its links to other records."""

    stable_id: str
    record_type: str
    collection: str
    local_id: str
    title: str
    synthetic: bool
    confidentiality: str
    graphic: bool
    has_image: bool
    date: DateOut | None = None
    language: str | None = None
    sha256: str | None = None
    source: dict[str, Any] = {}
    custody: list[dict[str, Any]] = []
    facilities: list[dict[str, str]] = []
    persons: list[dict[str, str]] = []
    places: list[str] = []
    pages: list[dict[str, Any]] = []
    ocr: dict[str, Any] | None = Field(
        default=None,
        description="How OCR read the scanned pages: engine, languages, pages, lowest "
        "page confidence (0-100).",
    )
    details: dict[str, Any] = Field(default={}, description="Type-specific fields.")
    protected: dict[str, Any] | None = Field(
        default=None, description="Only for roles that may see protected fields."
    )
    cites: list[Link] = []
    cited_by: list[Link] = []
    same_body: list[Link] = []
    near_duplicates: list[Link] = []


class ExportRow(BaseModel):
    """One line of an export: enough to cite the record and check its file."""

    stable_id: str
    record_type: str
    collection: str
    local_id: str
    title: str
    date_text: str | None
    date_earliest: str | None
    date_latest: str | None
    date_precision: str | None
    date_approximate: bool | None
    confidentiality: str
    sha256: str | None
    source_file: str | None
    source_line: int | None
    facilities: str = Field(description="Facility names (English), separated by `; `.")
    branch_nos: str = Field(description="Security-branch numbers, separated by `; `.")
    body_id: str | None
    findings: str | None
    url: str = Field(description="The record page, as an absolute URL.")


class ErrorOut(BaseModel):
    detail: str


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"
    elasticsearch: str = Field(description="Cluster status: green or yellow.")


class Citation(BaseModel):
    stable_id: str
    page: int | None = None
    sha256: str | None = None


class TimelineEvent(BaseModel):
    event_id: str
    record_id: str
    record_type: str
    record_title: str
    kind: str
    date: DateOut | None = None
    description: str
    facilities: list[str] = []
    persons: list[dict[str, str]] = []
    court: str | None = None
    case_no: str | None = None
    confidentiality: str
    citation: Citation


class TimelineEntry(BaseModel):
    """One event, or the frames of one body photographed together."""

    date: DateOut | None = None
    kind: str
    description: str
    events: list[TimelineEvent]

    @classmethod
    def from_events(cls, group: list[dict[str, Any]]) -> TimelineEntry:
        first = group[0]
        description = first["description"]
        if len(group) > 1:
            description = f"{len(group)} frames of one body ({first['record_title']})"
        return cls(
            date=first.get("date"),
            kind=first["kind"],
            description=description,
            events=[TimelineEvent.model_validate(event) for event in group],
        )


class Bucket(BaseModel):
    key: str
    count: int


class TimelineResponse(BaseModel):
    total: int = Field(description="Events, not entries: frames of one body count each.")
    offset: int
    entries: list[TimelineEntry]
    years: list[Bucket]
    months: list[Bucket]
    undated: int
    next_cursor: str | None
    next: str | None = None


class AuditEvent(BaseModel):
    """One audit event as it was written: who did what, when, from where."""

    at: str = Field(description="UTC, to the millisecond.")
    user: str | None = None
    role: str
    action: str
    outcome: str
    client: str
    params: str = Field(description="The action's parameters, as JSON.")
    q: str | None = None
    record_ids: list[str] = []
    total: int | None = None


class AuditPage(BaseModel):
    events: list[AuditEvent] = Field(description="Newest first.")
    offset: int = Field(description="How many events came before this page.")
    next_cursor: str | None
    next: str | None = Field(default=None, description="Query string of the next, older page.")
