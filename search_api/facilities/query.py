"""Pure builders for the facility pages: which search a facility's counts come from,
and the two bodies that find the cases citing its records. The store adds access."""

from __future__ import annotations

from typing import Any

from evidence.access import AccessContext
from evidence.gazetteer import Facility
from search_api.facets import facet_filters
from search_api.params import SearchParams, TimelineParams

__all__ = [
    "FILING_FIELDS",
    "cited_here",
    "citing_filings",
    "facility_filter",
    "facility_search",
    "facility_timeline",
    "filter_name",
    "index_search",
]

FILING_FIELDS = ["case_no", "court", "cites_ids"]
TIMELINE_SIZE = 20


def filter_name(facility: Facility) -> str:
    """The search filter that selects a facility: hospitals have their own (a photo's
    `facilities` hold the hospital it was taken at, its `branch_nos` the branch)."""
    return "hospital" if facility.kind == "hospital" else "facility"


def facility_filter(facility: Facility, access: AccessContext) -> dict[str, Any]:
    """The search's own filter for the facility's records."""
    name = filter_name(facility)
    return facet_filters({name: [facility.id]}, access)[name]


def facility_search(facility: Facility) -> SearchParams:
    """The search whose total, facets and histogram are the facility page's counts."""
    return SearchParams.model_validate({filter_name(facility): [facility.id]})


def facility_timeline(facility: Facility) -> TimelineParams:
    return TimelineParams.model_validate(
        {filter_name(facility): [facility.id], "size": TIMELINE_SIZE}
    )


def index_search() -> SearchParams:
    """Every record, with the Facility and Hospital facets in full: one count per place."""
    return SearchParams(more=["facility", "hospital"])


def citing_filings() -> dict[str, Any]:
    """Every filing that cites something, for its case number and what it cites."""
    filings = [{"term": {"record_type": "filing"}}, {"exists": {"field": "cites_ids"}}]
    return {
        "query": {"bool": {"filter": filings}},
        "_source": FILING_FIELDS,
        "sort": [{"stable_id": "asc"}],
    }


def cited_here(cited: list[str], facility: Facility, access: AccessContext) -> dict[str, Any]:
    """Which of the `cited` records are the facility's, by the search's own filter."""
    return {
        "query": {
            "bool": {"filter": [{"ids": {"values": cited}}, facility_filter(facility, access)]}
        },
        "_source": False,
        "sort": [{"stable_id": "asc"}],
    }
