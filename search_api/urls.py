"""The one place that turns search parameters into URLs: toggles, pages, date narrowing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from search_api.params import SearchParams, TimelineParams

__all__ = ["query_string", "toggle"]


def query_string(params: SearchParams | TimelineParams, **changes: Any) -> str:
    """`?q=...&facility=...` for these parameters with `changes` applied; defaults left out."""
    values = params.model_dump(mode="json") | changes
    defaults = type(params)().model_dump(mode="json")
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        if value == defaults.get(name) or value is None:
            continue
        if isinstance(value, list):
            pairs.extend((name, str(item)) for item in value)
        else:
            pairs.append((name, str(value)))
    return "?" + urlencode(pairs) if pairs else "?"


def toggle(params: SearchParams, facet: str, value: str) -> str:
    """The search with `value` added to or removed from `facet`, back on the first page."""
    current = list(getattr(params, facet))
    updated = [v for v in current if v != value] if value in current else [*current, value]
    return query_string(params, **{facet: updated, "cursor": None})
