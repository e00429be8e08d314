"""Pure query building: typed parameters and an access context in, Elasticsearch DSL out.

No I/O happens here, so every rule about what a query may match is unit-tested without
a cluster. Query text is parsed (`syntax`) and analysed by `evidence.analysis`, the
code that analysed the documents. Which text fields a clause may touch depends on the
caller: protected text is searched for investigators and admins only, in `must` and
`must_not` alike, so even an exclusion cannot reveal that a protected name exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from evidence.access import AccessContext, restrict
from evidence.analysis import analyse, stem
from evidence.names import name_keys
from search_api.explain import PROTECTED_PERSONS
from search_api.facets import (
    Tagged,
    facet_aggregations,
    facet_filters,
    tag_aggregation,
    tag_filter,
)
from search_api.params import SearchParams, Sort
from search_api.readable import UNREDACTED
from search_api.syntax import AnyOf, ParsedQuery, Phrase, Term, parse_query

__all__ = [
    "BY_WORDS",
    "HIT_FIELDS",
    "PAGE_FIELDS",
    "Fusion",
    "build_search",
    "build_semantic",
    "fuse",
    "histogram_interval",
    "name_fields",
    "semantic_text",
    "text_fields",
    "text_query_for",
]

HIT_FIELDS = [
    "stable_id",
    "record_type",
    "collection",
    "local_id",
    "title",
    "date",
    "facilities",
    "branch_nos",
    "confidentiality",
    "graphic",
    "synthetic",
    "language",
    "sha256",
    "file",
    "findings",
    "body_id",
    "identification",
    "witness_pseudonym",
    "court",
    "doc_type",
    "case_no",
    "outcome",
    "defendants",
    "persons",
]
_SORTS: dict[Sort, list[Any]] = {
    Sort.RELEVANCE: ["_score", {"stable_id": "asc"}],
    Sort.DATE_ASC: [{"date.earliest": {"order": "asc", "missing": "_last"}}, {"stable_id": "asc"}],
    Sort.DATE_DESC: [{"date.latest": {"order": "desc", "missing": "_last"}}, {"stable_id": "asc"}],
}
INNER_PAGES = 2
# A snippet's page: its number, its text, and whether OCR read it and how well.
PAGE_FIELDS = ["pages.n", "pages.text", "pages.machine_read", "pages.confidence"]


def text_fields(access: AccessContext) -> tuple[tuple[str, str], ...]:
    """(token field, stem field) pairs the caller's text may be matched against."""
    public = (("search_text", "search_stems"),)
    if access.sees_protected_fields:
        return (*public, ("protected.search_text", "protected.search_stems"))
    return public


def name_fields(access: AccessContext) -> tuple[str, ...]:
    """Fields holding name keys the caller's query may match."""
    return ("name_keys", "protected.name_keys") if access.sees_protected_fields else ("name_keys",)


def _name_clauses(text: str, access: AccessContext) -> list[dict[str, Any]]:
    """Spelling-independent matches on names, ranked below exact words; typos in longer
    names are forgiven (one edit on the key)."""
    keys = name_keys(text)
    clauses: list[dict[str, Any]] = []
    for field in name_fields(access) if keys else ():
        if len(keys) > 1:
            clauses.append({"match_phrase": {field: {"query": " ".join(keys), "boost": 0.3}}})
            continue
        clauses.append({"term": {field: {"value": keys[0], "boost": 0.3}}})
        if len(keys[0]) >= 4:
            clauses.append({"fuzzy": {field: {"value": keys[0], "fuzziness": 1, "boost": 0.1}}})
    return clauses


def _item(item: Term | Phrase, access: AccessContext) -> dict[str, Any] | None:
    tokens = analyse(item.text)
    if not tokens:
        return None
    words, stems = " ".join(tokens), " ".join(stem(t) for t in tokens)
    should: list[dict[str, Any]] = []
    for token_field, stem_field in text_fields(access):
        if isinstance(item, Term) and item.prefix:
            should.append(
                {"match_phrase_prefix": {token_field: {"query": words, "max_expansions": 64}}}
            )
        elif isinstance(item, Phrase) and item.slop:
            should.append({"match_phrase": {token_field: {"query": words, "slop": item.slop}}})
            should.append(
                {"match_phrase": {stem_field: {"query": stems, "slop": item.slop, "boost": 0.5}}}
            )
        elif isinstance(item, Phrase) or len(tokens) > 1:
            should.append({"match_phrase": {token_field: words}})
            should.append({"match_phrase": {stem_field: {"query": stems, "boost": 0.5}}})
        else:
            should.append({"term": {token_field: words}})
            should.append({"term": {stem_field: {"value": stems, "boost": 0.5}}})
    if not (isinstance(item, Term) and item.prefix):
        should.extend(_name_clauses(item.text, access))
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _clause(clause: Term | Phrase | AnyOf, access: AccessContext) -> dict[str, Any] | None:
    if isinstance(clause, AnyOf):
        options = [q for option in clause.options if (q := _item(option, access))]
        return {"bool": {"should": options, "minimum_should_match": 1}} if options else None
    return _item(clause, access)


