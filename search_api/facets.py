"""Facets as small typed pieces: each builds its filter and aggregation, then shapes
its buckets into render-ready values with the URL that toggles them.

Counts are multi-select: a facet's aggregation carries every filter except its own, so
choosing one facility still shows how many records the other facilities hold.

A security branch is one place with two handles: its gazetteer id (`branch-215`, the
Facility facet) and the number written on bodies and cards (`215`, the Branch number
facet). A photo is taken at a hospital, so its `facilities` hold the hospital while its
`branch_nos` hold the branch: the Facility filter and count for a numbered branch
therefore read `branch_nos`, and both facets select the same records. Hospitals are
listed under Hospital only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evidence.access import AccessContext
from evidence.gazetteer import load_gazetteer
from search_api.locale import N_

__all__ = [
    "FACETS",
    "FacetSpec",
    "Tagged",
    "facet_aggregations",
    "facet_filters",
    "tag_aggregation",
    "tag_filter",
    "tag_key",
]

DEFAULT_SIZE = 10
EXPANDED_SIZE = 100


def _facility_label(value: str) -> str:
    return load_gazetteer().label(value)


def _words(value: str) -> str:
    return value.replace("_", " ")


@dataclass(frozen=True)
class FacetSpec:
    name: str
    label: str
    fields: tuple[str, ...]
    protected_fields: tuple[str, ...] = ()
    labeller: Callable[[str], str] = str

    # A field holding the public values and the protected ones together, which replaces
    # `fields` for roles that see protected fields (so nothing is counted twice).
    with_protected: str | None = None

    def fields_for(self, access: AccessContext) -> tuple[str, ...]:
        """Protected fields count only for roles that may see them."""
        if not access.sees_protected_fields:
            return self.fields
        if self.with_protected:
            return (self.with_protected,)
        return self.fields + self.protected_fields

    def filter(self, values: list[str], access: AccessContext) -> dict[str, Any]:
        clauses = [{"terms": {field: values}} for field in self.fields_for(access)]
        return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}}

    def aggregations(self, access: AccessContext, size: int) -> dict[str, Any]:
        """Inner aggregations whose buckets `counts` reads."""
        return {
            field: {"terms": {"field": field, "size": size}} for field in self.fields_for(access)
        }

    def counts(self, agg: dict[str, Any]) -> dict[str, int]:
        """Records per value, summed over the facet's fields."""
        counts: dict[str, int] = {}
        for inner in agg.values():
            if isinstance(inner, dict) and "buckets" in inner:
                for bucket in inner["buckets"]:
                    key = str(bucket["key"])
                    counts[key] = counts.get(key, 0) + bucket["doc_count"]
        return counts


def _branch_numbers() -> dict[str, str]:
    """Gazetteer id -> branch number, for the facilities that are numbered branches."""
    return {f.id: f.branch_no for f in load_gazetteer().facilities.values() if f.branch_no}


def _hospital_ids() -> list[str]:
    return sorted(f.id for f in load_gazetteer().facilities.values() if f.kind == "hospital")


@dataclass(frozen=True)
class FacilityFacet(FacetSpec):
    """Places of detention: a numbered branch selects and counts by its number, so
    `facility=branch-215` and `branch=215` find the same records; hospitals are left out
    (the Hospital facet lists them)."""

    def filter(self, values: list[str], access: AccessContext) -> dict[str, Any]:
        numbers = _branch_numbers()
        by_number = sorted({numbers[v] for v in values if v in numbers})
        others = [v for v in values if v not in numbers]
        clauses: list[dict[str, Any]] = []
        if others:
            clauses.append({"terms": {"facilities": others}})
        if by_number:
            clauses.append({"terms": {"branch_nos": by_number}})
        return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}}

    def aggregations(self, access: AccessContext, size: int) -> dict[str, Any]:
        numbers = _branch_numbers()
        return {
            "places": {
                "terms": {
                    "field": "facilities",
                    "size": size,
                    "exclude": sorted([*numbers, *_hospital_ids()]),
                }
            },
            "branches": {
                "filters": {
                    "filters": {
                        facility: {"term": {"branch_nos": number}}
                        for facility, number in sorted(numbers.items())
                    }
                }
            },
        }

    def counts(self, agg: dict[str, Any]) -> dict[str, int]:
        counts = {str(b["key"]): b["doc_count"] for b in agg["places"]["buckets"]}
        for facility, bucket in agg["branches"]["buckets"].items():
            if bucket["doc_count"]:
                counts[facility] = bucket["doc_count"]
        return counts


