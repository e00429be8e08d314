"""The one place that turns search parameters into URLs: toggles, pages, date narrowing."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode

from search_api.params import SearchParams, TimelineParams

__all__ = ["BOUNDS", "Chip", "Links", "chips", "query_string", "toggle"]

Params = SearchParams | TimelineParams
# Single-valued filters beside the facets: the dates, and (searches only) OCR confidence
# and what is new since a moment.
BOUNDS = ("date_from", "date_to", "ocr_below", "since")


class Links:
    """Query strings derived from one set of parameters. The parameters are dumped once:
    a result page links every facet value and every histogram bar."""

    def __init__(self, params: Params) -> None:
        self._params = params
        self._values = params.model_dump(mode="json")
        self._defaults = _defaults(type(params))
        # Each parameter encoded once: a page's hundred toggles each change one or two.
        self._encoded = {name: self._encode(name, value) for name, value in self._values.items()}

    def _encode(self, name: str, value: Any) -> str:
        """`name=value` (or one pair per item of a list), empty for a default."""
        if value == self._defaults.get(name) or value is None:
            return ""
        if isinstance(value, list):
            return urlencode([(name, str(item)) for item in value])
        return urlencode([(name, str(value))])

    def query(self, **changes: Any) -> str:
        """`?q=...&facility=...` with `changes` applied; defaults left out."""
        parts = [
            self._encode(name, changes[name]) if name in changes else encoded
            for name, encoded in self._encoded.items()
        ]
        parts += [self._encode(n, v) for n, v in changes.items() if n not in self._encoded]
        return "?" + "&".join(part for part in parts if part)

    def toggle(self, facet: str, value: str) -> str:
        """The search with `value` added to or removed from `facet`, on the first page."""
        current = list(getattr(self._params, facet))
        updated = [v for v in current if v != value] if value in current else [*current, value]
        return self.query(**{facet: updated, "cursor": None})

    def without_filters(self) -> str:
        """The same query and order with every filter and date bound removed."""
        cleared: dict[str, Any] = {name: [] for name in self._params.FILTERS}
        bounds = {name: None for name in BOUNDS if name in self._values}
        return self.query(**cleared, **bounds, cursor=None, more=[])


@dataclass(frozen=True)
class Chip:
    """One active filter, shown on the page with the link that removes it."""

    facet: str  # the parameter: facility, branch, date_from...
    value: str
    remove: str


def chips(params: Params) -> list[Chip]:
    """Every filter in effect, so none stays on unseen; each chip's link removes it."""
    links = Links(params)
    shown = [
        Chip(name, value, links.toggle(name, value))
        for name, values in params.selected().items()
        for value in values
    ]
    for bound in BOUNDS:
        if value := getattr(params, bound, None):
            shown.append(Chip(bound, str(value), links.query(**{bound: None, "cursor": None})))
    return shown


@cache
def _defaults(kind: type[Params]) -> dict[str, Any]:
    return kind().model_dump(mode="json")


def query_string(params: Params, **changes: Any) -> str:
    """`?q=...&facility=...` for these parameters with `changes` applied; defaults left out."""
    return Links(params).query(**changes)


def toggle(params: SearchParams, facet: str, value: str) -> str:
    """The search with `value` added to or removed from `facet`, back on the first page."""
    return Links(params).toggle(facet, value)
