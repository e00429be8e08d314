"""The JSON contract of the API, kept apart from stored documents; changes are additive."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["DateOut", "ErrorOut", "SearchHit", "SearchResponse"]


class DateOut(BaseModel):
    earliest: str
    latest: str
    precision: str
    approximate: bool
    text: str


class SearchHit(BaseModel):
    stable_id: str
    record_type: str
    collection: str
    local_id: str
    title: str
    date: DateOut | None = None
    facilities: list[str] = []
    branch_no: str | None = None
    findings: str | None = None
    confidentiality: str
    graphic: bool
    synthetic: bool


class SearchResponse(BaseModel):
    q: str
    total: int
    hits: list[SearchHit]


class ErrorOut(BaseModel):
    detail: str
