"""Latency of the main search and of a timeline on the caesar-scale corpus: through the
API, and as the same Elasticsearch body sent directly.

    python -m bench.search_p50 [--runs 200]

Generates and loads the caesar-scale SYNTHETIC corpus under the prefix `benchcaesar`
(once; reused afterwards), serves the app on a loopback port, and times the main
faceted search and the Branch 215 timeline through HTTP, and the identical bodies sent
directly. Prints p50/p95 in milliseconds and their ratio. A quick check, not the full
benchmark suite. Delete the `benchcaesar-*` indices after a mapping change.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import uvicorn
from elasticsearch import Elasticsearch

from evidence.access import PUBLIC_ACCESS, restrict
from evidence.devnode import ensure_running
from evidence.settings import Settings
from indexer.demo import generate
from indexer.load import load_bundle
from search_api.app import create_app
from search_api.params import SearchParams, TimelineParams
from search_api.query import build_search
from search_api.timeline import build_timeline

PREFIX = "benchcaesar"
MAIN_SEARCH: dict[str, Any] = {
    "q": "hospital",
    "type": "photo",
    "date_from": "2012",
    "date_to": "2013",
}
TIMELINE: dict[str, Any] = {"branch": "215", "size": 50}


def _ensure_corpus(es: Elasticsearch) -> None:
    if es.indices.exists_alias(name=f"{PREFIX}-records"):
        return
    root = Path(tempfile.mkdtemp()) / "demo"
    generate(root, scale="caesar", seed=7)
    for name in ("caesar", "atlas", "testimonies", "filings"):
        load_bundle(es, PREFIX, root / name)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49] * 1000, cuts[94] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    settings = Settings().model_copy(update={"index_prefix": PREFIX})
    ensure_running(settings)
    es = Elasticsearch(settings.es_url, request_timeout=120)
    _ensure_corpus(es)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    search_params = {k: [v] if k == "type" else v for k, v in MAIN_SEARCH.items()}
    search_body = build_search(SearchParams.model_validate(search_params), PUBLIC_ACCESS)
    timeline_params = TimelineParams.model_validate({"branch": ["215"], "size": 50})
    timeline_body = build_timeline(timeline_params, PUBLIC_ACCESS)
    cases: list[tuple[str, str, dict[str, Any], str, dict[str, Any]]] = [
        ("main search", "/api/search", MAIN_SEARCH, f"{PREFIX}-records", search_body),
        ("timeline, branch 215", "/api/timeline", TIMELINE, f"{PREFIX}-event", timeline_body),
    ]
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        for label, path, params, index, body in cases:
            body = body | {"query": restrict(body["query"], PUBLIC_ACCESS)}
            for _ in range(20):
                client.get(path, params=params)
                es.search(index=index, **body)
            api, direct = [], []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(path, params=params)
                api.append(time.perf_counter() - started)
                started = time.perf_counter()
                es.search(index=index, **body)
                direct.append(time.perf_counter() - started)
            api_p50, api_p95 = _percentiles(api)
            es_p50, es_p95 = _percentiles(direct)
            print(f"{label} {params} -> {response.json()['total']:,} hits, {runs} runs")
            print(f"  API    p50 {api_p50:6.1f} ms  p95 {api_p95:6.1f} ms")
            print(f"  direct p50 {es_p50:6.1f} ms  p95 {es_p95:6.1f} ms")
            print(f"  ratio  p50 {api_p50 / es_p50:.2f}x")
    server.should_exit = True


if __name__ == "__main__":
    main()
