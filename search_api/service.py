"""Build -> execute -> shape: one function per page of data, shared by JSON and HTML."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

from evidence.access import AccessContext
from evidence.analysis import analyse
from evidence.errors import N_, InvalidRequest
from evidence.gazetteer import load_gazetteer
from evidence.semantic import Encoder
from search_api.cursor import Cursor, decode_cursor, encode_cursor, new_chain, search_key
from search_api.deps import Caller
from search_api.explain import matched_spellings
from search_api.facets import DEFAULT_SIZE, EXPANDED_SIZE, FACETS, Tagged, tag_key
from search_api.highlight import ELLIPSIS, MatchTerms, match_terms, snippets
from search_api.models import (
    Bucket,
    ExportRow,
    FacetResult,
    FacetValue,
    Histogram,
    HistogramBucket,
    SearchHit,
    SearchResponse,
    Snippet,
    TimelineEntry,
    TimelineResponse,
)
from search_api.paging import PitChains
from search_api.params import Mode, SearchParams, Sort, TimelineParams
from search_api.query import (
    BY_WORDS,
    HYBRID_SIMILARITY,
    MEANING_WEIGHT,
    PAGE_FIELDS,
    RRF_WINDOW,
    SEMANTIC_K,
    Fusion,
    build_search,
    build_semantic,
    fuse,
    histogram_interval,
    semantic_text,
)
from search_api.readable import UNREDACTED, readable_event, readable_source
from search_api.store import CursorExpired, Store
from search_api.syntax import ParsedQuery, Phrase, parse_query
from search_api.timeline import build_timeline, group_events, person_names
from search_api.urls import Links, query_string

__all__ = ["EXPORT_FIELDS", "export_rows", "search", "timeline"]

_SUMMARY = {
    "photo": ("body_id", "identification"),
    "testimony": ("witness_pseudonym",),
    "filing": ("court", "doc_type", "case_no", "outcome", "defendants"),
}


def _page_snippet(html_text: str, page: dict[str, Any]) -> Snippet:
    return Snippet(
        html=html_text,
        page=page["n"],
        machine_read=bool(page.get("machine_read")),
        confidence=page.get("confidence"),
    )


def _snippets(hit: dict[str, Any], source: dict[str, Any], terms: MatchTerms) -> list[Snippet]:
    found = [
        _page_snippet(fragment, inner["_source"])
        for inner in hit.get("inner_hits", {}).get("pages", {}).get("hits", {}).get("hits", [])
        for fragment in snippets(inner["_source"].get("text", ""), terms, limit=1)
    ]
    findings = source.get("findings")
    if not found and findings:
        marked = snippets(findings, terms, limit=1)
        found = [Snippet(html=marked[0] if marked else html.escape(findings))]
    return found


def _meaning_snippets(hit: dict[str, Any]) -> list[Snippet]:
    """The passage nearest in meaning, as written (nothing to mark: no word need be
    shared), with its page; from the full text for roles whose query reached it."""
    for path in ("protected.passages", "passages"):
        inner = hit.get("inner_hits", {}).get(path, {}).get("hits", {}).get("hits", [])
        if inner:
            passage = inner[0]["_source"]
            return [
                Snippet(
                    html=html.escape(passage.get("text", "")),
                    page=passage.get("n"),
                    machine_read=bool(passage.get("machine_read")),
                    confidence=passage.get("confidence"),
                    similar=True,
                )
            ]
    return []


_OPENING = 180


def _opening(text: str) -> str:
    """The start of a page, escaped, when none of its words were the query's."""
    folded = " ".join(text.split())
    cut = folded[:_OPENING].rsplit(" ", 1)[0] if len(folded) > _OPENING else folded
    return html.escape(cut) + (ELLIPSIS if len(cut) < len(folded) else "")


