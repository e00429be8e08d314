"""Timelines: the pure query over timeline events, and grouping for display.

Events come from `{prefix}-event` (see `indexer/events.py`), each with its record's
confidentiality, so the store's access filter covers them like records. Order is
deterministic: earliest bound, then precision (day before month before year before
range), then group (the frames of one body stay together), then sequence, then id;
undated events come last and are never dropped.

A person filter is matched by name key (`evidence.names`), like search matches names:
`anwar raslan`, `Anwar Raslan` and `أنور رسلان` find the same events. Events store
names as written, so the names the caller may see are read first and the filter becomes
the ones whose keys hold the typed keys (`person_names`). A case number is matched
whatever its letter case.
"""

from __future__ import annotations

from typing import Any

from evidence.access import AccessContext, restrict
from evidence.names import name_keys
from search_api.facets import FACETS
from search_api.params import Mode, TimelineParams
from search_api.query import text_query_for
from search_api.store import Store
from search_api.syntax import parse_query

__all__ = [
    "TIMELINE_SORT",
    "build_timeline",
    "by_year_and_month",
    "group_events",
    "person_names",
]

TIMELINE_SORT: list[dict[str, Any]] = [
    {"date.earliest": {"order": "asc", "missing": "_last"}},
    {"precision_rank": "asc"},
    {"group_key": "asc"},
    {"seq": "asc"},
    {"event_id": "asc"},
]
_FIELDS = {
    "collection": ("collection",),
    "type": ("record_type",),
    "facility": ("facilities",),
    "branch": ("branch_nos",),
    "hospital": ("hospitals",),
    "court": ("court",),
    "doc_type": ("doc_type",),
    "case": ("case_no",),
    "confidentiality": ("confidentiality",),
    "person": ("persons.name",),
}


# The search page's facility filter: a numbered branch selects by its number, so the
# timeline's `facility=branch-215` and `branch=215` find the same events, as search does.
_FACILITY = next(spec for spec in FACETS if spec.name == "facility")

# More distinct names than any corpus here holds; names past it would not be matched.
_NAME_BUCKETS = 20_000


def _person_fields(access: AccessContext) -> tuple[str, ...]:
    public = _FIELDS["person"]
    return (*public, "protected.persons.name") if access.sees_protected_fields else public


def _holds(keys: list[str], wanted: list[str]) -> bool:
    """Whether `wanted` runs in order inside `keys` (`Raslan` is in `Anwar Raslan`)."""
    span = len(wanted)
    return any(keys[i : i + span] == wanted for i in range(len(keys) - span + 1))


async def person_names(
    store: Store, params: TimelineParams, access: AccessContext | None
) -> list[str] | None:
    """The stored person names the `person` filter means, among events the caller may
    see; None when there is no person filter."""
    if not params.person or access is None:
        return None
    fields = _person_fields(access)
    body = {
        "size": 0,
        "aggs": {f: {"terms": {"field": f, "size": _NAME_BUCKETS}} for f in fields},
    }
    aggs = (await store.search(body, access, target="events")).get("aggregations", {})
    stored = {b["key"] for f in fields for b in aggs.get(f, {}).get("buckets", [])}
    wanted = [keys for value in params.person if (keys := name_keys(value))]
    return sorted(name for name in stored if any(_holds(name_keys(name), keys) for keys in wanted))


def _filters(
    params: TimelineParams, access: AccessContext, persons: list[str] | None
) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    for name, values in params.selected().items():
        fields: tuple[str, ...] = _FIELDS[name]
        clauses: list[dict[str, Any]]
        if name == "person":
            fields = _person_fields(access)
            names = values if persons is None else persons
            clauses = [{"terms": {field: names}} for field in fields]
        elif name == "facility":
            clauses = [_FACILITY.filter(values, access)]
        elif name == "case":
            clauses = [
                {"term": {"case_no": {"value": value, "case_insensitive": True}}}
                for value in values
            ]
        else:
            clauses = [{"terms": {field: values}} for field in fields]
        filters.append(clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}})
    start, end = params.date_range
    if start:
        filters.append({"range": {"date.latest": {"gte": start.earliest.isoformat()}}})
    if end:
        filters.append({"range": {"date.earliest": {"lte": end.latest.isoformat()}}})
    return filters


def build_timeline(
    params: TimelineParams,
    access: AccessContext | None,
    *,
    after: list[Any] | None = None,
    persons: list[str] | None = None,
    nearest: list[str] | None = None,
) -> dict[str, Any]:
    """Events in chronological order, with an overview by year and by month; `persons`
    are the stored names the person filter means (`person_names`). With `nearest` (the
    records nearest the question in meaning) the events of those records match too, or
    only they in semantic mode."""
    if access is None:
        return {"query": restrict(None, None), "size": 0}
    text = text_query_for(parse_query(params.q), access, with_pages=False)
    if nearest is not None:
        of_nearest = {"terms": {"record_id": nearest}}
        text = (
            of_nearest
            if params.mode is Mode.SEMANTIC
            else {"bool": {"should": [text, of_nearest], "minimum_should_match": 1}}
        )
    body: dict[str, Any] = {
        "query": restrict(
            {"bool": {"must": [text], "filter": _filters(params, access, persons)}}, access
        ),
        "size": params.size,
        "track_total_hits": True,
        "sort": TIMELINE_SORT,
        "_source": {"excludes": _hidden_fields(access)},
        "aggs": {
            "years": {
                "date_histogram": {
                    "field": "date.earliest",
                    "calendar_interval": "year",
                    "format": "yyyy",
                    "min_doc_count": 1,
                }
            },
            "months": {
                "date_histogram": {
                    "field": "date.earliest",
                    "calendar_interval": "month",
                    "format": "yyyy-MM",
                    "min_doc_count": 1,
                }
            },
            "undated": {"missing": {"field": "date.earliest"}},
        },
    }
    if after is not None:
        body["search_after"] = after
    return body


def _hidden_fields(access: AccessContext) -> list[str]:
    """Index-only fields never leave; `protected` only reaches roles that may read it."""
    if access.sees_protected_fields:
        return ["search_text", "search_stems", "protected.search_text", "protected.search_stems"]
    return ["search_text", "search_stems", "protected"]


def group_events(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Adjacent events of one group (frames of one body) become one entry."""
    groups: list[list[dict[str, Any]]] = []
    for event in events:
        if groups and groups[-1][0]["group_key"] == event["group_key"] != event["event_id"]:
            groups[-1].append(event)
        else:
            groups.append([event])
    return groups


def by_year_and_month(entries: list[Any]) -> list[tuple[str, list[tuple[str, list[Any]]]]]:
    """Entries under year and month headings, in order; undated under "Undated"."""
    years: list[tuple[str, list[tuple[str, list[Any]]]]] = []
    for entry in entries:
        date = entry.date
        year, month = (date.earliest[:4], date.earliest[:7]) if date else ("Undated", "")
        if not years or years[-1][0] != year:
            years.append((year, []))
        months = years[-1][1]
        if not months or months[-1][0] != month:
            months.append((month, []))
        months[-1][1].append(entry)
    return years
