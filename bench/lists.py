"""List search: a 10,000-name roster run as the list job runs it, against the same
`_msearch` bodies sent directly, in the same run.

    .venv/bin/python -m bench.lists [--scale caesar|large] [--entries 10000] [--skip-load]

1. The corpus of `--scale` is loaded (without vectors: a list searches by words) under
   its own prefix, unless `--skip-load`.
2. The roster: SYNTHETIC names from the demo's banks, in Arabic and in every Latin
   spelling, with a few branches and numbers, as many as `--entries`.
3. The list job (`search_api.lists.run.run_list`, as a journalist, with its batches,
   result shaping, result writes, progress and audit) over the roster: entries/s.
4. Raw: the same bodies (`entry_body` with the access filter the store adds) sent by the
   raw async client in the same batches of 100, reading nothing back: entries/s.

Writes `bench/results/lists-<scale>.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch

from bench.common import ROOT, load_corpus
from bench.run import _drop
from evidence.access import AccessContext, Role
from evidence.devnode import ensure_running
from evidence.indices import list_searches_index, records_alias
from evidence.settings import Settings
from indexer.demo.names import FAMILY, FEMALE, MALE
from search_api.audit import Auditor
from search_api.lists.roster import Entry, Kind, guess_kind
from search_api.lists.run import BATCH, entry_body, run_list
from search_api.lists.store import ListStore, now
from search_api.paging import COMPLETE
from search_api.store import Store, secured


def roster(count: int) -> list[Entry]:
    """Names in both scripts and every spelling, then branches and numbers, repeated
    until there are `count` (a real list repeats names too)."""
    names = [f"{given} {family}" for given, _ in MALE + FEMALE for family, _ in FAMILY]
    names += [
        f"{given} {family}"
        for _, givens in MALE + FEMALE
        for _, families in FAMILY
        for given in givens
        for family in families
    ]
    names += ["Branch 215", "Branch 227", "فرع 215", "215", "1234/215"]
    texts = [names[i % len(names)] for i in range(count)]
    return [Entry(line, text, guess_kind(text)) for line, text in enumerate(texts, start=2)]


async def _job(settings: Settings, prefix: str, entries: list[Entry]) -> dict[str, Any]:
    es = AsyncElasticsearch(settings.es_url, request_timeout=120)
    try:
        store, lists = Store(es, prefix), ListStore(es, prefix)
        list_id = f"ls-bench{int(time.time())}"
        await lists.create(
            list_id,
            {
                "owner": "benchjournalist",
                "role": Role.JOURNALIST.value,
                "name": "bench",
                "sha256": "0" * 64,
                "rows": len(entries),
                "status": "queued",
                "created": now(),
                "updated": now(),
                "entries": [entry.stored() for entry in entries],
                "problems": [],
            },
        )
        started = time.perf_counter()
        status = await run_list(store, lists, Auditor(es, prefix), list_id)
        seconds = time.perf_counter() - started
        document = await lists.read(list_id)
        assert document is not None and status == "done"
        return {
            "seconds": round(seconds, 2),
            "entries_per_s": round(len(entries) / seconds),
            "matched": document["matched"],
            "records": document["records"],
        }
    finally:
        await es.close()


async def _raw(settings: Settings, prefix: str, entries: list[Entry]) -> dict[str, Any]:
    access = AccessContext(Role.JOURNALIST, "benchjournalist")
    index = ",".join(records_alias(prefix, level) for level in access.visible_levels)
    bodies = [secured(entry_body(entry, access), access) for entry in entries]
    es = AsyncElasticsearch(settings.es_url, request_timeout=120)
    try:
        started = time.perf_counter()
        for start in range(0, len(bodies), BATCH):
            searches: list[dict[str, Any]] = []
            for body in bodies[start : start + BATCH]:
                searches += [
                    {"index": index, "ignore_unavailable": True, **COMPLETE},
                    {k: v for k, v in body.items() if k not in COMPLETE},
                ]
            await es.msearch(searches=searches)
        seconds = time.perf_counter() - started
    finally:
        await es.close()
    return {"seconds": round(seconds, 2), "entries_per_s": round(len(entries) / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "caesar", "large"], default="caesar")
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--skip-load", action="store_true", help="Reuse an earlier run's.")
    args = parser.parse_args()
    settings = Settings()
    ensure_running(settings)
    prefix = f"benchlists{args.scale}"
    report: dict[str, Any] = {
        "scale": args.scale,
        "entries": args.entries,
        "machine": f"{os.cpu_count()} cores",
    }
    if not args.skip_load:
        es = Elasticsearch(settings.es_url, request_timeout=120)
        _drop(es, prefix)
        es.close()
        env = os.environ | {
            "ELASTICSEARCH_URL": settings.es_url,
            "EVIDENCE_INDEX_PREFIX": prefix,
            "EVIDENCE_VECTORS": "false",
        }
        started = time.perf_counter()
        loaded = load_corpus(env, args.scale)
        if loaded.returncode != 0:
            raise SystemExit(loaded.stderr[-2000:])
        report["load_s"] = round(time.perf_counter() - started)
    entries = roster(args.entries)
    report["kinds"] = {kind.value: sum(e.kind is kind for e in entries) for kind in Kind}
    report["raw"] = asyncio.run(_raw(settings, prefix, entries))  # warms the caches first
    report["list_job"] = asyncio.run(_job(settings, prefix, entries))
    report["raw_again"] = asyncio.run(_raw(settings, prefix, entries))
    best_raw = max(report["raw"]["entries_per_s"], report["raw_again"]["entries_per_s"])
    report["ratio_job_to_raw"] = round(report["list_job"]["entries_per_s"] / best_raw, 2)
    es = Elasticsearch(settings.es_url)
    es.options(ignore_status=404).indices.delete(index=list_searches_index(prefix))
    es.close()
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    (out / f"lists-{args.scale}.json").write_text(text + "\n", encoding="utf-8")
    print(text, file=sys.stdout)


if __name__ == "__main__":
    main()