def _positive_tokens(parsed: ParsedQuery) -> list[str]:
    items = [o for c in parsed.required for o in (c.options if isinstance(c, AnyOf) else (c,))]
    return [token for item in items for token in analyse(item.text)]


def text_query_for(
    parsed: ParsedQuery, access: AccessContext, *, with_pages: bool = True
) -> dict[str, Any]:
    """The text part of a query; `with_pages` asks for matching pages (records only)."""
    must = [q for clause in parsed.required if (q := _clause(clause, access))]
    must_not = [q for clause in parsed.excluded if (q := _item(clause, access))]
    tokens = _positive_tokens(parsed) if with_pages else []
    should = []
    if tokens:
        # Which pages matched, for snippets with page numbers; it also favours
        # documents where the words meet on one page.
        should.append(
            {
                "nested": {
                    "path": "pages",
                    "query": {"match": {"pages.terms": " ".join(tokens)}},
                    "score_mode": "max",
                    "inner_hits": {"size": INNER_PAGES, "_source": PAGE_FIELDS},
                }
            }
        )
    return {"bool": {"must": must or [{"match_all": {}}], "must_not": must_not, "should": should}}


# Semantic mode finds the K records nearest in meaning, for each vector field the
# caller's query reaches, among those passing every filter: k is counted after access
# and filters, never before. A passage below the floor is not near, however few are
# (docs/search.md, "Modes", says how these were chosen).
SEMANTIC_K = 100
SEMANTIC_CANDIDATES = 500
SIMILARITY_FLOOR = 0.2
# The passage that made the hit: its page and text, for the snippet.
PASSAGE_FIELDS = ("n", "text", "machine_read", "confidence")


def semantic_text(parsed: ParsedQuery) -> str:
    """What semantic mode encodes: the query's wanted words and phrases, without the
    syntax (quotes, prefixes, alternatives), since the encoder reads plain sentences."""
    items = [o for c in parsed.required for o in (c.options if isinstance(c, AnyOf) else (c,))]
    return " ".join(item.text for item in items).strip()


def _passage_paths(access: AccessContext) -> list[tuple[str, dict[str, Any] | None]]:
    """(nested passages, extra filter) for each vector field the caller may search.

    Everyone searches the passages of the text as every reader sees it. Roles that read
    protected names search the full text's passages instead wherever something was
    withheld: vectors of withheld text can be inverted back towards it, so they live
    only under `protected`, which no other role's query names."""
    if not access.sees_protected_fields:
        return [("passages", None)]
    withheld = {"term": {"protected.passages_redacted": True}}
    return [("passages", {"bool": {"must_not": [withheld]}}), ("protected.passages", withheld)]


