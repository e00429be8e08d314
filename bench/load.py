"""A bounded load test on loopback: many clients mixing searches, record views,
timelines and exports against the API for a fixed time; every error counted.

    .venv/bin/python -m bench.load [--scale caesar] [--clients 32] [--seconds 60]

Loads the demo corpus of the scale under the prefix `load<scale>` if it is not there
yet, serves the API as its own process, and prints throughput, p50/p95 per kind and
the errors; writes `bench/results/load-<scale>.json`.
`tests/integration/test_load.py` runs a short version in CI with the same code.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
from elasticsearch import Elasticsearch

from bench.common import ROOT, load_corpus, role_token, serve_api
from evidence.access import Role
from evidence.devnode import ensure_running
from evidence.settings import Settings

QUERIES = ["hospital", "مشفى تشرين", '"palestine branch"', "wrists", "saydnaya", "torture"]
FILTERS = [{}, {"type": "photo"}, {"branch": "215"}, {"collection": "caesar"}]
# The mix a newsroom makes: mostly searches and record pages, some timelines, few exports.
MIX = {"search": 50, "record": 25, "timeline": 15, "export": 10}


@dataclass
class LoadResult:
    clients: int
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + sum(self.errors.values())

    def summary(self) -> dict[str, Any]:
        def p(samples: list[float], q: int) -> float:
            if len(samples) < 2:
                return round(samples[0] * 1000, 1) if samples else 0.0
            return round(statistics.quantiles(samples, n=100)[q - 1] * 1000, 1)

        every = [s for samples in self.latencies.values() for s in samples]
        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 1),
            "requests": self.requests,
            "throughput_per_s": round(self.requests / self.seconds, 1),
            "errors": dict(self.errors),
            "p50_ms": p(every, 50),
            "p95_ms": p(every, 95),
            "by_kind": {
                kind: {"count": len(s), "p50_ms": p(s, 50), "p95_ms": p(s, 95)}
                for kind, s in sorted(self.latencies.items())
            },
        }


def _one(client: httpx.Client, kind: str, rng: random.Random, record_ids: list[str]) -> None:
    if kind == "search":
        params = {"q": rng.choice(QUERIES), **rng.choice(FILTERS)}
        client.get("/api/search", params=params).raise_for_status()
    elif kind == "record":
        client.get(f"/api/records/{rng.choice(record_ids)}").raise_for_status()
    elif kind == "timeline":
        client.get("/api/timeline", params={"branch": "215"}).raise_for_status()
    else:
        params = {"q": rng.choice(QUERIES), "format": "ndjson"}
        with client.stream("GET", "/api/export", params=params) as response:
            response.raise_for_status()
            for _ in response.iter_lines():
                pass


def run_load(
    base_url: str, clients: int, seconds: float, headers: list[dict[str, str]], seed: int = 7
) -> LoadResult:
    """`clients` threads, each with its own connection and one of `headers` in turn
    (public, or a bearer token), sending the mix until `seconds` have passed."""
    with httpx.Client(base_url=base_url, timeout=60) as probe:
        hits = probe.get("/api/search", params={"size": 100}).json()["hits"]
    record_ids = [hit["stable_id"] for hit in hits]
    result = LoadResult(clients, seconds)
    lock = threading.Lock()
    kinds, weights = zip(*MIX.items(), strict=True)
    deadline = time.monotonic() + seconds

    def worker(number: int) -> None:
        rng = random.Random(seed + number)
        local: dict[str, list[float]] = {}
        errors: Counter[str] = Counter()
        with httpx.Client(
            base_url=base_url, timeout=60, headers=headers[number % len(headers)]
        ) as client:
            while time.monotonic() < deadline:
                kind = rng.choices(kinds, weights)[0]
                started = time.perf_counter()
                try:
                    _one(client, kind, rng, record_ids)
                except httpx.HTTPStatusError as error:
                    errors[f"{kind}: HTTP {error.response.status_code}"] += 1
                    continue
                except httpx.HTTPError as error:
                    errors[f"{kind}: {type(error).__name__}"] += 1
                    continue
                local.setdefault(kind, []).append(time.perf_counter() - started)
        with lock:
            for kind, samples in local.items():
                result.latencies.setdefault(kind, []).extend(samples)
            result.errors.update(errors)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "caesar", "large"], default="caesar")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    settings = Settings()
    ensure_running(settings)
    prefix = f"load{args.scale}"
    env = os.environ | {"ELASTICSEARCH_URL": settings.es_url, "EVIDENCE_INDEX_PREFIX": prefix}
    with Elasticsearch(settings.es_url) as es:
        loaded = es.indices.exists_alias(name=f"{prefix}-records")
    if not loaded and load_corpus(env, args.scale).returncode != 0:
        raise SystemExit("loading the corpus failed")
    process, url = serve_api(env)
    try:
        headers = [{}, role_token(env, Role.JOURNALIST)]
        result = run_load(url, args.clients, args.seconds, headers)
    finally:
        process.terminate()
        process.wait(timeout=30)
    summary = result.summary()
    out = ROOT / "bench" / "results" / f"load-{args.scale}.json"
    out.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(json.dumps(summary, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
