"""One Caesar-scale load through the job queue with 1, 2 and 4 workers, as ratios to
raw `streaming_bulk` of the same documents in the same run.

    .venv/bin/python -m bench.jobs [--workers 1 2 4] [--part-records 10000]

The Caesar-scale bundle (53,275 photo records) is queued once with
`python -m indexer load --queue`, which splits it into parts of `--part-records`
photographs (`EVIDENCE_JOBS_PART_RECORDS`) and waits for the joined report. For each
worker count, that many `python -m indexer worker` processes (each with
`cores / workers` indexer processes, at least none) take the parts; the time is the
queued command's, from enqueue to report. Baselines in the same run:
`python -m indexer load` of the bundle in one process (no queue), and raw bulk of the
documents the indexer wrote.

Writes `bench/results/jobs.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from rq import Worker

from bench.common import ROOT, corpus
from bench.run import _drop, raw_bulk
from evidence import jobqueue
from evidence.clients import sync_client
from evidence.devnode import ensure_redis, ensure_running
from evidence.settings import Settings

WORK = ROOT / ".demo" / "jobs-bench"
REDIS_DB = 15


def _env(settings: Settings, prefix: str, pool: int) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    return clean | {
        "ELASTICSEARCH_URL": settings.es_url,
        "EVIDENCE_INDEX_PREFIX": prefix,
        "EVIDENCE_REDIS_URL": settings.redis_url,
        "EVIDENCE_UPLOADS_DIR": str(WORK / "uploads"),
        "EVIDENCE_ORIGINALS_DIR": str(WORK / "originals"),
        "EVIDENCE_INDEXER_WORKERS": str(pool),
    }


def _timed_load(env: dict[str, str], bundle: Path, *options: str) -> tuple[float, int]:
    """`python -m indexer load [options] BUNDLE`: seconds, and the records it read."""
    command = ["load", *options, str(bundle), "--report", "/dev/null"]
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "indexer", *command], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(run.stderr[-2000:])
    return seconds, int(run.stdout.split("read ")[1].split(",")[0])


def _rates(es: Elasticsearch, prefix: str, seconds: float, records: int) -> dict[str, Any]:
    raw_seconds = raw_bulk(es, prefix).seconds
    rate, raw_rate = records / seconds, records / raw_seconds
    return {
        "records": records,
        "seconds": round(seconds, 1),
        "records_per_s": round(rate),
        "raw_bulk_records_per_s": round(raw_rate),
        "ratio": round(rate / raw_rate, 2),
    }


def _through_workers(
    settings: Settings, bundle: Path, workers: int, part_records: int
) -> dict[str, Any]:
    prefix = f"jobs{workers}"
    settings = settings.model_copy(update={"index_prefix": prefix})
    es = sync_client(settings, request_timeout=300)
    _drop(es, prefix)
    pool = (os.cpu_count() or 1) // workers
    env = _env(settings, prefix, pool) | {"EVIDENCE_JOBS_PART_RECORDS": str(part_records)}
    connection = jobqueue.connect(settings)
    connection.flushdb()
    queue = jobqueue.job_queue(connection, prefix)
    with ExitStack() as stack:
        for number in range(workers):
            process = subprocess.Popen(
                [sys.executable, "-m", "indexer", "worker", "--name", f"bench-{number}"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            stack.callback(process.wait)
            stack.callback(process.terminate)
        while Worker.count(queue=queue) < workers:
            time.sleep(0.1)
        seconds, records = _timed_load(env, bundle, "--queue")
    parts = sum(row.kind == "load part" for row in jobqueue.list_jobs(queue, {"done"}))
    result = {"workers": workers, "indexer_processes_per_worker": pool, "parts": parts}
    result |= _rates(es, prefix, seconds, records)
    _drop(es, prefix)
    es.close()
    connection.close()
    return result


def _direct(settings: Settings, bundle: Path) -> dict[str, Any]:
    """The bundle by `python -m indexer load` in one process: no queue."""
    prefix = "jobsdirect"
    es = sync_client(settings, request_timeout=300)
    _drop(es, prefix)
    seconds, records = _timed_load(_env(settings, prefix, os.cpu_count() or 1), bundle)
    result = _rates(es, prefix, seconds, records)
    _drop(es, prefix)
    es.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--part-records", type=int, default=10_000)
    args = parser.parse_args()
    base = Settings()
    ensure_running(base)
    ensure_redis(base)
    settings = base.model_copy(
        update={"redis_url": base.redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB}"}
    )
    bundle = corpus("caesar") / "caesar"
    report: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores",
        "bundle": "caesar (53,275 photo records, SYNTHETIC)",
        "part_records": args.part_records,
        "direct_load": _direct(settings, bundle),
        "queued": [_through_workers(settings, bundle, n, args.part_records) for n in args.workers],
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "jobs.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
