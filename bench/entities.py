"""Facility, person and case pages through the HTTP API against the same Elasticsearch
requests sent directly, in the same run.

    .venv/bin/python -m bench.entities [--scale caesar|large] [--runs 30] [--skip-load]

The requests a page sends are what the API itself sent: each page is read once through
an API process whose node address is a recording proxy, which notes every request it
forwards. The reads among them (searches, counts, gets) are then sent straight to the
node in the same order, and timed against the page read through a second API process
that talks to the node directly: the ratio is the cost of the API (token, audit,
shaping, rendering the JSON) over its aggregations. A scan's point in time is opened,
read and closed again in the replay, each request carrying the new point's id.

Writes `bench/results/entities-<scale>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import httpx2 as httpx
from elasticsearch import Elasticsearch

from bench.common import load_corpus, role_token, serve_api, write_result
from evidence.access import Role
from evidence.devnode import ensure_running
from evidence.settings import Settings

READS = ("/_search", "/_count", "/_mget", "/_msearch", "/_pit")
# Who is asking and the audit trail: the API's fixed cost of every read, not the page's.
FIXED = ("-users/", "-sessions/", "-audit/")
# Method, target, body, headers, and the answer when it opened a point in time.
Sent = tuple[str, str, bytes, dict[str, str], bytes]


class Recorder:
    """A loopback proxy to the node that keeps the requests forwarded while `on`."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.on = False
        self.requests: list[Sent] = []
        recorder = self

        class Forward(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {
                    name: value
                    for name in ("Content-Type", "Accept")
                    if (value := self.headers.get(name))
                }
                answer = recorder.client.request(
                    self.command, recorder.upstream + self.path, content=body, headers=headers
                )
                if recorder.on:
                    opened = answer.content if "/_pit?" in self.path else b""
                    recorder.requests.append((self.command, self.path, body, headers, opened))
                self.send_response(answer.status_code)
                for name in ("Content-Type", "X-Elastic-Product"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the bench prints its own figures."""

        self.client = httpx.Client(timeout=120)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def record(self, read: Callable[[], httpx.Response]) -> list[Sent]:
        self.requests, self.on = [], True
        try:
            response = read()
            response.raise_for_status()
        finally:
            self.on = False
        return self.requests


def _pit_id(answer: bytes) -> bytes:
    return str(json.loads(answer)["id"]).encode()


def _get(client: httpx.Client, path: str) -> httpx.Response:
    return client.get(path)


def _p50_ms(timings: list[float]) -> float:
    return round(statistics.median(timings) * 1000, 2)


def _timed(runs: int, call: Callable[[], object]) -> list[float]:
    call()  # warm
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return timings


def _pages(api: httpx.Client) -> dict[str, str]:
    """One address per kind of page, the busiest of each: the person named most often,
    Branch 215, and the case with the most filings."""
    top_person = api.get("/api/persons").json()["persons"][0]["key"]
    person = api.get(f"/api/persons/{top_person}").json()
    case_no = max(person["cases"], key=lambda c: c["filings"])["case_no"] if person["cases"] else ""
    pages = {
        "persons index": "/api/persons",
        "person page": f"/api/persons/{top_person}",
        "facilities index": "/api/facilities",
        "facility page": "/api/facilities/branch-215",
    }
    if case_no:
        pages["case page"] = f"/api/cases/{quote(case_no)}"
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "caesar", "large"], default="caesar")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--role", choices=[r.value for r in Role], default="journalist")
    parser.add_argument("--skip-load", action="store_true", help="Reuse an earlier run's.")
    args = parser.parse_args()
    settings = Settings()
    ensure_running(settings)
    prefix = f"benchentities{args.scale}"
    env = os.environ | {
        "ELASTICSEARCH_URL": settings.es_url,
        "EVIDENCE_INDEX_PREFIX": prefix,
        "EVIDENCE_VECTORS": "false",
        "EVIDENCE_SECRET_KEY": "bench-secret-key-0123456789",
    }
    report: dict[str, Any] = {
        "scale": args.scale,
        "role": args.role,
        "runs": args.runs,
        "machine": f"{os.cpu_count()} cores",
    }
    es = Elasticsearch(settings.es_url, request_timeout=120)
    if not args.skip_load:
        names = list(es.indices.get(index=f"{prefix}-*", expand_wildcards="all"))
        if names:
            es.indices.delete(index=",".join(names))
        started = time.perf_counter()
        loaded = load_corpus(env, args.scale)
        if loaded.returncode != 0:
            raise SystemExit(loaded.stderr[-2000:])
        report["load_s"] = round(time.perf_counter() - started)
    report["records"] = es.count(index=f"{prefix}-records")["count"]
    es.close()
    headers = role_token(env, Role(args.role))
    recorder = Recorder(settings.es_url)
    recorded_api, recorded_url = serve_api(env | {"ELASTICSEARCH_URL": recorder.url})
    direct_api, api_url = serve_api(env)
    # Kept-alive connections on both sides, as the API keeps its own to the node.
    node = httpx.Client(base_url=settings.es_url, timeout=120)
    api = httpx.Client(base_url=api_url, headers=headers, timeout=120)
    recording = httpx.Client(base_url=recorded_url, headers=headers, timeout=120)
    try:
        results: dict[str, Any] = {}
        for name, path in _pages(api).items():
            sent = recorder.record(partial(_get, recording, path))
            reads = [
                r
                for r in sent
                if any(k in r[1].split("?")[0] for k in READS) and not any(k in r[1] for k in FIXED)
            ]

            def replay(reads: list[Sent] = reads) -> None:
                renamed: dict[bytes, bytes] = {}
                for method, target, body, headers, opened in reads:
                    for old, new in renamed.items():
                        body = body.replace(old, new)
                    answer = node.request(method, target, content=body, headers=headers)
                    answer.raise_for_status()
                    if opened:
                        renamed[_pit_id(opened)] = _pit_id(answer.content)

            through_api = _timed(args.runs, partial(_get, api, path))
            row: dict[str, Any] = {
                "path": path,
                "requests": len(sent),
                "reads": len(reads),
                "api_p50_ms": _p50_ms(through_api),
            }
            direct = _timed(args.runs, replay)
            row["direct_p50_ms"] = _p50_ms(direct)
            row["ratio"] = round(row["api_p50_ms"] / row["direct_p50_ms"], 2)
            results[name] = row
            print(name, row, file=sys.stderr)
        report["pages"] = results
    finally:
        for process in (recorded_api, direct_api):
            process.terminate()
            process.wait(timeout=30)
        recorder.server.shutdown()
        for client in (node, api, recording):
            client.close()
    write_result(f"entities-{args.scale}", report)


if __name__ == "__main__":
    main()
