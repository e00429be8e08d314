"""What the "Your tags" facet costs a signed-in search, on the caesar-scale corpus.

    .venv/bin/python -m bench.tags [--runs 200] [--tags 20] [--per-tag 50]

Uses the caesar-scale SYNTHETIC corpus under `benchcaesar` (`bench.search_p50` loads it
once). A journalist in a team tags `--per-tag` public records with each of `--tags`
tags (their own and the team's). Then, in the same run, p50 and p95 of:

1. `GET /api/search` (keyword, page one) as that journalist, with the tag facet;
2. the same as a journalist with no tags (no facet; the tags are still looked up);
3. the same search body with the tag facet's aggregation, sent directly;
4. the same with `tag=` chosen, through the API and directly.

Prints the ratios (API over direct, tags over no tags) and writes
`bench/results/tags-caesar.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
import time
from typing import Any

import httpx2 as httpx
import uvicorn
from elasticsearch import AsyncElasticsearch, Elasticsearch

from bench.common import ROOT
from bench.search_p50 import PREFIX, _ensure_corpus, _percentiles
from evidence.access import AccessContext, Level, Role, restrict
from evidence.devnode import ensure_running
from evidence.settings import Settings
from search_api.accounts.store import UserStore
from search_api.annotations.store import AnnotationStore
from search_api.app import create_app
from search_api.params import SearchParams
from search_api.query import build_search
from search_api.teams.store import TeamStore

SEARCH = {"q": "hospital", "mode": "keyword"}


async def _accounts(settings: Settings, names: list[str]) -> dict[str, dict[str, str]]:
    """Journalists named `names`, each with the header that acts as them."""
    es = AsyncElasticsearch(settings.es_url, request_timeout=120)
    try:
        users = UserStore(es, settings)
        headers = {}
        for name in names:
            await users.add(name, Role.JOURNALIST, "a long enough password")
            _, token = await users.issue_token(name)
            headers[name] = {"Authorization": f"Bearer {token}"}
        return headers
    finally:
        await es.close()


async def _tag(settings: Settings, user: str, records: list[str], tags: int, per_tag: int) -> None:
    es = AsyncElasticsearch(settings.es_url, request_timeout=120)
    try:
        teams = TeamStore(es, settings.index_prefix)
        await teams.create("bench-desk", "Bench desk", "bench")
        await teams.set_member("bench-desk", user, "editor")
        store = AnnotationStore(es, settings.index_prefix)
        access = AccessContext(Role.JOURNALIST, user)
        for n in range(tags):
            chosen = records[n * per_tag % len(records) :][:per_tag]
            levels = {i: Level.PUBLIC for i in chosen}
            team = "bench-desk" if n % 2 else None
            fields = {"kind": "tag", "tag": f"bench tag {n}", "team": team, "protected": False}
            await store.add(access, chosen, levels, fields)
    finally:
        await es.close()


def _request_cache(es: Elasticsearch, index: str) -> tuple[int, int]:
    """The node's shard request cache counters over `index`: whether a run's counts were
    served from it."""
    cache = es.indices.stats(index=index, metric="request_cache")["_all"]["total"]
    return cache["request_cache"]["hit_count"], cache["request_cache"]["miss_count"]


def _time(call: Any, runs: int) -> tuple[float, float]:
    for _ in range(20):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--tags", type=int, default=20)
    parser.add_argument("--per-tag", type=int, default=50)
    args = parser.parse_args()
    settings = Settings().model_copy(update={"index_prefix": PREFIX})
    ensure_running(settings)
    es = Elasticsearch(settings.es_url, request_timeout=120)
    _ensure_corpus(es)
    for index in (f"{PREFIX}-teams", f"{PREFIX}-annotations"):
        es.options(ignore_status=404).indices.delete(index=index)
    suffix = str(int(time.time()))
    tagger, plain = f"tagger{suffix}", f"plain{suffix}"
    headers = asyncio.run(_accounts(settings, [tagger, plain]))
    public = es.search(
        index=f"{PREFIX}-records",
        query={"term": {"confidentiality": "public"}},
        size=args.tags * args.per_tag,
        source=False,
    )
    records = [hit["_id"] for hit in public["hits"]["hits"]]
    asyncio.run(_tag(settings, tagger, records, args.tags, args.per_tag))

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)

    access = AccessContext(Role.JOURNALIST, tagger)
    tagged: dict[str, list[str]] = {}
    for n in range(args.tags):
        tagged[f"bench tag {n}"] = records[n * args.per_tag % len(records) :][: args.per_tag]
    chosen = SEARCH | {"tag": ["bench tag 3"]}
    bodies = {
        "facet": build_search(SearchParams.model_validate(SEARCH), access, tagged=tagged),
        "filter": build_search(SearchParams.model_validate(chosen), access, tagged=tagged),
    }
    for body in bodies.values():
        body["query"] = restrict(body["query"], access)
    # The journalist's levels, as the store searches them.
    index = ",".join(f"{PREFIX}-records-{level}" for level in access.visible_levels)
    results: dict[str, Any] = {"runs": args.runs, "tags": args.tags, "per_tag": args.per_tag}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        timings = {
            "api, tags facet": lambda: client.get(
                "/api/search", params=SEARCH, headers=headers[tagger]
            ),
            "api, no tags": lambda: client.get(
                "/api/search", params=SEARCH, headers=headers[plain]
            ),
            "direct, tags facet": lambda: es.search(index=index, **bodies["facet"]),
            "api, tag chosen": lambda: client.get(
                "/api/search", params=chosen, headers=headers[tagger]
            ),
            "direct, tag chosen": lambda: es.search(index=index, **bodies["filter"]),
        }
        for label, call in timings.items():
            before = _request_cache(es, index)
            p50, p95 = _time(call, args.runs)
            hits, misses = (a - b for a, b in zip(_request_cache(es, index), before, strict=True))
            results[label] = {
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "request_cache_hits": hits,
                "request_cache_misses": misses,
            }
            print(
                f"{label:20} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
                f"  request cache {hits} hits, {misses} misses"
            )
    server.should_exit = True
    ratio = results["api, tags facet"]["p50_ms"] / results["direct, tags facet"]["p50_ms"]
    cost = results["api, tags facet"]["p50_ms"] / results["api, no tags"]["p50_ms"]
    chosen_ratio = results["api, tag chosen"]["p50_ms"] / results["direct, tag chosen"]["p50_ms"]
    results |= {
        "ratio_api_over_direct": round(ratio, 2),
        "ratio_tags_over_no_tags": round(cost, 2),
        "ratio_chosen_api_over_direct": round(chosen_ratio, 2),
    }
    print(json.dumps({k: v for k, v in results.items() if k.startswith("ratio")}))
    out = ROOT / "bench" / "results" / "tags-caesar.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
