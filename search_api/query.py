"""Pure query building: typed parameters and an access context in, Elasticsearch DSL out.

No I/O happens here, so every rule about what a query may match is unit-tested without
a cluster. The text is analysed by `evidence.analysis`, the same code that analysed the
documents, and matched against their `search_text` field.
"""

from __future__ import annotations

from typing import Any

from evidence.access import AccessContext, restrict
from evidence.analysis import analysed_text
from search_api.params import SearchParams

__all__ = ["build_search"]

_SOURCE_FIELDS = [
    "stable_id",
    "record_type",
    "collection",
    "local_id",
    "title",
    "date",
    "facilities",
    "branch_no",
    "findings",
    "confidentiality",
    "graphic",
    "synthetic",
]


def _text_query(q: str) -> dict[str, Any] | None:
    tokens = analysed_text(q)
    if not tokens:
        return None
    return {"match": {"search_text": {"query": tokens, "operator": "and"}}}


def build_search(params: SearchParams, access: AccessContext | None) -> dict[str, Any]:
    """The search body; without an access context it matches nothing (fail closed)."""
    return {
        "query": restrict(_text_query(params.q), access),
        "size": params.size,
        "track_total_hits": True,
        "_source": _SOURCE_FIELDS,
        "sort": ["_score", {"stable_id": "asc"}],
    }
