"""What the engine offers for facet cost on large match sets, measured on page one's
count and aggregations (the request `Store.first_page` sends apart) as a journalist.

    .venv/bin/python -m bench.facets --prefix PREFIX [--runs 15]

Needs a corpus already loaded under PREFIX (the large scale, `bench.run --scale large`,
or `indexer load` of `.demo/large`). Every run empties the node's request cache first,
so each is the cold cost a reader pays the first time. Compared, in the same run:

1. the request as the API sends it (terms aggregations on global ordinals);
2. the same with `execution_hint: map` on every terms aggregation;
3. the same under a `random_sampler` (probability 0.1, seeded), with the relative error
   of every facet count it returns against the exact count;
4. `eager_global_ordinals` on the facet fields against lazy ones: the time of a refresh
   that follows a one-document write, plus the first aggregation after it, since that
   is where the ordinals are built either way (the mapping is put back afterwards).

Writes `bench/results/facets-<prefix>.json`.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from typing import Any

from elasticsearch import Elasticsearch

from bench.common import write_result
from evidence.access import AccessContext, Role
from evidence.indices import visible_aliases
from evidence.settings import Settings
from search_api.params import SearchParams
from search_api.query import build_search
from search_api.store import counted_apart, secured

ASKED: dict[str, dict[str, Any]] = {
    "every record": {},
    "free text": {"q": "hospital", "mode": "keyword"},
    "one branch": {"branch": ["215"]},
}
SAMPLED = 0.1


def _count_body(asked: dict[str, Any], access: AccessContext) -> dict[str, Any]:
    body = build_search(SearchParams.model_validate(asked), access)
    return secured(counted_apart(body)[1], access)


def _terms(aggs: dict[str, Any]) -> list[dict[str, Any]]:
    """Every terms aggregation in `aggs`, at any depth."""
    found = []
    for agg in aggs.values():
        if "terms" in agg:
            found.append(agg["terms"])
        found += _terms(agg.get("aggs", {}))
    return found


def _hinted(body: dict[str, Any]) -> dict[str, Any]:
    hinted = copy.deepcopy(body)
    for terms in _terms(hinted["aggs"]):
        terms["execution_hint"] = "map"
    return hinted


def _sampled(body: dict[str, Any]) -> dict[str, Any]:
    """The facets under a random sampler; the histogram and the rest stay exact (the
    sampler refuses the histogram's `missing` bucket)."""
    facets = {k: v for k, v in body["aggs"].items() if k.startswith("facet_")}
    rest = {k: v for k, v in body["aggs"].items() if k not in facets}
    sampler = {"random_sampler": {"probability": SAMPLED, "seed": 7}, "aggs": facets}
    return body | {"aggs": rest | {"sampled": sampler}}


def _counts(aggs: dict[str, Any], path: str = "") -> dict[str, int]:
    """bucket path -> doc_count, for every terms bucket in an answer's aggregations."""
    found: dict[str, int] = {}
    for name, agg in aggs.items():
        if not isinstance(agg, dict):
            continue
        for bucket in agg.get("buckets", []) if isinstance(agg.get("buckets"), list) else []:
            found[f"{path}{name}/{bucket['key']}"] = bucket["doc_count"]
        found |= _counts({k: v for k, v in agg.items() if k != "buckets"}, f"{path}{name}/")
    return found


def _cold(es: Elasticsearch, index: str, body: dict[str, Any], runs: int) -> float:
    samples = []
    for _ in range(runs):
        es.indices.clear_cache(index=index, request=True)
        started = time.perf_counter()
        es.search(index=index, **body)
        samples.append(time.perf_counter() - started)
    return round(statistics.median(samples) * 1000, 1)


def _facet_fields(es: Elasticsearch, index: str, body: dict[str, Any]) -> dict[str, Any]:
    """The mapping of each field a terms facet reads that `index` has, as a put-mapping
    body can restate it: the index's own definition, so only `eager_global_ordinals`
    changes."""
    fields = {terms["field"] for terms in _terms(body["aggs"])}
    mapping = next(iter(es.indices.get_mapping(index=index).values()))["mappings"]
    properties: dict[str, Any] = {}
    for field in sorted(fields):
        *parents, leaf = field.split(".")
        source, target = mapping["properties"], properties
        for parent in parents:
            source = source.get(parent, {}).get("properties", {})
            target = target.setdefault(parent, {"properties": {}})["properties"]
        if leaf in source:
            target[leaf] = dict(source[leaf])
    return properties


def _with_eager(properties: dict[str, Any], eager: bool) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for name, field in properties.items():
        if "properties" in field:
            changed[name] = {"properties": _with_eager(field["properties"], eager)}
        else:
            changed[name] = field | {"eager_global_ordinals": eager}
    return changed


def _after_refresh(
    es: Elasticsearch, index: str, target: str, body: dict[str, Any], runs: int
) -> dict[str, float]:
    """p50 of a refresh that follows a one-document write to the largest index, and of
    the first count after it (the request cache emptied, so the count is computed)."""
    sizes = es.indices.stats(index=target, metric="docs")["indices"]
    largest = max(sizes, key=lambda name: sizes[name]["primaries"]["docs"]["count"])
    one = es.search(index=largest, size=1)["hits"]["hits"][0]
    refreshes, firsts = [], []
    for _ in range(runs):
        es.index(index=largest, id=one["_id"], document=one["_source"])
        started = time.perf_counter()
        es.indices.refresh(index=target)
        refreshed = time.perf_counter()
        es.indices.clear_cache(index=index, request=True)
        counting = time.perf_counter()
        es.search(index=index, **body)
        firsts.append(time.perf_counter() - counting)
        refreshes.append(refreshed - started)
    return {
        "refresh_ms": round(statistics.median(refreshes) * 1000, 1),
        "first_count_ms": round(statistics.median(firsts) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    settings = Settings()
    es = Elasticsearch(settings.es_url, request_timeout=300)
    access = AccessContext(Role.JOURNALIST)
    index = visible_aliases(args.prefix, "records", access.visible_levels)
    records = es.count(index=index)["count"]
    report: dict[str, Any] = {"prefix": args.prefix, "records": records, "runs": args.runs}
    for name, asked in ASKED.items():
        body = _count_body(asked, access)
        exact = es.search(index=index, **body)
        sampled = es.search(index=index, **_sampled(body))
        truth = {k: v for k, v in _counts(exact["aggregations"]).items() if k.startswith("facet_")}
        estimate = _counts(sampled["aggregations"])
        errors = [
            abs(estimate.get(f"sampled/{path}", 0) - count) / count
            for path, count in truth.items()
            if count
        ]
        report[name] = {
            "matches": exact["hits"]["total"]["value"],
            "as_sent_ms": _cold(es, index, body, args.runs),
            "execution_hint_map_ms": _cold(es, index, _hinted(body), args.runs),
            "random_sampler_ms": _cold(es, index, _sampled(body), args.runs),
            "random_sampler_median_error": round(statistics.median(errors), 3),
            "random_sampler_worst_error": round(max(errors), 3),
        }
        print(name, report[name], flush=True)
    body = _count_body({}, access)
    targets = {name: _facet_fields(es, name, body) for name in es.indices.get_alias(index=index)}
    try:
        for eager in (False, True):
            for name, properties in targets.items():
                es.indices.put_mapping(index=name, properties=_with_eager(properties, eager))
            label = "eager_global_ordinals" if eager else "lazy_global_ordinals"
            report[label] = _after_refresh(es, index, ",".join(targets), body, args.runs)
            print(label, report[label], flush=True)
    finally:
        for name, properties in targets.items():
            es.indices.put_mapping(index=name, properties=_with_eager(properties, False))
    write_result(f"facets-{args.prefix}", report)


if __name__ == "__main__":
    main()
