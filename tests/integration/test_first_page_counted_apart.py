"""A first page is sent as its hits (no count) and its count and aggregations (no hits),
so the node can cache the second (issue 25). The two must answer exactly what the one
search answered: the same hits in the same order, the same total, the same facets, for
every role."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch

from evidence.access import AccessContext, Role
from evidence.settings import Settings
from search_api.params import SearchParams, TimelineParams
from search_api.query import build_search
from search_api.store import Store, counted_apart, secured
from search_api.timeline import build_timeline
from tests.conftest import ClientFactory, bearer_headers, run_async

ASKED: list[dict[str, Any]] = [
    {},
    {"q": "hospital"},
    {"q": "مشفى"},
    {"type": ["photo"], "branch": ["215"]},
    {"q": "Branch 215", "sort": "date_asc", "size": 7},
    {"date_from": "2012-03", "date_to": "2013-06", "collection": ["caesar"]},
    {"q": "witness", "mode": "keyword", "identification": ["unidentified"]},
]


def _same_answer(one: dict[str, Any], apart: dict[str, Any]) -> None:
    assert [hit["_id"] for hit in apart["hits"]["hits"]] == [
        hit["_id"] for hit in one["hits"]["hits"]
    ]
    assert [hit.get("sort") for hit in apart["hits"]["hits"]] == [
        hit.get("sort") for hit in one["hits"]["hits"]
    ]
    assert apart["hits"]["total"] == one["hits"]["total"]
    assert apart["aggregations"] == one["aggregations"]


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR])
def test_a_first_page_counted_apart_answers_what_one_search_did(
    demo_corpus: Settings, role: Role
) -> None:
    access = AccessContext(role, None if role is Role.PUBLIC else "reader", reader="reader-1")

    async def compare() -> int:
        es = AsyncElasticsearch(demo_corpus.es_url)
        store = Store(es, demo_corpus.index_prefix)
        try:
            totals = 0
            for asked in ASKED:
                body = build_search(SearchParams.model_validate(asked), access)
                apart = await store.first_page(body, access)
                _same_answer(await store.search(body, access), apart)
                totals += apart["hits"]["total"]["value"]
            timeline = build_timeline(TimelineParams(branch=["215"]), access)
            _same_answer(
                await store.search(timeline, access, target="events"),
                await store.first_page(timeline, access, target="events"),
            )
            return totals
        finally:
            await es.close()

    assert run_async(compare()) > 0  # the comparison was over something


def test_the_count_keeps_the_filters_and_the_hits_skip_the_count() -> None:
    access = AccessContext(Role.JOURNALIST, "reader")
    body = build_search(
        SearchParams.model_validate({"q": "hospital", "type": ["photo"]}), access
    ) | {"search_after": [1, "x"]}
    fetch, count = counted_apart(body)
    assert fetch["track_total_hits"] is False and "aggs" not in fetch
    assert fetch["query"] == body["query"] and fetch["post_filter"] == body["post_filter"]
    assert count["size"] == 0 and count["track_total_hits"] is True
    assert count["query"] == body["query"] and count["post_filter"] == body["post_filter"]
    assert count["aggs"] == body["aggs"]
    assert not {"sort", "_source", "search_after"} & set(count)
    reader = AccessContext(Role.JOURNALIST, "reader", reader="reader-7")
    assert secured(count, reader)["stats"] == secured(fetch, reader)["stats"] == ["reader-7"]
    assert "stats" not in secured(count, AccessContext(Role.JOURNALIST, "a job"))


def _request_cache(es: Elasticsearch, index: str) -> tuple[int, int]:
    stats = es.indices.stats(index=index, metric="request_cache")["_all"]["total"]
    return stats["request_cache"]["hit_count"], stats["request_cache"]["miss_count"]


def test_a_cached_count_serves_only_the_reader_who_asked(demo_corpus: Settings) -> None:
    """A count answered from the cache is fast: served to another reader, it would tell
    them that someone had asked the same search."""
    body = build_search(
        SearchParams.model_validate({"q": "hospital"}), AccessContext(Role.JOURNALIST)
    )
    es = Elasticsearch(demo_corpus.es_url)
    records = f"{demo_corpus.index_prefix}-records"

    async def first(reader: str) -> None:
        client = AsyncElasticsearch(demo_corpus.es_url)
        access = AccessContext(Role.JOURNALIST, reader, reader=f"reader-{reader}")
        try:
            await Store(client, demo_corpus.index_prefix).first_page(body, access)
        finally:
            await client.close()

    try:
        es.indices.clear_cache(index=records, request=True)
        steps = []
        for reader in ("ana", "ana", "ben"):
            hits, misses = _request_cache(es, records)
            run_async(first(reader))
            after = _request_cache(es, records)
            steps.append((after[0] - hits > 0, after[1] - misses > 0))
    finally:
        es.close()
    assert steps == [(False, True), (True, False), (False, True)]


def test_a_facility_page_read_by_one_journalist_is_not_served_from_the_cache_to_another(
    demo_corpus: Settings, make_client: ClientFactory
) -> None:
    """The facility, person and case pages count and aggregate with searches of size
    0, which the node caches: through the API each caller's are their own, so how fast
    a page answers cannot tell that a colleague (or another visitor) read it."""
    headers = bearer_headers(
        demo_corpus, {"cache-ana": Role.JOURNALIST, "cache-ben": Role.JOURNALIST}
    )
    es = Elasticsearch(demo_corpus.es_url)
    records = f"{demo_corpus.index_prefix}-records"
    try:
        with make_client(demo_corpus) as client:
            steps = []
            for who in ("cache-ana", "cache-ana", "cache-ben"):
                if not steps:
                    es.indices.clear_cache(index=records, request=True)
                hits, misses = _request_cache(es, records)
                client.get("/facilities/saydnaya", headers=headers[who]).raise_for_status()
                after = _request_cache(es, records)
                steps.append((after[0] - hits > 0, after[1] - misses > 0))
    finally:
        es.close()
    # The first read fills ana's share; her second is served from it; ben's fills his.
    assert steps == [(False, True), (True, False), (False, True)]