async def _add_missing_snippets(
    store: Store, hits: list[SearchHit], terms: MatchTerms, access: AccessContext
) -> None:
    """Hits a query found without a snippet get one: a hit found through another
    spelling (its pages were searched for the words as typed) where the spelling it
    matched is written, a testimony found by its metadata from its first page. One
    search, for those hits only, within the caller's access."""
    if terms.is_empty:
        return
    wanting = {
        hit.stable_id: hit
        for hit in hits
        if not hit.snippets and (hit.matched or hit.record_type == "testimony")
    }
    if not wanting:
        return
    words = sorted({t for hit in wanting.values() for name in hit.matched for t in analyse(name)})
    best_page: list[dict[str, Any]] = [{"term": {"pages.n": 1}}]
    if words:
        best_page.append({"match": {"pages.terms": {"query": " ".join(words), "boost": 10}}})
    nested = {
        "path": "pages",
        "query": {"bool": {"should": best_page}},
        "inner_hits": {"size": 1, "_source": PAGE_FIELDS},
    }
    body = {
        "query": {
            "bool": {"filter": [{"ids": {"values": list(wanting)}}], "should": [{"nested": nested}]}
        },
        "size": len(wanting),
        "_source": False,
    }
    for found in (await store.search(body, access))["hits"]["hits"]:
        hit = wanting.get(found["_id"])
        pages = found.get("inner_hits", {}).get("pages", {}).get("hits", {}).get("hits", [])
        if hit is None or not pages:
            continue
        spelled = match_terms(ParsedQuery(required=tuple(Phrase(name) for name in hit.matched)))
        page = pages[0]["_source"]
        text = page.get("text", "")
        marked = snippets(text, spelled, limit=1) if hit.matched else []
        hit.snippets = [_page_snippet((marked or [_opening(text)])[0], page)]


def _hit(
    hit: dict[str, Any], parsed: ParsedQuery, terms: MatchTerms, access: AccessContext
) -> SearchHit:
    source = readable_source(hit["_source"], access)
    summary = {k: source[k] for k in _SUMMARY.get(source["record_type"], ()) if source.get(k)}
    return SearchHit.model_validate(
        source
        | {
            "summary": summary,
            "snippets": _meaning_snippets(hit) or _snippets(hit, source, terms),
            "has_image": bool(source.get("file")),
            "matched": matched_spellings(parsed, hit["_source"], access),
        }
    )


def _facets(aggs: dict[str, Any], params: SearchParams, links: Links) -> list[FacetResult]:
    results = []
    selected = params.selected()
    for spec in FACETS:
        counts = spec.counts(aggs[f"facet_{spec.name}"])
        chosen = selected.get(spec.name, [])
        for value in chosen:
            counts.setdefault(value, 0)
        size = EXPANDED_SIZE if spec.name in params.more else DEFAULT_SIZE
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        shown = [item for item in ordered[:size]] + [
            item for item in ordered[size:] if item[0] in chosen
        ]
        if not shown:
            continue
        values = [
            FacetValue(
                value=value,
                label=spec.labeller(value),
                count=count,
                selected=value in chosen,
                toggle=links.toggle(spec.name, value),
            )
            for value, count in shown
        ]
        has_more = len(ordered) > size
        more = links.query(more=[*params.more, spec.name]) if has_more else None
        results.append(
            FacetResult(
                name=spec.name, label=spec.label, values=values, has_more=has_more, more=more
            )
        )
    return results


def _tag_facet(aggs: dict[str, Any], params: SearchParams, links: Links) -> list[FacetResult]:
    """The caller's tags with how many of the matching records each marks: only tags
    on records they may see and that match, and the chosen ones."""
    buckets = aggs.get("facet_tag", {}).get("tags", {}).get("buckets", {})
    counts = {tag: bucket["doc_count"] for tag, bucket in buckets.items() if bucket["doc_count"]}
    chosen = {tag_key(tag) for tag in params.tag}
    for tag in params.tag:
        if not any(tag_key(known) == tag_key(tag) for known in counts):
            counts[tag] = 0
    if not counts:
        return []
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    values = [
        FacetValue(
            value=tag,
            label=tag,
            count=count,
            selected=tag_key(tag) in chosen,
            toggle=links.toggle("tag", tag),
        )
        for tag, count in ordered
    ]
    return [FacetResult(name="tag", label=N_("Your tags"), values=values, has_more=False)]


def _histogram(aggs: dict[str, Any], params: SearchParams, links: Links) -> Histogram:
    data = aggs["histogram"]
    buckets = [
        HistogramBucket(
            key=b["key_as_string"],
            count=b["doc_count"],
            narrow=links.query(
                date_from=b["key_as_string"], date_to=b["key_as_string"], cursor=None
            ),
        )
        for b in data["dates"]["buckets"]
    ]
    return Histogram(
        interval=histogram_interval(params), buckets=buckets, undated=data["undated"]["doc_count"]
    )


@dataclass(frozen=True)
class _Page:
    response: dict[str, Any]
    hits: list[dict[str, Any]]
    total: int
    offset: int
    next_cursor: str | None


