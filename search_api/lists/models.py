"""The list-search JSON contract."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["ListCreated", "ListOut", "ProblemOut", "ResultOut", "ResultsPage", "TopRecord"]


class ProblemOut(BaseModel):
    line: int = Field(description="Line of the file (1 is the first, the header if any).")
    field: str
    reason: str


class ListOut(BaseModel):
    id: str
    name: str
    status: str = Field(description="queued, running, retrying, done, cancelled or failed.")
    cancel_requested: bool = False
    message: str | None = None
    sha256: str = Field(description="Of the list as sent.")
    rows: int = Field(description="Rows read, bad ones included.")
    entries: int = Field(description="Rows that run.")
    done: int = Field(default=0, description="Entries searched so far.")
    matched: int = Field(default=0, description="Entries with at least one record.")
    records: int = Field(default=0, description="Records matched, summed over entries.")
    problems: list[ProblemOut] = []
    created: str
    updated: str | None = None


class ListCreated(BaseModel):
    id: str
    rows: int
    entries: int
    problems: list[ProblemOut]
    status_url: str
    page_url: str


class TopRecord(BaseModel):
    stable_id: str
    title: str | None
    record_type: str
    collection: str
    date: str | None = None
    matched: list[str] = Field(
        default=[], description="The record's names the entry matched in another spelling."
    )


class ResultOut(BaseModel):
    line: int
    entry_id: str | None
    kind: str
    text: str
    total: int
    collections: dict[str, int]
    types: dict[str, int]
    top: list[TopRecord]
    shared_keys: list[list[str]] = Field(
        default=[],
        description="Common names that share a spelling key with the entry's: its matches "
        "may be another person; review them.",
    )
    search: str = Field(description="The entry's full search.")


class ResultsPage(BaseModel):
    results: list[ResultOut]
    total: int = Field(description="Results in the list (or with a match, if asked).")
    next_after: int | None = Field(description="Pass as `after` for the next page.")
