"""Indexing through the job queue with 1, 2 and 4 workers, as ratios to raw
`streaming_bulk` of the same documents in the same run.

    .venv/bin/python -m bench.jobs [--workers 1 2 4]

The Caesar-scale photos (53,275 records) are split into four bundles of equal size, as
four uploads would be, and queued as four upload jobs. For each worker count, that many
`python -m indexer worker` processes (each with `cores / workers` indexer processes, at
least none) take them; the time is from the first enqueue to the fourth upload done.
Baselines in the same run: `python -m indexer load` of the four bundles in one process
(no queue), and raw bulk of the documents the indexer wrote. A single bundle is one job
today: more workers help only when there are several jobs.

Writes `bench/results/jobs.json`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from rq import Worker

from bench.common import ROOT, corpus, role_token
from bench.run import _drop, raw_bulk
from evidence import jobqueue
from evidence.access import AccessContext, Role
from evidence.clients import sync_client
from evidence.devnode import ensure_redis, ensure_running
from evidence.indices import ensure_plain_index_sync, uploads_index
from evidence.settings import Settings
from search_api.uploads.jobs import new_upload

PARTS = 4
WORK = ROOT / ".demo" / "jobs-bench"
REDIS_DB = 15


def _split_caesar(uploads: Path) -> list[Path]:
    """Four bundles of the Caesar photos under the upload store, each with the images."""
    source = corpus("caesar") / "caesar"
    with (source / "photos.csv").open(newline="", encoding="utf-8") as rows:
        reader = csv.reader(rows)
        header, body = next(reader), list(reader)
    parts = []
    for number in range(PARTS):
        part = uploads / "bundles" / f"part-{number}"
        if not (part / "photos.csv").is_file():
            shutil.rmtree(part, ignore_errors=True)
            shutil.copytree(source / "media", part / "media", copy_function=os.link)
            (part / "collection.yaml").write_text(
                (source / "collection.yaml")
                .read_text(encoding="utf-8")
                .replace("id: caesar", f"id: caesar-part-{number}"),
                encoding="utf-8",
            )
            with (part / "photos.csv").open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(header)
                writer.writerows(body[number::PARTS])
        parts.append(part)
    return parts


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


def _queue_uploads(es: Elasticsearch, settings: Settings, parts: list[Path]) -> list[str]:
    index = ensure_plain_index_sync(es, uploads_index(settings.index_prefix), "uploads")
    ids = []
    connection = jobqueue.connect(settings)
    for number, part in enumerate(parts):
        upload_id = f"up-{number:016x}"
        owner = AccessContext(Role.ADMIN, "benchadmin")
        name, collection = part.name, f"caesar-part-{number}"
        document = new_upload(owner, name, "0" * 64, 0, part, collection)
        es.index(index=index, id=upload_id, document=document, refresh=True)
        jobqueue.enqueue_upload(settings, connection, upload_id)
        ids.append(upload_id)
    connection.close()
    return ids


def _through_workers(settings: Settings, parts: list[Path], workers: int) -> dict[str, Any]:
    prefix = f"jobs{workers}"
    settings = settings.model_copy(update={"index_prefix": prefix})
    es = sync_client(settings, request_timeout=300)
    _drop(es, prefix)
    pool = (os.cpu_count() or 1) // workers
    connection = jobqueue.connect(settings)
    connection.flushdb()
    queue = jobqueue.job_queue(connection, prefix)
    with ExitStack() as stack:
        for number in range(workers):
            process = subprocess.Popen(
                [sys.executable, "-m", "indexer", "worker", "--name", f"bench-{number}"],
                env=_env(settings, prefix, pool),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            stack.callback(process.wait)
            stack.callback(process.terminate)
        while Worker.count(queue=queue) < workers:
            time.sleep(0.1)
        role_token(_env(settings, prefix, pool), Role.ADMIN)  # the uploads' owner
        started = time.perf_counter()
        ids = _queue_uploads(es, settings, parts)
        index = uploads_index(prefix)
        while True:
            docs = [es.get(index=index, id=upload_id)["_source"] for upload_id in ids]
            if all(doc["status"] in {"done", "failed"} for doc in docs):
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
    assert all(doc["status"] == "done" for doc in docs), docs
    records = sum(doc["read"] for doc in docs)
    raw_seconds, _ = raw_bulk(es, prefix)
    _drop(es, prefix)
    es.close()
    connection.close()
    rate, raw_rate = records / seconds, records / raw_seconds
    return {
        "workers": workers,
        "indexer_processes_per_worker": pool,
        "records": records,
        "seconds": round(seconds, 1),
        "records_per_s": round(rate),
        "raw_bulk_records_per_s": round(raw_rate),
        "ratio": round(rate / raw_rate, 2),
    }


def _direct(settings: Settings, parts: list[Path]) -> dict[str, Any]:
    """The four bundles by `python -m indexer load` in one process: no queue."""
    prefix = "jobsdirect"
    es = sync_client(settings, request_timeout=300)
    _drop(es, prefix)
    env = _env(settings, prefix, os.cpu_count() or 1)
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "indexer", "load", *map(str, parts), "--report", "/dev/null"],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(run.stderr[-2000:])
    records = int(run.stdout.split("read ")[1].split(",")[0])
    raw_seconds, _ = raw_bulk(es, prefix)
    _drop(es, prefix)
    es.close()
    rate, raw_rate = records / seconds, records / raw_seconds
    return {
        "records": records,
        "seconds": round(seconds, 1),
        "records_per_s": round(rate),
        "raw_bulk_records_per_s": round(raw_rate),
        "ratio": round(rate / raw_rate, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    base = Settings()
    ensure_running(base)
    ensure_redis(base)
    settings = base.model_copy(
        update={"redis_url": base.redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB}"}
    )
    parts = _split_caesar(WORK / "uploads")
    report: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores",
        "bundles": PARTS,
        "direct_load": _direct(settings, parts),
        "queued": [_through_workers(settings, parts, n) for n in args.workers],
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "jobs.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
