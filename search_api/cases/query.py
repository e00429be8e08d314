"""Pure builders for the case pages. The store adds access."""

from __future__ import annotations

from typing import Any

from evidence.access import AccessContext
from search_api.params import TimelineParams
from search_api.readable import UNREDACTED

__all__ = ["case_filings", "case_timeline", "cited_records"]

FILING_FIELDS = [
    "stable_id",
    "title",
    "doc_type",
    "date",
    "court",
    "case_no",
    "outcome",
    "defendants",
    "cites_ids",
    "persons",
]
CITED_FIELDS = ["stable_id", "title", "record_type", "date"]
TIMELINE_SIZE = 20


def _fields(fields: list[str], access: AccessContext) -> list[str]:
    """Roles that read protected names get the text as given, and protected persons."""
    protected = [UNREDACTED, "protected.persons"] if access.sees_protected_fields else []
    return fields + protected


def case_filings(case_no: str, access: AccessContext) -> dict[str, Any]:
    """The case's filings, oldest first, undated last: the case number as the court
    writes it, in any letter case (as the timeline's case filter matches it)."""
    same_case = {"term": {"case_no": {"value": case_no, "case_insensitive": True}}}
    return {
        "query": {"bool": {"filter": [{"term": {"record_type": "filing"}}, same_case]}},
        "_source": _fields(FILING_FIELDS, access),
        "sort": [
            {"date.earliest": {"order": "asc", "missing": "_last"}},
            {"stable_id": "asc"},
        ],
    }


def cited_records(ids: list[str], access: AccessContext) -> dict[str, Any]:
    return {
        "query": {"bool": {"filter": [{"ids": {"values": ids}}]}},
        "_source": _fields(CITED_FIELDS, access),
        "sort": [{"stable_id": "asc"}],
    }


def case_timeline(case_no: str) -> TimelineParams:
    return TimelineParams(case=[case_no], size=TIMELINE_SIZE)
