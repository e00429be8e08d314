"""Three nodes on one machine: kill one while a load and a search loop run.

    .venv/bin/python -m bench.cluster [--scale caesar] [--keep]

Starts three Elasticsearch nodes from the development node's unpacked zip, on loopback
ports, as one cluster; every index gets a replica (`auto_expand_replicas: 0-1`, no
setting changed). Then it loads the caesar bundle of the scale through the indexer CLI
and, at the same time, runs the API against all three nodes with a search loop every
50 ms. A third of the way into the load it SIGKILLs the node the URLs name first.
Afterwards it checks that the index equals the source (counts, and a second load
finding every record unchanged) and reports the search loop's errors and the window
in which they happened. Writes `bench/results/cluster.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
from elasticsearch import Elasticsearch

from bench.common import ROOT, corpus, serve_api
from evidence.devnode import (
    NodeSpec,
    ensure_running,
    launch,
    node_folder,
    stop_node,
    wait_until_answering,
)
from evidence.settings import Settings

PREFIX = "cluster"


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for probe in sockets:
        probe.bind(("127.0.0.1", 0))
    ports = [probe.getsockname()[1] for probe in sockets]
    for probe in sockets:
        probe.close()
    return ports


def _specs(settings: Settings) -> list[NodeSpec]:
    ports = _free_ports(6)
    names = ("c1", "c2", "c3")
    seeds = tuple(f"127.0.0.1:{port}" for port in ports[3:])
    return [
        NodeSpec(
            name=name,
            http_port=ports[n],
            workdir=settings.devnode_dir / "scratch" / f"cluster-{name}",
            cluster="evidence-cluster",
            transport_port=ports[3 + n],
            seed_hosts=seeds,
            initial_masters=names,
        )
        for n, name in enumerate(names)
    ]


def _load_command(root: Path) -> list[str]:
    return [sys.executable, "-m", "indexer", "load", str(root), "--report", os.devnull]


def _search_loop(url: str, stop: threading.Event, log: list[tuple[float, int]]) -> None:
    """GET /api/search every 50 ms; (time, status) for each, 0 for no answer at all."""
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set():
            try:
                status = client.get("/api/search", params={"q": "hospital"}).status_code
            except httpx.HTTPError:
                status = 0
            log.append((time.monotonic(), status))
            time.sleep(0.05)


def run(scale: str, keep: bool) -> dict[str, Any]:
    settings = Settings()
    ensure_running(settings)  # fetches and unpacks the zip the three nodes share
    specs = _specs(settings)
    for spec in specs:
        shutil.rmtree(node_folder(settings, spec), ignore_errors=True)
    started = time.monotonic()
    for spec in specs:
        launch(settings, spec)
    for spec in specs:
        wait_until_answering(settings, spec)
    urls = ",".join(spec.url for spec in specs)
    es = Elasticsearch([spec.url for spec in specs], request_timeout=60, max_retries=3)
    es.cluster.health(wait_for_nodes="3", timeout="120s")
    result: dict[str, Any] = {"nodes": 3, "cluster_up_s": round(time.monotonic() - started, 1)}
    bundle = corpus(scale) / "caesar"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")} | {
        "ELASTICSEARCH_URL": urls,
        "EVIDENCE_INDEX_PREFIX": PREFIX,
    }
    process, api = None, None
    try:
        # The tiny bundle first, so the indices exist before the search loop starts.
        tiny = ROOT / "tests" / "fixtures" / "bundles" / "tiny"
        first = subprocess.run(_load_command(tiny), env=env, capture_output=True, text=True)
        assert first.returncode == 0, first.stderr
        process, api = serve_api(env)
        stop = threading.Event()
        log: list[tuple[float, int]] = []
        searcher = threading.Thread(target=_search_loop, args=(api, stop, log))
        searcher.start()
        loading = subprocess.Popen(
            _load_command(bundle),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        records = sum(1 for _ in (bundle / "photos.csv").open()) - 1
        while es.count(index=f"{PREFIX}-photo")["count"] < records // 3:
            time.sleep(0.2)
        killed_at = time.monotonic()
        stop_node(settings, specs[0], kill=True)
        out, err = loading.communicate(timeout=3600)
        loaded_at = time.monotonic()
        time.sleep(5)
        stop.set()
        searcher.join()
        survivors = Elasticsearch([s.url for s in specs[1:]], request_timeout=60)
        health = survivors.cluster.health(wait_for_status="yellow", timeout="120s")
        survivors.indices.refresh(index=f"{PREFIX}-photo")
        indexed = survivors.count(index=f"{PREFIX}-photo")["count"]
        again = subprocess.run(_load_command(bundle), env=env, capture_output=True, text=True)
        failed = [(at, status) for at, status in log if status != 200]
        result |= {
            "records_in_source": records + 5,
            "load_exit": loading.returncode,
            "load_summary": out.strip().splitlines()[-1] if out.strip() else err[-500:],
            "load_warnings": [line for line in err.splitlines() if "unavailable" in line],
            "photos_indexed_after": indexed,
            "second_load": again.stdout.strip().splitlines()[-1] if again.stdout else again.stderr,
            "nothing_lost": indexed == records + 5
            and f"unchanged {records}, rejected 0" in again.stdout,
            "cluster_after_kill": health["status"],
            "load_seconds_after_kill": round(loaded_at - killed_at, 1),
            "searches": len(log),
            "search_errors": len(failed),
            "search_error_statuses": sorted({status for _, status in failed}),
            "error_window_s": round(failed[-1][0] - failed[0][0], 2) if failed else 0.0,
            "errors_started_after_kill_s": round(failed[0][0] - killed_at, 2) if failed else None,
        }
        survivors.close()
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        es.close()
        if not keep:
            for spec in specs:
                stop_node(settings, spec, kill=True)
                shutil.rmtree(node_folder(settings, spec), ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "caesar"], default="caesar")
    parser.add_argument("--keep", action="store_true", help="Leave the three nodes running.")
    args = parser.parse_args()
    result = run(args.scale, args.keep)
    out = ROOT / "bench" / "results" / "cluster.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if not result["nothing_lost"]:
        raise SystemExit("records were lost")


if __name__ == "__main__":
    main()
