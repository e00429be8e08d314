"""Facets as small typed pieces: each builds its filter and aggregation, then shapes
its buckets into render-ready values with the URL that toggles them.

Counts are multi-select: a facet's aggregation carries every filter except its own, so
choosing one facility still shows how many records the other facilities hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evidence.access import AccessContext
from evidence.gazetteer import load_gazetteer

__all__ = ["FACETS", "FacetSpec", "facet_aggregations", "facet_filters"]

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


FACETS: tuple[FacetSpec, ...] = (
    FacetSpec("collection", "Collection", ("collection",)),
    FacetSpec("type", "Record type", ("record_type",)),
    FacetSpec("facility", "Facility", ("facilities",), labeller=_facility_label),
    FacetSpec("branch", "Branch number", ("branch_nos",)),
    FacetSpec("hospital", "Hospital", ("hospitals",), labeller=_facility_label),
    FacetSpec("person", "Person", ("persons.name",), ("protected.persons.name",)),
    FacetSpec(
        "role",
        "Person role",
        ("person_roles",),
        labeller=_words,
        with_protected="protected.person_roles",
    ),
    FacetSpec("language", "Language", ("language",)),
    FacetSpec("doc_type", "Document type", ("doc_type",), labeller=_words),
    FacetSpec("court", "Court", ("court",)),
    FacetSpec("identification", "Identification", ("identification",), labeller=_words),
    FacetSpec("confidentiality", "Confidentiality", ("confidentiality",)),
)
BY_NAME = {spec.name: spec for spec in FACETS}


def facet_filters(
    selected: dict[str, list[str]], access: AccessContext
) -> dict[str, dict[str, Any]]:
    return {name: BY_NAME[name].filter(values, access) for name, values in selected.items()}


def facet_aggregations(
    selected: dict[str, list[str]], access: AccessContext, expanded: set[str]
) -> dict[str, Any]:
    """One filter aggregation per facet, holding every other facet's filter.

    Each asks for one bucket more than it shows, to know whether to offer "show more".
    """
    filters = facet_filters(selected, access)
    aggs: dict[str, Any] = {}
    for spec in FACETS:
        others = [f for name, f in filters.items() if name != spec.name]
        size = (EXPANDED_SIZE if spec.name in expanded else DEFAULT_SIZE) + 1
        inner = {
            field: {"terms": {"field": field, "size": size}} for field in spec.fields_for(access)
        }
        aggs[f"facet_{spec.name}"] = {"filter": {"bool": {"filter": others}}, "aggs": inner}
    return aggs
