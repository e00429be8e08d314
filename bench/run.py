"""The benchmark: indexing throughput and request latency, as ratios to raw Elasticsearch
measured in the same run on the same machine.

    .venv/bin/python -m bench.run --scale caesar [--runs 100] [--role journalist]

1. Indexing: `python -m indexer load` of the demo bundles, end to end, against
   `helpers.streaming_bulk` of the same final documents (records and their timeline
   events, read back from what the indexer wrote, passage vectors included) into fresh
   indices with the same mappings. The corpus is generated before the clock starts.
   Peak RSS of the indexer process.
2. Requests through the HTTP API (a separate `python -m search_api serve` process) and
   the same Elasticsearch bodies sent directly: p50, p95, p99, with 1 client and with
   8 concurrent clients. Peak RSS of the API process after a full export.

Writes `bench/results/<scale>.json` and `bench/results/<scale>.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import httpx2 as httpx
from elasticsearch import Elasticsearch, helpers
from redis import Redis

from bench.common import ROOT, corpus, load_corpus, role_token, serve_api
from evidence.access import AccessContext, Role, restrict
from evidence.clients import sync_client
from evidence.devnode import ensure_running
from evidence.indices import (
    INDEX_KINDS,
    Partitions,
    audit_index,
    new_generation,
    type_alias,
    users_index,
)
from evidence.settings import Settings
from search_api.accounts.revocations import generation_key
from search_api.accounts.security import hash_token
from search_api.cursor import decode_cursor, search_key
from search_api.params import SearchParams, Sort, TimelineParams
from search_api.query import build_search
from search_api.record_service import RECORD_EXCLUDES, link_queries, links_body
from search_api.service import EXPORT_FIELDS
from search_api.store import by_id
from search_api.timeline import build_timeline

SECRET = "bench-secret-key-0123456789"


def _drop(es: Elasticsearch, prefix: str) -> None:
    names = list(es.indices.get(index=f"{prefix}-*", expand_wildcards="all"))
    if names:
        es.indices.delete(index=",".join(names))


class RawBulk(NamedTuple):
    seconds: float
    documents: int
    vectors: int  # passage vectors among them: raw bulk builds the same vector graphs


def raw_bulk(es: Elasticsearch, prefix: str) -> RawBulk:
    """Seconds to `streaming_bulk` the same final documents the indexer wrote under
    `prefix` (records and timeline events, read back untimed) into fresh indices with
    the same mappings, and how many documents and passage vectors that was."""
    raw_prefix = prefix + "raw"
    _drop(es, raw_prefix)
    targets = Partitions(es, raw_prefix, new_generation(), live=False, bulk_load=False)
    actions: list[dict[str, Any]] = [
        {
            "_index": targets.index_for(kind, hit["_source"]["confidentiality"]),
            "_id": hit["_id"],
            "_source": hit["_source"],
        }
        for kind in INDEX_KINDS
        if es.indices.exists_alias(name=type_alias(prefix, kind))  # a photo-only load
        # With their vectors: the node leaves them out of `_source` unless asked, and
        # without them raw bulk would skip the vector graphs the indexer's load builds.
        for hit in helpers.scan(
            es, index=type_alias(prefix, kind), size=5000, source_exclude_vectors=False
        )
    ]
    started = time.perf_counter()
    for ok, item in helpers.streaming_bulk(
        es, actions, chunk_size=500, max_chunk_bytes=20 * 1024 * 1024
    ):
        assert ok, item
    es.indices.refresh(index=",".join(targets.indices.values()))
    seconds = time.perf_counter() - started
    _drop(es, raw_prefix)
    vectors = sum(
        "vector" in passage
        for action in actions
        for passage in [
            *action["_source"].get("passages", []),
            *action["_source"].get("protected", {}).get("passages", []),
        ]
    )
    return RawBulk(seconds, len(actions), vectors)


def bench_indexing(settings: Settings, scale: str, prefix: str) -> dict[str, Any]:
    es = sync_client(settings, request_timeout=300)  # the indexer's own serializer too
    _drop(es, prefix)
    env = os.environ | {"ELASTICSEARCH_URL": settings.es_url, "EVIDENCE_INDEX_PREFIX": prefix}
    corpus(scale)  # generated once, untimed
    started = time.perf_counter()
    run = load_corpus(env, scale)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if run.returncode != 0:
        raise SystemExit(f"indexer failed: {run.stderr[-2000:]}")
    records = int(run.stdout.split("read ")[1].split(",")[0])

    raw = raw_bulk(es, prefix)
    es.close()
    rate, raw_rate = records / seconds, records / raw.seconds
    return {
        "records": records,
        "documents_with_events": raw.documents,
        "passage_vectors": raw.vectors,
        "end_to_end_s": round(seconds, 1),
        "end_to_end_records_per_s": round(rate),
        "raw_bulk_s": round(raw.seconds, 1),
        "raw_bulk_records_per_s": round(raw_rate),
        "ratio": round(rate / raw_rate, 2),
        "indexer_peak_rss_mib": round(peak_kib / 1024),
    }


def _percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {
        "p50": round(cuts[49] * 1000, 1),
        "p95": round(cuts[94] * 1000, 1),
        "p99": round(cuts[98] * 1000, 1),
    }


def _timed(
    call: Callable[[], Any], runs: int, clients: int, before: Callable[[], Any] | None = None
) -> dict[str, float]:
    """Percentiles of `runs` calls from `clients` threads; `before` runs untimed before
    each call."""

    def one(_: int) -> float:
        if before is not None:
            before()
        started = time.perf_counter()
        call()
        return time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return _percentiles(list(pool.map(one, range(runs))))


def _rss_peak_mib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def _scan_count(es: Elasticsearch, index: str, body: dict[str, Any]) -> int:
    """What the API's export does, sent directly: a point in time, pages of 1,000."""
    pit = es.open_point_in_time(index=index, keep_alive="1m")["id"]
    rows, after = 0, None
    while True:
        page = es.search(
            pit={"id": pit, "keep_alive": "1m"},
            query=body["query"],
            sort=body["sort"],
            size=1000,
            track_total_hits=False,
            source_includes=EXPORT_FIELDS,
            **({"search_after": after} if after else {}),
        )
        hits = page["hits"]["hits"]
        rows += len(hits)
        if len(hits) < 1000:
            es.close_point_in_time(id=pit)
            return rows
        after = hits[-1]["sort"]


