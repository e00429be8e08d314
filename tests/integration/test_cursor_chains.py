"""Chains of cursors against the real node: one point in time per chain, a cap per
caller, closed at the last page; later pages keep page one's total and compute no facets;
no cursor reveals an id. Points in time are counted as the open search contexts of the
test's own indices, which nothing else touches."""

from __future__ import annotations

import base64
import binascii
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.indices import all_alias
from evidence.settings import Settings
from search_api.accounts.store import UserStore
from tests.conftest import ClientFactory, run_async

PAGE = {"size": 1}


def _open_contexts(es: Elasticsearch, settings: Settings) -> int:
    stats = es.indices.stats(index=f"{settings.index_prefix}-*", metric="search")
    return int(stats["_all"]["total"]["search"]["open_contexts"])


def _page(client: TestClient, cursor: str | None = None, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", params=PAGE | params | {"cursor": cursor})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_replaying_cursors_of_a_chain_reuses_its_one_point_in_time(
    es: Elasticsearch, tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    with make_client(tiny_loaded) as client:
        before = _open_contexts(es, tiny_loaded)
        first = _page(client)
        second = _page(client, first["next_cursor"])
        one_chain = _open_contexts(es, tiny_loaded)
        assert one_chain > before
        replays = [_page(client, first["next_cursor"]) for _ in range(10)]
        replays += [_page(client, second["next_cursor"]) for _ in range(5)]
        assert _open_contexts(es, tiny_loaded) == one_chain
        assert {r["hits"][0]["stable_id"] for r in replays[:10]} == {second["hits"][0]["stable_id"]}
        cursor = second["next_cursor"]
        while cursor:  # the last page closes the chain's point in time
            cursor = _page(client, cursor)["next_cursor"]
        assert _open_contexts(es, tiny_loaded) == before


def test_a_caller_holds_at_most_the_cap_and_its_oldest_chain_then_expires(
    es: Elasticsearch, tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    capped = tiny_loaded.model_copy(update={"pits_per_caller": 2})
    with make_client(capped) as client:
        before = _open_contexts(es, capped)
        chains = []
        for n in range(6):
            first = _page(client, q="" if n % 2 else "*")
            second = _page(client, first["next_cursor"], q="" if n % 2 else "*")
            chains.append((first["next_cursor"], second["next_cursor"], n % 2))
            if n == 0:
                per_chain = _open_contexts(es, capped) - before
        assert per_chain > 0
        assert _open_contexts(es, capped) - before == 2 * per_chain
        for page_one_cursor, page_two_cursor, odd in chains[:4]:
            for cursor in (page_one_cursor, page_two_cursor):
                response = client.get(
                    "/api/search", params=PAGE | {"q": "" if odd else "*", "cursor": cursor}
                )
                assert response.status_code == 400
                assert response.json() == {
                    "detail": "The cursor has expired; start again from the first page."
                }
        assert _open_contexts(es, capped) - before == 2 * per_chain
        newest = _page(client, chains[-1][1], q="" if chains[-1][2] else "*")
        assert newest["offset"] == 2
    assert _open_contexts(es, capped) == before  # a stopping app closes what it holds


def test_later_pages_keep_page_one_total_and_compute_no_facets(
    es: Elasticsearch, tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    with make_client(tiny_loaded) as client:
        first = _page(client)
        assert first["facets"] and first["histogram"]
        assert first["total"] == 4  # the public share of the tiny bundle
        # A record goes away after page one: a page that counted again would say 3.
        gone = es.search(
            index=all_alias(tiny_loaded.index_prefix),
            query={"ids": {"values": [first["hits"][0]["stable_id"]]}},
        )["hits"]["hits"][0]
        es.delete(index=gone["_index"], id=gone["_id"], refresh=True)
        second = _page(client, first["next_cursor"])
        assert second["total"] == first["total"] == 4
        assert second["offset"] == 1
        assert second["facets"] == [] and second["histogram"] is None
        html = client.get("/", params=PAGE | {"cursor": first["next_cursor"]})
        assert html.status_code == 200
        assert "Results 2–2 of 4" in html.text
        assert 'class="facet"' not in html.text and 'class="histogram"' not in html.text
        assert 'rel="next"' in html.text


def _decodings(token: str) -> list[bytes]:
    found = []
    for piece in [token, *token.split(".")]:
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                found.append(decode(piece + "=" * (-len(piece) % 4)))
            except (binascii.Error, ValueError):
                continue
    return found


def test_no_cursor_reveals_a_stable_id_or_a_point_in_time(
    es: Elasticsearch, tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    records = es.search(index=all_alias(tiny_loaded.index_prefix), size=100)
    every_id = [hit["_id"] for hit in records["hits"]["hits"]]
    assert len(every_id) == 5
    tokens = []
    with make_client(tiny_loaded) as client:
        for sort in ("relevance", "date_asc", "date_desc"):
            cursor = _page(client, sort=sort)["next_cursor"]
            while cursor:
                tokens.append(cursor)
                cursor = _page(client, cursor, sort=sort)["next_cursor"]
    assert len(tokens) == 9
    for token in tokens:
        for text in [token.encode(), *_decodings(token)]:
            for stable_id in every_id:
                assert stable_id.encode() not in text
                assert stable_id.split(":")[-1].encode() not in text
            # JSON keys in the clear; a bare `pit` turns up by chance in random text.
            assert b'"p"' not in text and b'"pit' not in text.lower()


def test_concurrent_replays_of_one_cursor_still_hold_one_point_in_time(
    es: Elasticsearch, tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    with make_client(tiny_loaded) as client:
        before = _open_contexts(es, tiny_loaded)
        first = _page(client)
        _page(client, _page(client)["next_cursor"])  # another chain: what one chain holds
        one_chain = _open_contexts(es, tiny_loaded) - before
        with ThreadPoolExecutor(max_workers=8) as pool:
            pages = list(pool.map(lambda _: _page(client, first["next_cursor"]), range(16)))
        assert len({page["hits"][0]["stable_id"] for page in pages}) == 1
        assert _open_contexts(es, tiny_loaded) - before == 2 * one_chain


def test_the_cap_counts_each_caller_apart(
    es: Elasticsearch, tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    capped = tiny_loaded.model_copy(update={"pits_per_caller": 1})

    async def journalist_token() -> str:
        client = AsyncElasticsearch(capped.es_url)
        users = UserStore(client, capped)
        await users.add("reporter", Role.JOURNALIST, "a long enough password")
        _, token = await users.issue_token("reporter")
        await client.close()
        return token

    reporter = {"Authorization": f"Bearer {run_async(journalist_token())}"}
    with make_client(capped) as client:
        visitor_first = _page(client)
        visitor_second = _page(client, visitor_first["next_cursor"])
        reporter_first = client.get("/api/search", params=PAGE, headers=reporter).json()
        reporter_params = PAGE | {"cursor": reporter_first["next_cursor"]}
        for _ in range(2):  # the reporter's chain does not close the visitor's
            assert client.get("/api/search", params=reporter_params, headers=reporter).is_success
            assert _page(client, visitor_second["next_cursor"])["offset"] == 2
