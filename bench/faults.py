"""The API while its Elasticsearch node is down: how long each 503 takes, and how long
the API needs to serve again once the node is back.

    .venv/bin/python -m bench.faults [--rounds 5]

Starts a scratch node from the development node's unpacked zip on a free loopback port,
loads the tiny test bundle into it, and serves the API against it as its own process.
Each round SIGKILLs the node, times one request to each of `PATHS` (the status is
recorded with the time: a 503 is expected), restarts the node, and times the API from
the moment the node answers to its first 200 on `/api/search` (the node answers a few
seconds before its primaries are back). Reported, not asserted: the behaviour (a 503,
not a hang; recovery without a restart) is `tests/integration/test_faults.py`.
Writes `bench/results/faults.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import time
from typing import Any

import httpx2 as httpx
from elasticsearch import Elasticsearch

from bench.common import ROOT, serve_api
from evidence.devnode import NodeSpec, ensure_running, node_folder, start_node, stop_node
from evidence.settings import Settings
from indexer.load import load_bundle

PREFIX = "benchfaults"
TINY = ROOT / "tests" / "fixtures" / "bundles" / "tiny"
# What a reader hits first: the search, the timeline, the health check, the search page.
PATHS = ("/api/search?q=wrists", "/api/timeline", "/healthz", "/")
GIVE_UP_S = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _timed(client: httpx.Client, path: str) -> tuple[float, int | str]:
    """Milliseconds and the status, or the client error's name when there was no answer."""
    started = time.perf_counter()
    try:
        status: int | str = client.get(path).status_code
    except httpx.HTTPError as error:
        status = type(error).__name__
    return round((time.perf_counter() - started) * 1000, 1), status


def _round(client: httpx.Client, settings: Settings, spec: NodeSpec) -> dict[str, Any]:
    client.get("/api/search").raise_for_status()  # connections warm, as in production
    stop_node(settings, spec, kill=True)
    down = {path: _timed(client, path) for path in PATHS}
    started = time.perf_counter()
    start_node(settings, spec)
    answered = time.perf_counter()
    while client.get("/api/search").status_code != 200:
        if time.perf_counter() - answered > GIVE_UP_S:
            raise SystemExit(f"the API did not serve again within {GIVE_UP_S} s")
        time.sleep(0.05)
    return {
        "down": down,
        "node_restart_s": round(answered - started, 1),
        "api_after_node_s": round(time.perf_counter() - answered, 2),
    }


def run(rounds: int) -> dict[str, Any]:
    settings = Settings()
    ensure_running(settings)  # fetches and unpacks the zip the scratch node runs from
    spec = NodeSpec(
        name="benchfaults",
        http_port=_free_port(),
        workdir=settings.devnode_dir / "scratch" / "bench-faults",
        cluster="evidence-bench-faults",
    )
    shutil.rmtree(node_folder(settings, spec), ignore_errors=True)
    start_node(settings, spec)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")} | {
        "ELASTICSEARCH_URL": spec.url,
        "EVIDENCE_INDEX_PREFIX": PREFIX,
    }
    process = None
    try:
        with Elasticsearch(spec.url) as es:
            load_bundle(es, PREFIX, TINY)
        process, url = serve_api(env)
        with httpx.Client(base_url=url, timeout=GIVE_UP_S) as client:
            done = [_round(client, settings, spec) for _ in range(rounds)]
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        stop_node(settings, spec, kill=True)
        shutil.rmtree(node_folder(settings, spec), ignore_errors=True)
    return {
        "machine": f"{os.cpu_count()} cores",
        "rounds": rounds,
        "down_ms": {
            path: {
                "median": round(statistics.median(r["down"][path][0] for r in done), 1),
                "max": max(r["down"][path][0] for r in done),
                "statuses": sorted({str(r["down"][path][1]) for r in done}),
            }
            for path in PATHS
        },
        "api_after_node_s": {
            "median": round(statistics.median(r["api_after_node_s"] for r in done), 2),
            "max": max(r["api_after_node_s"] for r in done),
        },
        "node_restart_s": round(statistics.median(r["node_restart_s"] for r in done), 1),
        "runs": done,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    result = run(args.rounds)
    out = ROOT / "bench" / "results" / "faults.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