def build_semantic(
    params: SearchParams,
    access: AccessContext | None,
    vector: list[float],
    *,
    after: list[Any] | None = None,
    with_aggregations: bool = True,
    similarity: float = SIMILARITY_FLOOR,
    with_facets: bool = True,
    tagged: Tagged | None = None,
) -> dict[str, Any]:
    """The semantic search body: approximate kNN over passage vectors, with access (the
    store adds it to each kNN filter), facets, dates and excluded words as pre-filters.
    Facet counts are over the nearest records found with every filter applied. Hybrid
    mode leaves the facets out (`with_facets`): its facets filter the words' matches and
    the nearest alike afterwards, so that each facet's counts stay multi-select."""
    if access is None:
        return {"query": restrict(None, None), "size": 0, "track_total_hits": True}
    parsed = parse_query(params.q)
    tags = _tags(params, tagged)
    filters = [
        *(facet_filters(params.selected(), access).values() if with_facets else ()),
        *(tags if with_facets else ()),
        *_date_filter(params),
        *_ocr_filter(params),
    ]
    excluded = [q for clause in parsed.excluded if (q := _item(clause, access))]
    if excluded:
        filters.append({"bool": {"must_not": excluded}})
    knn = []
    for path, only in _passage_paths(access):
        knn.append(
            {
                "field": f"{path}.vector",
                "query_vector": vector,
                "k": SEMANTIC_K,
                "num_candidates": SEMANTIC_CANDIDATES,
                "similarity": similarity,
                "filter": [*filters, *([only] if only else [])],
                "inner_hits": {
                    "size": 1,
                    "_source": [f"{path}.{name}" for name in PASSAGE_FIELDS],
                },
            }
        )
    body: dict[str, Any] = {
        "knn": knn,
        "size": params.size,
        "track_total_hits": True,
        "_source": HIT_FIELDS
        + ([UNREDACTED, PROTECTED_PERSONS] if access.sees_protected_fields else []),
        "sort": _SORTS[params.sort],
    }
    if after is not None:
        body["search_after"] = after
    if with_aggregations:
        selected = params.selected()
        body["aggs"] = facet_aggregations(selected, access, set(params.more), tags) | {
            "histogram": _histogram(params, []),
            "synthetic": {"filter": {"term": {"synthetic": True}}},
        }
        if tagged:
            body["aggs"]["facet_tag"] = tag_aggregation([], tagged)
    return body


# Hybrid mode fuses the keyword ranking with the semantic k nearest by weighted
# reciprocal rank fusion (the node's core has no RRF retriever, so the service fuses).
# Tuned on both judged sets (docs/search.md, "Modes"): how much a place among the
# nearest counts against the same place by words, and how near a passage must be to join.
RRF_RANK_CONSTANT = 60
MEANING_WEIGHT = 0.3
HYBRID_SIMILARITY = SIMILARITY_FLOOR
# The keyword window is deep enough that the last of the nearest outscores every keyword
# record past it (weight / (60 + k) > 1 / (60 + window + 1)): the rest then follow in
# keyword order, and the fused order is exact over the whole result.
RRF_WINDOW = math.ceil((RRF_RANK_CONSTANT + SEMANTIC_K) / MEANING_WEIGHT) - RRF_RANK_CONSTANT
_FUSED_STEP = 10_000.0


def fuse(words: list[str], meaning: list[str], meaning_weight: float = 1.0) -> list[str]:
    """Weighted reciprocal rank fusion: a record scores 1 / (60 + rank) for its place
    in the keyword ranking plus `meaning_weight` / (60 + rank) for its place among the
    nearest; ties keep the keyword order. Only the order up to the last of the nearest
    is returned: past it the fused order is the keyword order."""
    scores: dict[str, float] = {}
    for ranking, weight in ((words, 1.0), (meaning, meaning_weight)):
        for rank, stable_id in enumerate(ranking, start=1):
            scores[stable_id] = scores.get(stable_id, 0.0) + weight / (RRF_RANK_CONSTANT + rank)
    fused = sorted(scores, key=lambda stable_id: -scores[stable_id])
    near = set(meaning)
    last = max((i for i, stable_id in enumerate(fused) if stable_id in near), default=-1)
    return fused[: last + 1]


@dataclass(frozen=True)
class Fusion:
    """What hybrid mode adds to a keyword search: the records nearest in meaning (found
    within the caller's access and filters) and the fused order of the first ones."""

    nearest: tuple[str, ...]
    order: tuple[str, ...]


# The name a hybrid hit found by its words carries in `matched_queries`.
BY_WORDS = "words"


def _fused(matching: dict[str, Any], fusion: Fusion) -> dict[str, Any]:
    """Keyword matches or nearest records, scored so that the fused order comes first and
    the remaining keyword matches follow by their own score."""
    should = [{"bool": {"must": [matching], "_name": BY_WORDS}}]
    if fusion.nearest:
        should.append({"ids": {"values": list(fusion.nearest)}})
    either = {"bool": {"should": should, "minimum_should_match": 1}}
    if not fusion.order:
        return either
    count = len(fusion.order)
    return {
        "function_score": {
            "query": either,
            "functions": [
                {"filter": {"ids": {"values": [stable_id]}}, "weight": _FUSED_STEP * (count - i)}
                for i, stable_id in enumerate(fusion.order)
            ],
            "score_mode": "first",
            "boost_mode": "sum",
        }
    }