def _fixed_costs(
    es: Elasticsearch, client: httpx.Client, settings: Settings, prefix: str, runs: int
) -> dict[str, float]:
    """What an API read may pay besides its own queries, each timed alone (p50, ms): the
    HTTP round trip to the app, the bearer-token search (only when the process has not
    verified the token under the current revocation generation), the generation's read
    (every request), and the audit event's write."""
    token = client.headers.get("authorization", "").removeprefix("Bearer ")
    one_event: list[dict[str, Any]] = [
        {"create": {"_index": audit_index(prefix)}},
        {"action": "bench.probe"},
    ]
    generations = Redis.from_url(settings.redis_url)
    probes = {
        "http_static_file": lambda: client.get("/static/style.css").raise_for_status(),
        "token_lookup": lambda: es.options(ignore_status=404).search(
            index=users_index(prefix), query={"term": {"tokens.hash": hash_token(token)}}, size=1
        ),
        "audit_write": lambda: es.bulk(operations=one_event),
        "revocation_generation": lambda: generations.get(generation_key(prefix)),
    }
    with generations:
        return {name: _timed(probe, runs, 1)["p50"] for name, probe in probes.items()}


def bench_requests(settings: Settings, prefix: str, runs: int, role: Role) -> dict[str, Any]:
    es = Elasticsearch(settings.es_url, request_timeout=120)
    records, events = f"{prefix}-records", f"{prefix}-event"
    access = AccessContext(role)
    env = os.environ | {
        "ELASTICSEARCH_URL": settings.es_url,
        "EVIDENCE_INDEX_PREFIX": prefix,
        "EVIDENCE_SECRET_KEY": SECRET,
    }
    process, url = serve_api(env)
    client = httpx.Client(base_url=url, timeout=120, headers=role_token(env, role))
    try:

        def search(asked: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
            # By words: this compares keyword search with its own body sent directly
            # (bench.semantic measures the meaning modes).
            params = asked | {"mode": "keyword"}
            model = SearchParams.model_validate(
                {
                    k: v if k in {"q", "date_from", "date_to", "size", "sort", "mode"} else [v]
                    for k, v in params.items()
                }
            )
            body = build_search(model, access)
            body["query"] = restrict(body["query"], access)
            return (
                lambda: client.get("/api/search", params=params).raise_for_status(),
                lambda: es.search(index=records, **body),
            )

        cases: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
            "free text": search({"q": "hospital"}),
            "Arabic text": search({"q": "مشفى تشرين"}),
            "five facets": search(
                {
                    "collection": "caesar",
                    "type": "photo",
                    "branch": "215",
                    "hospital": "hospital-601",
                    "identification": "unidentified",
                }
            ),
            "date range": search({"date_from": "2012-03", "date_to": "2012-06"}),
            # The deep page's own first page: every match counted and aggregated.
            "first page in date order": search({"size": 100, "sort": "date_asc"}),
        }
        # A page past result 10,000: walk there once, then time that page.
        deep: dict[str, Any] = {"size": 100, "sort": "date_asc"}
        while True:
            page = client.get("/api/search", params=deep).json()
            if not page["next_cursor"]:
                break  # a corpus smaller than 10,000: its last page stands in
            deep = deep | {"cursor": page["next_cursor"]}
            if page["offset"] + 100 >= 10_000:
                break
        key = search_key(
            "SearchParams"
            + SearchParams.model_validate({"size": 100, "sort": "date_asc"})
            .without_cursor()
            .model_dump_json()
        )
        cursor = decode_cursor(deep["cursor"], SECRET, key)
        # What the API sends for a later page: no aggregation, no count (the total rides
        # in the cursor).
        deep_body = build_search(
            SearchParams(size=100, sort=Sort.DATE_ASC),
            access,
            after=cursor.after,
            with_aggregations=False,
        ) | {"track_total_hits": False}
        deep_body["query"] = restrict(deep_body["query"], access)
        cases["deep page past 10,000"] = (
            lambda: client.get("/api/search", params=deep).raise_for_status(),
            lambda: es.search(index=records, **deep_body),
        )
        timeline = build_timeline(TimelineParams(branch=["215"]), access)
        timeline["query"] = restrict(timeline["query"], access)
        cases["timeline"] = (
            lambda: client.get("/api/timeline", params={"branch": "215"}).raise_for_status(),
            lambda: es.search(index=events, **timeline),
        )
        photo: dict[str, Any] = {"type": "photo", "size": 1, "collection": "caesar"}
        hit = client.get("/api/search", params=photo).json()["hits"][0]["stable_id"]
        # A photo with every kind of link: the same two msearch rounds the API sends.
        first = [by_id(hit, RECORD_EXCLUDES), links_body({"term": {"cites_ids": hit}})]
        source = es.search(index=records, **first[0])["hits"]["hits"][0]["_source"]
        second = list(link_queries(hit, source).values())

        def record_direct() -> None:
            for bodies in (first, second):
                searches = []
                for body in bodies:
                    searches += [{}, body | {"query": restrict(body["query"], access)}]
                es.msearch(index=records, searches=searches)

        cases["record with links"] = (
            lambda: client.get(f"/api/records/{hit}").raise_for_status(),
            record_direct,
        )
        # A first page's count and aggregations are a request the node caches, so the
        # API's repeats of one search are warm; these are also timed with every cache of
        # the node's requests emptied before each run (1 client).
        cold_cases = {"free text", "five facets", "date range", "first page in date order"}

        def empty_caches() -> None:
            es.indices.clear_cache(index=f"{prefix}-*", request=True)

        results: dict[str, Any] = {}
        for name, (api, direct) in cases.items():
            for _ in range(10):
                api()
                direct()
            row: dict[str, Any] = {}
            for clients in (1, 8):
                row[f"api_{clients}"] = _timed(api, runs, clients)
                row[f"direct_{clients}"] = _timed(direct, runs, clients)
                row[f"ratio_p50_{clients}"] = round(
                    row[f"api_{clients}"]["p50"] / row[f"direct_{clients}"]["p50"], 2
                )
            if name in cold_cases:
                row["api_1_cold"] = _timed(api, runs, 1, empty_caches)
                row["direct_1_cold"] = _timed(direct, runs, 1, empty_caches)
                row["ratio_p50_1_cold"] = round(
                    row["api_1_cold"]["p50"] / row["direct_1_cold"]["p50"], 2
                )
            results[name] = row
        # Against its first page as a reader first meets it: nothing cached.
        results["deep page to its first page, API p50"] = round(
            results["deep page past 10,000"]["api_1"]["p50"]
            / results["first page in date order"]["api_1_cold"]["p50"],
            2,
        )
        results["fixed costs"] = _fixed_costs(es, client, settings, prefix, runs)
        before = _rss_peak_mib(process.pid)
        started = time.perf_counter()
        with client.stream("GET", "/api/export", params={"type": "photo"}) as response:
            rows = sum(1 for _ in response.iter_lines()) - 1
        seconds = time.perf_counter() - started
        export_body = build_search(SearchParams(type=["photo"]), access, with_aggregations=False)
        export_body["query"] = restrict(export_body["query"], access)
        started = time.perf_counter()
        direct_rows = _scan_count(es, records, export_body)
        direct_seconds = time.perf_counter() - started
        results["export"] = {
            "rows": rows,
            "seconds": round(seconds, 1),
            "rows_per_s": round(rows / seconds),
            "direct_rows": direct_rows,
            "direct_rows_per_s": round(direct_rows / direct_seconds),
            "ratio": round((rows / seconds) / (direct_rows / direct_seconds), 2),
            "api_peak_rss_mib_before": before,
            "api_peak_rss_mib_after": _rss_peak_mib(process.pid),
        }
        return results
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=30)
        es.close()