async def _paged(
    store: Store,
    params: SearchParams | TimelineParams,
    build: Callable[[list[Any] | None], dict[str, Any]],
    caller: Caller,
    secret: str,
    chains: PitChains,
    target: str = "records",
) -> _Page:
    """One page of a search through the cursor.

    Page one reads the live indices, counts, and starts a chain. Later pages read the
    chain's one point in time (so they neither shift nor repeat) and take the total
    from the cursor instead of counting; `build` decides what they aggregate. A cursor
    fits only the search, role and user it was made for: it carries page one's total,
    which another caller must not see.
    """
    access, owner = caller.access, caller.owner
    key = search_key(type(params).__name__ + params.without_cursor().model_dump_json())
    viewer = search_key(f"{access.role.value}|{access.user or ''}")
    cursor = decode_cursor(params.cursor, secret, key) if params.cursor else None
    if cursor and cursor.viewer != viewer:
        raise InvalidRequest(N_("The cursor belongs to another search; start this one again."))
    if cursor is None:
        response = await store.first_page(build(None), access, target=target)
        total = response["hits"]["total"]["value"]
        offset, chain = 0, new_chain()
    else:
        if cursor.chain is None or cursor.total is None:
            raise InvalidRequest(N_("The cursor is not valid; start the search again."))
        total, offset, chain = cursor.total, cursor.offset, cursor.chain
        body = build(cursor.after) | {"track_total_hits": False}
        response = await _in_chain(store, body, access, chains, owner, chain, target)
    hits = response["hits"]["hits"]
    next_cursor = None
    if hits and offset + len(hits) < total:
        following = Cursor(hits[-1]["sort"], None, offset + len(hits), key, chain, total, viewer)
        next_cursor = encode_cursor(following, secret)
    elif cursor:
        await chains.finish(owner, chain)
    return _Page(response, hits, total, offset, next_cursor)


async def _in_chain(
    store: Store,
    body: dict[str, Any],
    access: AccessContext,
    chains: PitChains,
    owner: str,
    chain: str,
    target: str,
) -> dict[str, Any]:
    """Search `body` in the chain's point in time; one that Elasticsearch let expire is
    replaced (every sort ends in a unique field, so the page is still exact)."""

    async def open_pit() -> str:
        return await store.open_pit(access, target)

    pit = await chains.pit(owner, chain, open_pit)
    try:
        response = await store.search(body, access, pit=pit, target=target)
    except CursorExpired:
        await chains.expired(owner, chain)
        pit = await chains.pit(owner, chain, open_pit)
        response = await store.search(body, access, pit=pit, target=target)
    await chains.renew(owner, chain, response.get("pit_id", pit))
    return response


Builder = Callable[[list[Any] | None, bool], dict[str, Any]]


async def _meaning(
    params: SearchParams | TimelineParams, encoder: Encoder | None
) -> list[float] | None:
    """The question's vector when the mode reads meaning and there are words to read;
    encoded in a worker thread, never on the event loop."""
    text = semantic_text(parse_query(params.q)) if params.mode is not Mode.KEYWORD else ""
    if not text:
        return None
    if encoder is None:
        if params.mode is Mode.HYBRID:
            return None  # words or meaning, without meaning: the words
        raise InvalidRequest(
            N_("Search by meaning is turned off on this server; search by words instead.")
        )
    return (await anyio.to_thread.run_sync(encoder.encode, [text]))[0]


@dataclass(frozen=True)
class _Plan:
    """How to build the search's body for a page (`after`), with or without
    aggregations; in hybrid mode also the passage that made each record near in meaning
    and how many records match the words."""

    build: Builder
    passages: dict[str, list[Snippet]] = field(default_factory=dict)
    word_matches: int | None = None


