"""Pure builders for the person pages. A person is every stored spelling whose name key
is theirs; the fields searched are the search's Person facet's for the caller's role,
so protected names count only for roles that may read them. The store adds access."""

from __future__ import annotations

from typing import Any

from evidence.access import AccessContext
from evidence.names import person_key
from search_api.facets import BY_NAME
from search_api.params import SearchParams, TimelineParams

__all__ = [
    "NAME_BUCKETS",
    "cases_of",
    "co_named",
    "grouped",
    "names_body",
    "person_search",
    "person_timeline",
    "roles_body",
    "search_link",
    "timeline_link",
]

PERSON = BY_NAME["person"]
# Distinct names read to group them by key (the timeline's person filter reads as many).
NAME_BUCKETS = 20_000
CO_NAMED = 100
CASES = 200
TIMELINE_SIZE = 20


def names_body(access: AccessContext) -> dict[str, Any]:
    """Every name the caller may read, with how many records hold it."""
    return {"size": 0, "aggs": PERSON.aggregations(access, NAME_BUCKETS)}


def grouped(counts: dict[str, int]) -> dict[str, dict[str, int]]:
    """Names by person key; a name with no key (digits, an article alone) is left out."""
    groups: dict[str, dict[str, int]] = {}
    for name, records in counts.items():
        if key := person_key(name):
            groups.setdefault(key, {})[name] = records
    return groups


# What a search or timeline address may carry of one filter (`params.FacetValues`).
LINKED_SPELLINGS = 50


def person_search(spellings: list[str]) -> SearchParams:
    """The search whose total, facets and histogram are the person page's counts: every
    spelling, however many a coarse key joins (built, not parsed, so past the 50 values
    an address may carry)."""
    return SearchParams.model_construct(person=spellings)


def person_timeline(spellings: list[str]) -> TimelineParams:
    return TimelineParams.model_construct(person=spellings, size=TIMELINE_SIZE)


def search_link(spellings: list[str]) -> SearchParams:
    """The search a page links to: the spellings found most often, as many as an
    address may carry."""
    return SearchParams(person=spellings[:LINKED_SPELLINGS])


def timeline_link(spellings: list[str]) -> TimelineParams:
    return TimelineParams(person=spellings[:LINKED_SPELLINGS])


def _named(spellings: list[str], access: AccessContext) -> dict[str, Any]:
    return PERSON.filter(spellings, access)


def co_named(spellings: list[str], access: AccessContext) -> dict[str, Any]:
    """The names held by the records that name the person (theirs among them)."""
    return {
        "size": 0,
        "query": {"bool": {"filter": [_named(spellings, access)]}},
        "aggs": PERSON.aggregations(access, CO_NAMED),
    }


def roles_body(spellings: list[str], access: AccessContext) -> dict[str, Any]:
    """The person lists of the records naming the person, to read their own roles."""
    fields = ["persons"] + (["protected.persons"] if access.sees_protected_fields else [])
    return {
        "query": {"bool": {"filter": [_named(spellings, access)]}},
        "_source": fields,
        "sort": [{"stable_id": "asc"}],
    }


def cases_of(spellings: list[str], access: AccessContext) -> dict[str, Any]:
    """The case numbers (and courts) of the filings that name the person."""
    filings = [_named(spellings, access), {"term": {"record_type": "filing"}}]
    return {
        "size": 0,
        "query": {"bool": {"filter": filings}},
        "aggs": {
            "cases": {
                "terms": {"field": "case_no", "size": CASES},
                "aggs": {"court": {"terms": {"field": "court", "size": 1}}},
            }
        },
    }