FACETS: tuple[FacetSpec, ...] = (
    FacetSpec("collection", N_("Collection"), ("collection",)),
    FacetSpec("type", N_("Record type"), ("record_type",)),
    FacilityFacet("facility", N_("Facility"), ("facilities",), labeller=_facility_label),
    FacetSpec("branch", N_("Branch number"), ("branch_nos",)),
    FacetSpec("hospital", N_("Hospital"), ("hospitals",), labeller=_facility_label),
    FacetSpec("person", N_("Person"), ("persons.name",), ("protected.persons.name",)),
    FacetSpec(
        "role",
        N_("Person role"),
        ("person_roles",),
        labeller=_words,
        with_protected="protected.person_roles",
    ),
    FacetSpec("language", N_("Language"), ("language",)),
    FacetSpec("doc_type", N_("Document type"), ("doc_type",), labeller=_words),
    FacetSpec("court", N_("Court"), ("court",)),
    FacetSpec("identification", N_("Identification"), ("identification",), labeller=_words),
    FacetSpec("confidentiality", N_("Confidentiality"), ("confidentiality",)),
)
BY_NAME = {spec.name: spec for spec in FACETS}


def facet_filters(
    selected: dict[str, list[str]], access: AccessContext
) -> dict[str, dict[str, Any]]:
    return {name: BY_NAME[name].filter(values, access) for name, values in selected.items()}


def facet_aggregations(
    selected: dict[str, list[str]],
    access: AccessContext,
    expanded: set[str],
    also: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """One filter aggregation per facet, holding every other facet's filter (and `also`,
    the tag filter, which is not one of these facets).

    Each asks for one bucket more than it shows, to know whether to offer "show more".
    """
    filters = facet_filters(selected, access)
    aggs: dict[str, Any] = {}
    for spec in FACETS:
        others = [f for name, f in filters.items() if name != spec.name] + list(also)
        size = (EXPANDED_SIZE if spec.name in expanded else DEFAULT_SIZE) + 1
        inner = spec.aggregations(access, size)
        aggs[f"facet_{spec.name}"] = {"filter": {"bool": {"filter": others}}, "aggs": inner}
    return aggs


# The caller's tags (their own and their teams', `search_api.annotations`), each with the
# records it marks: a facet and filter of search for them alone. Search reads them
# through `app.state.tagged`; it never reads the annotations itself.
Tagged = Mapping[str, Sequence[str]]
_SPACES = re.compile(r"\s+")


def tag_key(tag: str) -> str:
    """What makes two tags one: `Suspect`, `suspect ` and its full-width spelling are one
    tag (NFKC, spaces folded, case folded)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", tag)).strip().casefold()


def tag_filter(chosen: Sequence[str], tagged: Tagged) -> dict[str, Any]:
    """Records marked with any of `chosen`; a tag the caller does not have marks none."""
    keys = {tag_key(tag) for tag in chosen}
    ids = {i for tag, ids in tagged.items() if tag_key(tag) in keys for i in ids}
    return {"ids": {"values": sorted(ids)}}


def tag_aggregation(others: list[dict[str, Any]], tagged: Tagged) -> dict[str, Any]:
    """One count per tag, under every other filter: the tag facet."""
    buckets = {tag: {"ids": {"values": list(ids)}} for tag, ids in tagged.items()}
    return {
        "filter": {"bool": {"filter": others}},
        "aggs": {"tags": {"filters": {"filters": buckets}}},
    }
