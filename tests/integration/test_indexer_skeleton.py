"""The indexer loads a bundle into versioned indices behind aliases, losing nothing."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from elasticsearch import Elasticsearch

from evidence.settings import Settings
from indexer.load import load_bundle
from tests.conftest import TINY_BUNDLE


def _count(es: Elasticsearch, settings: Settings) -> int:
    return es.count(index=f"{settings.index_prefix}-records")["count"]


def test_bundle_lands_behind_both_aliases(es: Elasticsearch, tiny_loaded: Settings) -> None:
    prefix = tiny_loaded.index_prefix
    aliases = es.indices.get_alias(name=f"{prefix}-*").body
    (index,) = aliases
    assert index.startswith(f"{prefix}-photo-v1-")
    assert set(aliases[index]["aliases"]) == {f"{prefix}-photo", f"{prefix}-records"}
    assert _count(es, tiny_loaded) == 5


def test_loading_twice_adds_nothing(es: Elasticsearch, tiny_loaded: Settings) -> None:
    report = load_bundle(es, tiny_loaded.index_prefix, TINY_BUNDLE)
    assert (report.read, report.indexed, report.rejected) == (5, 5, 0)
    assert _count(es, tiny_loaded) == 5


def test_broken_rows_are_reported_and_the_rest_indexed(
    es: Elasticsearch, settings: Settings, tmp_path: Path
) -> None:
    bundle = tmp_path / "broken"
    shutil.copytree(TINY_BUNDLE, bundle)
    with (bundle / "photos.csv").open("a", encoding="utf-8") as rows:
        rows.write("T-0006,,,,,2012-13-01,,,,,,\n")  # line 7: impossible month
        rows.write(",,,,,2012,,,,,,\n")  # line 8: no photo_id
        rows.write("T-0001,,,,,,,,,,,\n")  # line 9: duplicate id
    report = load_bundle(es, settings.index_prefix, bundle)
    problems = {(r.line, r.field) for r in report.rejections}
    assert problems == {(7, "date_photographed"), (8, "photo_id"), (9, "photo_id")}
    assert all(r.file == "photos.csv" for r in report.rejections)
    assert (report.read, report.indexed, report.rejected) == (8, 5, 3)
    assert report.reconciles
    assert _count(es, settings) == 5


def test_cli_exits_non_zero_and_writes_the_report(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    bundle = tmp_path / "broken"
    shutil.copytree(TINY_BUNDLE, bundle)
    with (bundle / "photos.csv").open("a", encoding="utf-8") as rows:
        rows.write("T-0007,,,,,,,,,,secret,\n")
    report_path = tmp_path / "rejections.ndjson"
    env = {"ELASTICSEARCH_URL": settings.es_url, "EVIDENCE_INDEX_PREFIX": settings.index_prefix}
    run = subprocess.run(
        [sys.executable, "-m", "indexer", "load", str(bundle), "--report", str(report_path)],
        capture_output=True,
        text=True,
        env={**_base_env(), **env},
    )
    assert run.returncode == 1, run.stderr
    assert "read 6, indexed 5, rejected 1" in run.stdout
    (line,) = report_path.read_text().splitlines()
    assert json.loads(line) | {"reason": ""} == {
        "file": "photos.csv",
        "line": 7,
        "field": "confidentiality",
        "reason": "",
        "local_id": "T-0007",
    }


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