def _markdown(scale: str, report: dict[str, Any]) -> str:
    index = report["indexing"]
    lines = [
        f"# Benchmark, {scale} scale",
        "",
        f"Indexing {index['records']:,} records: end to end {index['end_to_end_records_per_s']:,}"
        f" records/s, raw bulk of the same documents (with their {index['passage_vectors']:,}"
        f" passage vectors) {index['raw_bulk_records_per_s']:,}"
        f" records/s, ratio **{index['ratio']}**; indexer peak RSS"
        f" {index['indexer_peak_rss_mib']} MiB.",
        "",
        f"Requests as the {report['role']} role:",
        "",
        "| request | API p50/p95/p99 (1 client) | direct p50/p95/p99 | ratio p50 "
        "| API p50/p95 (8 clients) | direct p50/p95 (8) | ratio p50 (8) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in report["requests"].items():
        if not isinstance(row, dict) or name in {"export", "fixed costs"}:
            continue
        a1, d1, a8, d8 = row["api_1"], row["direct_1"], row["api_8"], row["direct_8"]
        lines.append(
            f"| {name} | {a1['p50']}/{a1['p95']}/{a1['p99']} ms | {d1['p50']}/{d1['p95']}/"
            f"{d1['p99']} ms | {row['ratio_p50_1']} | {a8['p50']}/{a8['p95']} ms | "
            f"{d8['p50']}/{d8['p95']} ms | {row['ratio_p50_8']} |"
        )
    export = report["requests"]["export"]
    fixed = report["requests"]["fixed costs"]
    lines += [
        "",
        "The same first pages with the node's request caches emptied before each run (1 client):",
        "",
        "| request | API p50/p95/p99 | direct p50/p95/p99 | ratio p50 |",
        "|---|---|---|---|",
    ]
    for name, row in report["requests"].items():
        if isinstance(row, dict) and "api_1_cold" in row:
            a, d = row["api_1_cold"], row["direct_1_cold"]
            lines.append(
                f"| {name} | {a['p50']}/{a['p95']}/{a['p99']} ms | {d['p50']}/{d['p95']}/"
                f"{d['p99']} ms | {row['ratio_p50_1_cold']} |"
            )
    lines += [
        "",
        "The page past 10,000 against its own first page (with the caches emptied), API p50"
        " with 1 client:"
        f" {report['requests']['deep page to its first page, API p50']}.",
        "",
        f"Fixed costs of every API read, p50 timed alone: HTTP round trip to the app"
        f" {fixed['http_static_file']} ms, bearer-token search {fixed['token_lookup']} ms"
        f" (once a process and revocation generation), revocation generation read"
        f" {fixed['revocation_generation']} ms, audit write {fixed['audit_write']} ms.",
        "",
        f"Export: {export['rows']:,} rows in {export['seconds']} s "
        f"({export['rows_per_s']:,} rows/s; the same pages fetched directly"
        f" {export['direct_rows_per_s']:,} rows/s, ratio {export['ratio']});"
        f" API peak RSS {export['api_peak_rss_mib_before']}"
        f" MiB before, {export['api_peak_rss_mib_after']} MiB after.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "caesar", "large"], default="caesar")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument(
        "--role",
        choices=[r.value for r in Role],
        default=Role.JOURNALIST.value,
        help="Who sends the requests (default: a journalist, with a bearer token).",
    )
    parser.add_argument(
        "--requests-only",
        metavar="PREFIX",
        help="Time the requests against a corpus of this scale already loaded under PREFIX "
        "(no indexing figures; written to bench/results/<scale>-requests.json).",
    )
    args = parser.parse_args()
    settings = Settings()
    ensure_running(settings)
    started = time.perf_counter()
    prefix = args.requests_only or f"bench{args.scale}"
    report: dict[str, Any] = {"scale": args.scale, "machine": f"{os.cpu_count()} cores"}
    if not args.requests_only:
        report["indexing"] = bench_indexing(settings, args.scale, prefix)
    report["role"] = args.role
    report["requests"] = bench_requests(settings, prefix, args.runs, Role(args.role))
    report["total_s"] = round(time.perf_counter() - started)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    if args.requests_only:
        text = json.dumps(report, indent=2, ensure_ascii=False)
        (out / f"{args.scale}-requests.json").write_text(text + "\n", encoding="utf-8")
        print(text)
        return
    (out / f"{args.scale}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (out / f"{args.scale}.md").write_text(_markdown(args.scale, report), encoding="utf-8")
    print(_markdown(args.scale, report))


if __name__ == "__main__":
    main()
