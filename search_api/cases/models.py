"""What a case page shows, as the API returns it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from search_api.models import DateOut, TimelineEntry

__all__ = ["CaseFiling", "CasePage", "CitedExhibit", "CitedRecord", "Defendant"]


class Defendant(BaseModel):
    name: str
    key: str = Field(description="Their person page's key; empty for a name with none.")


class CaseFiling(BaseModel):
    stable_id: str
    title: str | None = None
    doc_type: str | None = None
    date: DateOut | None = None
    court: str | None = None
    outcome: str | None = None
    defendants: list[str] = []


class CitedExhibit(BaseModel):
    """A cited record's number in one of the caller's chronologies (its court package)."""

    label: str = Field(description="e.g. EX-003, as the caller's package numbers it.")
    chronology_id: str
    chronology_title: str


class CitedRecord(BaseModel):
    """A record the case's filings cite, that the caller may read."""

    stable_id: str
    title: str | None = None
    record_type: str
    date: DateOut | None = None
    cited_by: int = Field(description="How many of the case's filings cite it.")
    exhibits: list[CitedExhibit] = Field(
        default=[], description="Its exhibit numbers in your and your teams' chronologies."
    )


class CasePage(BaseModel):
    case_no: str
    courts: list[str]
    defendants: list[Defendant]
    outcome: str | None = Field(
        default=None, description="The outcome of its latest filing that states one."
    )
    filings: list[CaseFiling] = Field(description="In date order, undated last.")
    cited: list[CitedRecord] = Field(description="Most cited first.")
    timeline: list[TimelineEntry] = Field(description="Its first dated events.")
    timeline_total: int
    timeline_link: str = Field(description="The full timeline, as a query string.")
