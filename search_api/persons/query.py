"""Pure builders for the person pages. A person is a key stored with each mention at
index time (`persons.key`: a curated entry's id, or the spelling's name key), and
what the pages show of them is read from `person_facts`; the fields read are the
public ones, or for the roles that read protected persons the fields holding both, so
a protected person is not among a lower role's keys. The store adds access."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from evidence.access import AccessContext
from evidence.names import FACT_SEPARATOR
from search_api.facets import FacetSpec
from search_api.locale import N_
from search_api.params import SearchParams, TimelineParams

__all__ = [
    "FACTS",
    "KEYS",
    "cases_of",
    "facts_body",
    "keys_body",
    "pairs_body",
    "person_search",
    "person_timeline",
    "search_link",
    "timeline_link",
]

KEYS = FacetSpec(
    "person_key", N_("Person"), ("persons.key",), with_protected="protected.person_keys"
)
FACTS = FacetSpec(
    "person_facts", N_("Person"), ("person_facts",), with_protected="protected.person_facts"
)
CASES = 200
TIMELINE_SIZE = 20
# Facts read per person: their spellings and roles, and the curation marks.
FACTS_PER_PERSON = 500
# Distinct keys counted exactly (a cardinality aggregation's precision threshold).
COUNTED_EXACTLY = 40_000


def _literal(key: str) -> str:
    """A key as a Lucene regular expression matching only itself."""
    return "".join(c if c.isascii() and c.isalnum() else "\\" + c for c in key)


def keys_body(
    access: AccessContext, size: int, where: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The persons of the records `where` selects (all the caller may read without it),
    most records first, and how many there are."""
    (field,) = KEYS.fields_for(access)
    body: dict[str, Any] = {
        "size": 0,
        "aggs": {
            **KEYS.aggregations(access, size),
            "distinct": {"cardinality": {"field": field, "precision_threshold": COUNTED_EXACTLY}},
        },
    }
    if where:
        body["query"] = {"bool": {"filter": [where]}}
    return body


def facts_body(keys: list[str], access: AccessContext) -> dict[str, Any]:
    """The spellings, roles and curation marks of `keys`, with their records: one
    aggregation per key (`k0`, `k1`, ...), so a person written many ways leaves every
    other person their own share."""
    (field,) = FACTS.fields_for(access)
    return {
        "size": 0,
        "query": {"bool": {"filter": [KEYS.filter(keys, access)]}},
        "aggs": {
            f"k{i}": {
                "filter": KEYS.filter([key], access),
                "aggs": {
                    "facts": {
                        "terms": {
                            "field": field,
                            "size": FACTS_PER_PERSON,
                            "include": _literal(key) + FACT_SEPARATOR + ".*",
                        }
                    }
                },
            }
            for i, key in enumerate(keys)
        },
    }


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


def pairs_body(keys: list[str], where: dict[str, Any], access: AccessContext) -> dict[str, Any]:
    """How many of the records `where` selects name both of each two of `keys`: the
    edges of the graph of who appears with whom (a `filters` aggregation, one bucket per
    pair, named by the two keys' places in `keys`)."""
    pairs = {
        f"{i}-{j}": {"bool": {"filter": [KEYS.filter([a], access), KEYS.filter([b], access)]}}
        for (i, a), (j, b) in combinations(enumerate(keys), 2)
    }
    return {
        "size": 0,
        "query": {"bool": {"filter": [where]}},
        "aggs": {"pairs": {"filters": {"filters": pairs}}},
    }


def cases_of(where: dict[str, Any]) -> dict[str, Any]:
    """The case numbers (and courts) of the filings `where` selects."""
    filings = [where, {"term": {"record_type": "filing"}}]
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