def _date_filter(params: SearchParams) -> list[dict[str, Any]]:
    """Records whose date range overlaps the asked range, at any precision."""
    start, end = params.date_range
    clauses = []
    if start:
        clauses.append({"range": {"date.latest": {"gte": start.earliest.isoformat()}}})
    if end:
        clauses.append({"range": {"date.earliest": {"lte": end.latest.isoformat()}}})
    return clauses


def _ocr_filter(params: SearchParams) -> list[dict[str, Any]]:
    """Records with a page OCR read with less confidence than asked, and records indexed
    or changed since the moment asked (a watch's "new")."""
    clauses: list[dict[str, Any]] = []
    if params.ocr_below is not None:
        clauses.append({"range": {"ocr.min_confidence": {"lt": params.ocr_below}}})
    if params.since is not None:
        clauses.append({"range": {"indexed_at": {"gt": params.since.isoformat()}}})
    return clauses


def histogram_interval(params: SearchParams) -> str:
    """Months when the asked range spans three years or less, else years."""
    start, end = params.date_range
    if start and end and (end.latest - start.earliest).days <= 3 * 366:
        return "month"
    return "year"


def _histogram(params: SearchParams, filters: list[dict[str, Any]]) -> dict[str, Any]:
    interval = histogram_interval(params)
    histogram: dict[str, Any] = {
        "field": "date.earliest",
        "calendar_interval": interval,
        "format": "yyyy-MM" if interval == "month" else "yyyy",
        "min_doc_count": 0,
    }
    start, end = params.date_range
    if start and end:
        shape = "%Y-%m" if interval == "month" else "%Y"
        histogram["hard_bounds"] = {
            "min": start.earliest.strftime(shape),
            "max": end.latest.strftime(shape),
        }
    return {
        "filter": {"bool": {"filter": filters}},
        "aggs": {
            "dates": {"date_histogram": histogram},
            "undated": {"missing": {"field": "date.earliest"}},
        },
    }


def build_search(
    params: SearchParams,
    access: AccessContext | None,
    *,
    after: list[Any] | None = None,
    with_aggregations: bool = True,
    fusion: Fusion | None = None,
    tagged: Tagged | None = None,
) -> dict[str, Any]:
    """The search body; without an access context it matches nothing (fail closed). With
    a `fusion` (hybrid mode) it also matches the records nearest in meaning, and ranks
    the fused ones first. `tagged` is the caller's tags: their facet, and the filter of
    `params.tag`."""
    if access is None:
        return {"query": restrict(None, None), "size": 0, "track_total_hits": True}
    parsed = parse_query(params.q)
    selected = params.selected()
    tags = _tags(params, tagged)
    facets = list(facet_filters(selected, access).values())
    filters = facets + tags
    # Facet filters go in a post_filter only when aggregations need the unfiltered set
    # (multi-select counts); an export filters in the query, which is cheaper.
    in_query = [] if with_aggregations else filters
    matching = text_query_for(parsed, access)
    query = {
        "bool": {
            "must": [_fused(matching, fusion) if fusion else matching],
            "filter": _date_filter(params) + _ocr_filter(params) + in_query,
        }
    }
    body: dict[str, Any] = {
        "query": restrict(query, access),
        "size": params.size,
        "track_total_hits": True,
        # Roles that read protected names get the text as given too (`search_api.readable`).
        "_source": HIT_FIELDS
        + ([UNREDACTED, PROTECTED_PERSONS] if access.sees_protected_fields else []),
        "sort": _SORTS[params.sort],
    }
    if filters and with_aggregations:
        body["post_filter"] = {"bool": {"filter": filters}}
    if after is not None:
        body["search_after"] = after
    if with_aggregations:
        body["aggs"] = facet_aggregations(selected, access, set(params.more), tags) | {
            "histogram": _histogram(params, filters),
            # How many matching records are invented demo data, for the page's banner.
            "synthetic": {
                "filter": {"bool": {"filter": [*filters, {"term": {"synthetic": True}}]}}
            },
        }
        if tagged:
            body["aggs"]["facet_tag"] = tag_aggregation(facets, tagged)
    return body


def _tags(params: SearchParams, tagged: Tagged | None) -> list[dict[str, Any]]:
    """The filter of the tags chosen, if any; without the caller's tags, none match."""
    return [tag_filter(params.tag, tagged or {})] if params.tag else []