async def _plan(
    store: Store,
    params: SearchParams,
    access: AccessContext,
    encoder: Encoder | None,
    tagged: Tagged | None = None,
) -> _Plan:
    """By words; in semantic mode, by meaning; in hybrid mode, by words or meaning,
    ranked by fusing the keyword window with the nearest records (both found first, in
    one round trip, within the caller's access)."""
    vector = await _meaning(params, encoder)
    if vector is None:
        return _Plan(
            lambda after, aggregate: build_search(
                params, access, after=after, with_aggregations=aggregate, tagged=tagged
            )
        )
    if params.mode is Mode.SEMANTIC:
        return _Plan(
            lambda after, aggregate: build_semantic(
                params, access, vector, after=after, with_aggregations=aggregate, tagged=tagged
            )
        )
    ranked = params.model_copy(update={"sort": Sort.RELEVANCE, "size": SEMANTIC_K})
    near = build_semantic(
        ranked,
        access,
        vector,
        with_aggregations=False,
        similarity=HYBRID_SIMILARITY,
        with_facets=False,
    )
    # The keyword window: the first records by words (when ranking by relevance), and
    # how many match them at all.
    window_size = RRF_WINDOW if params.sort is Sort.RELEVANCE else 0
    window = build_search(
        ranked.model_copy(update={"size": window_size}), access, with_aggregations=False
    )
    near_found, words_found = await store.msearch(
        [near | {"_source": False}, window | {"_source": False}], access
    )
    nearest = [hit["_id"] for hit in near_found["hits"]["hits"]]
    words = [hit["_id"] for hit in words_found["hits"]["hits"]]
    fusion = Fusion(
        tuple(nearest),
        tuple(
            fuse(words, nearest, MEANING_WEIGHT)
            if words_found["hits"]["hits"] or window_size
            else ()
        ),
    )
    return _Plan(
        lambda after, aggregate: build_search(
            params,
            access,
            after=after,
            with_aggregations=aggregate,
            fusion=fusion,
            tagged=tagged,
        ),
        {hit["_id"]: _meaning_snippets(hit) for hit in near_found["hits"]["hits"]},
        words_found["hits"]["total"]["value"],
    )


async def search(
    store: Store,
    params: SearchParams,
    caller: Caller,
    secret: str,
    chains: PitChains,
    encoder: Encoder | None = None,
    tagged: Tagged | None = None,
) -> SearchResponse:
    """One page of results; facets and the histogram on page one only (later pages
    carry page one's total and aggregate nothing). `tagged`: the caller's tags, for
    their facet and the `tag` filter."""
    access = caller.access
    plan = await _plan(store, params, access, encoder, tagged)
    page = await _paged(
        store, params, lambda after: plan.build(after, after is None), caller, secret, chains
    )
    await caller.audit(
        "search",
        params=params.model_dump(mode="json", exclude_defaults=True, exclude={"cursor"}),
        q=params.q,
        record_ids=[hit["_id"] for hit in page.hits],
        total=page.total,
    )
    parsed = parse_query(params.q)
    terms = match_terms(parsed)
    aggs = page.response.get("aggregations", {})
    links = Links(params)
    hits = [_hit(hit, parsed, terms, access) for hit in page.hits]
    by_words = {hit["_id"] for hit in page.hits if BY_WORDS in hit.get("matched_queries", ())}
    for hit in hits:
        # A hybrid hit its words did not find shows the passage that is near in meaning.
        near = plan.passages.get(hit.stable_id)
        if near and (hit.stable_id not in by_words or not hit.snippets):
            hit.snippets = near
    await _add_missing_snippets(store, hits, terms, access)
    return SearchResponse(
        q=params.q,
        total=page.total,
        offset=page.offset,
        hits=hits,
        facets=(_tag_facet(aggs, params, links) + _facets(aggs, params, links)) if aggs else [],
        histogram=_histogram(aggs, params, links) if aggs else None,
        synthetic=aggs["synthetic"]["doc_count"] if aggs else None,
        word_matches=plan.word_matches,
        next_cursor=page.next_cursor,
        next=query_string(params, cursor=page.next_cursor) if page.next_cursor else None,
    )


@dataclass(frozen=True)
class Overview:
    """What a search's first page aggregates, without its hits."""

    total: int
    facets: list[FacetResult]
    histogram: Histogram


async def overview(store: Store, params: SearchParams, access: AccessContext) -> Overview:
    """The total, facets and histogram of the search `params` by its words, with the
    same body and shaping as its first page, so every count equals what that search
    shows. Not audited here: the page that asks audits its own action."""
    body = build_search(params, access) | {"size": 0, "_source": False}
    response = await store.search(body, access)
    aggs = response["aggregations"]
    links = Links(params)
    return Overview(
        total=response["hits"]["total"]["value"],
        facets=_facets(aggs, params, links),
        histogram=_histogram(aggs, params, links),
    )


# What an export row is made of; nothing else leaves the index for an export.
EXPORT_FIELDS = [
    "stable_id",
    "record_type",
    "collection",
    "local_id",
    "title",
    "date",
    "confidentiality",
    "sha256",
    "source",
    "facilities",
    "branch_nos",
    "body_id",
    "findings",
]


