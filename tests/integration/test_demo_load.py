"""The SYNTHETIC demo corpus loads completely: zero rejections, every type present."""

from pathlib import Path

from elasticsearch import Elasticsearch

from evidence.settings import Settings
from indexer.demo import generate
from indexer.load import load_bundle


def test_small_demo_loads_with_zero_rejections(
    es: Elasticsearch, settings: Settings, tmp_path: Path
) -> None:
    counts = generate(tmp_path / "demo", scale="small", seed=7)
    reports = [
        load_bundle(es, settings.index_prefix, tmp_path / "demo" / name)
        for name in ("caesar", "atlas", "testimonies", "filings")
    ]
    assert [r.rejections for r in reports] == [[], [], [], []]
    assert sum(r.indexed for r in reports) == counts.total
    by_type = es.search(
        index=f"{settings.index_prefix}-records",
        size=0,
        aggs={"types": {"terms": {"field": "record_type"}}},
    )["aggregations"]["types"]["buckets"]
    assert {b["key"]: b["doc_count"] for b in by_type} == {
        "photo": counts.caesar_photos + counts.atlas_photos,
        "testimony": counts.testimonies,
        "filing": counts.filings,
    }
    synthetic = es.count(
        index=f"{settings.index_prefix}-records", query={"term": {"synthetic": True}}
    )
    assert synthetic["count"] == counts.total