async def export_rows(
    store: Store,
    params: SearchParams,
    caller: Caller,
    base_url: str,
    encoder: Encoder | None = None,
    tagged: Tagged | None = None,
) -> AsyncIterator[ExportRow]:
    """Every matching record, in the search's order, as citation-ready rows; `base_url`
    (the request's) makes each record's URL absolute, so a row cited elsewhere still
    leads to it.

    The audit entry is written before any row leaves and records how many rows the
    export holds (counted first, within the caller's access): "who exported what".
    """
    access = caller.access
    body = (await _plan(store, params.without_cursor(), access, encoder, tagged)).build(None, False)
    counted = await store.search(body | {"size": 0, "_source": False}, access)
    await caller.audit(
        "export",
        params=params.model_dump(mode="json", exclude_defaults=True),
        q=params.q,
        total=counted["hits"]["total"]["value"],
    )
    gazetteer = load_gazetteer()
    body["_source"] = EXPORT_FIELDS + ([UNREDACTED] if access.sees_protected_fields else [])
    async for hit in store.scan(body, access):
        source = readable_source(hit["_source"], access)
        date = source.get("date") or {}
        origin = source.get("source") or {}
        yield ExportRow(
            stable_id=source["stable_id"],
            record_type=source["record_type"],
            collection=source["collection"],
            local_id=source["local_id"],
            title=source["title"],
            date_text=date.get("text"),
            date_earliest=date.get("earliest"),
            date_latest=date.get("latest"),
            date_precision=date.get("precision"),
            date_approximate=date.get("approximate"),
            confidentiality=source["confidentiality"],
            sha256=source.get("sha256"),
            source_file=origin.get("file"),
            source_line=origin.get("line"),
            facilities="; ".join(gazetteer.label(f) for f in source.get("facilities", [])),
            branch_nos="; ".join(source.get("branch_nos", [])),
            body_id=source.get("body_id"),
            findings=source.get("findings"),
            url=f"{base_url.rstrip('/')}/records/{source['stable_id']}",
        )


async def timeline(
    store: Store,
    params: TimelineParams,
    caller: Caller,
    secret: str,
    chains: PitChains,
    encoder: Encoder | None = None,
    exact_persons: list[str] | None = None,
) -> TimelineResponse:
    """Events in order, grouped by body, with an overview by year and month on every
    page (the page shows it above the events; it is a small histogram of events). By
    meaning, the events are those of the records nearest the question (and, in hybrid
    mode, those matching its words). `exact_persons`: the person filter's names as
    stored, not every name holding the asked one (a person page's own spellings)."""
    access = caller.access
    persons = exact_persons or await person_names(store, params, access)
    vector = await _meaning(params, encoder)
    nearest = None
    if vector is not None:
        # The nearest among records passing the filters a search shares with a timeline.
        shared = set(SearchParams.model_fields) & set(TimelineParams.model_fields)
        question = SearchParams.model_validate(
            params.model_dump(include=shared - {"cursor", "size"})
            | {"mode": Mode.SEMANTIC, "size": SEMANTIC_K}
        )
        near = build_semantic(question, access, vector, with_aggregations=False)
        found = await store.search(near | {"_source": False}, access)
        nearest = [hit["_id"] for hit in found["hits"]["hits"]]
    page = await _paged(
        store,
        params,
        lambda after: build_timeline(params, access, after=after, persons=persons, nearest=nearest),
        caller,
        secret,
        chains,
        target="events",
    )
    events = [readable_event(hit["_source"], access) for hit in page.hits]
    aggs = page.response.get("aggregations", {})
    await caller.audit(
        "timeline",
        params=params.model_dump(mode="json", exclude_defaults=True, exclude={"cursor"}),
        q=params.q,
        record_ids=sorted({event["record_id"] for event in events}),
        total=page.total,
    )
    return TimelineResponse(
        total=page.total,
        offset=page.offset,
        entries=[TimelineEntry.from_events(group) for group in group_events(events)],
        years=[
            Bucket(key=b["key_as_string"], count=b["doc_count"])
            for b in aggs.get("years", {}).get("buckets", [])
        ],
        months=[
            Bucket(key=b["key_as_string"], count=b["doc_count"])
            for b in aggs.get("months", {}).get("buckets", [])
        ],
        undated=aggs.get("undated", {}).get("doc_count", 0),
        next_cursor=page.next_cursor,
        next=query_string(params, cursor=page.next_cursor) if page.next_cursor else None,
    )
