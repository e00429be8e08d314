"""Faults on a real node of our own: killed in the middle of a load, down under the API,
and a bulk request that is only partly accepted. Nothing may be lost, and the API must
answer 503, not hang, and recover by itself. How fast is measured, not asserted:
`python -m bench.faults`.

The node here is a second one from the same unpacked zip, on its own port and data
folder, so killing it leaves the session's node alone.
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest
from elasticsearch import Elasticsearch, helpers

from bench.common import serve_api
from bench.faults import PATHS
from evidence.devnode import NodeInfo, NodeSpec, start_node, stop_node
from evidence.settings import Settings
from indexer.load import load_bundle
from indexer.sources.base import sha256_file
from tests.conftest import TINY_BUNDLE, caesar_like_bundle

# How long to wait for an answer, or for recovery, before calling it a hang: a guard so
# a hang fails instead of stalling the suite, not a speed target.
HANG_GUARD_S = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ScratchNode:
    """A node the tests may kill and restart."""

    base: Settings
    spec: NodeSpec

    def kill(self) -> None:
        assert stop_node(self.base, self.spec, kill=True)

    def start(self) -> None:
        start_node(self.base, self.spec)


@pytest.fixture(scope="module")
def node(base_settings: Settings, es_node: NodeInfo) -> Iterator[ScratchNode]:
    port = _free_port()
    workdir = base_settings.devnode_dir / "scratch" / f"faults-{port}"
    spec = NodeSpec(name="faults", http_port=port, workdir=workdir, cluster="evidence-faults")
    scratch = ScratchNode(base_settings, spec)
    scratch.start()
    yield scratch
    stop_node(base_settings, spec, kill=True)
    shutil.rmtree(workdir, ignore_errors=True)


def _count(es: Elasticsearch, index: str) -> int:
    try:
        return int(es.count(index=index)["count"])
    except Exception:  # not created yet, or the node is restarting
        return 0


# Photos loaded while the node is killed: enough that the load is well under way at the
# kill (after 2,500) and still has most of its work ahead; some with an image file, whose
# SHA-256 must reach the index.
MIDLOAD_PHOTOS = 8_000
MIDLOAD_IMAGES = 150


def test_a_node_killed_mid_load_loses_nothing(node: ScratchNode, tmp_path: Path) -> None:
    """SIGKILL the node while `indexer load` runs, restart it: the load waits, resends
    what was not confirmed, and the index then equals the source, record for record."""
    bundle = caesar_like_bundle(tmp_path, MIDLOAD_PHOTOS, MIDLOAD_IMAGES)
    env = os.environ | {
        "ELASTICSEARCH_URL": node.spec.url,
        "EVIDENCE_INDEX_PREFIX": "midload",
        "EVIDENCE_INDEXER_RETRY_SECONDS": "180",
        "EVIDENCE_VECTORS": "false",  # what is tested is the load's retries, not meaning
    }
    report = tmp_path / "report.ndjson"
    load = [sys.executable, "-m", "indexer", "load", str(bundle), "--report", str(report)]
    loading = subprocess.Popen(load, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    es = Elasticsearch(node.spec.url, request_timeout=30)
    deadline = time.monotonic() + 120
    while _count(es, "midload-photo") < 2_500 and loading.poll() is None:
        assert time.monotonic() < deadline, "the load never got going"
        time.sleep(0.1)
    assert loading.poll() is None, "the load finished before the node could be killed"
    node.kill()
    time.sleep(3)
    node.start()
    out, err = loading.communicate(timeout=600)
    assert loading.returncode == 0, err.decode()
    assert f"read {MIDLOAD_PHOTOS}, indexed {MIDLOAD_PHOTOS}, unchanged 0, rejected 0" in (
        out.decode()
    )
    assert "Elasticsearch was unavailable" in err.decode()

    # Counts and hashes: every source row is in the index with its image's SHA-256.
    es.indices.refresh(index="midload-photo")
    with (bundle / "photos.csv").open(encoding="utf-8") as handle:
        rows = {row["photo_id"]: row["file"] for row in csv.DictReader(handle)}
    assert _count(es, "midload-photo") == len(rows) == MIDLOAD_PHOTOS
    indexed = {
        hit["_source"]["local_id"]: hit["_source"]["sha256"]
        for hit in helpers.scan(
            es, index="midload-photo", query={"_source": ["local_id", "sha256"]}, size=5000
        )
    }
    assert set(indexed) == set(rows)
    assert sum(bool(file) for file in rows.values()) == MIDLOAD_IMAGES
    for local, file in rows.items():
        assert indexed[local] == (sha256_file(bundle / file) if file else None)

    # And what the index holds is what the source says: a second load finds no change.
    again = subprocess.run(load, env=env, capture_output=True, text=True, timeout=600)
    assert f"indexed 0, unchanged {MIDLOAD_PHOTOS}, rejected 0" in again.stdout, again.stderr
    es.close()


def test_the_api_answers_503_while_the_node_is_down_and_recovers(node: ScratchNode) -> None:
    """The API runs as its own process, so a real HTTP client's timeout can tell a hang
    from an answer."""
    with Elasticsearch(node.spec.url) as es:
        load_bundle(es, "apidown", TINY_BUNDLE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")} | {
        "ELASTICSEARCH_URL": node.spec.url,
        "EVIDENCE_INDEX_PREFIX": "apidown",
    }
    process, url = serve_api(env)
    try:
        with httpx.Client(base_url=url, timeout=HANG_GUARD_S) as client:
            before = client.get("/api/search").json()["total"]
            assert client.get("/healthz").json()["elasticsearch"] in {"green", "yellow"}
            node.kill()
            try:
                for path in PATHS:
                    response = client.get(path)
                    assert response.status_code == 503, path
                    assert "Traceback" not in response.text
            finally:
                node.start()
            # The same app, never restarted, serves again once the node has recovered its
            # shards (the node answers a few seconds before its primaries are back: 503).
            deadline = time.monotonic() + HANG_GUARD_S
            while client.get("/api/search").status_code != 200:
                assert time.monotonic() < deadline, "the API did not recover"
                time.sleep(0.2)
            assert client.get("/healthz").status_code == 200
            assert client.get("/api/search").json()["total"] == before
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_partly_refused_bulk_indexes_the_rest_and_reports_the_refused(
    node: ScratchNode, tmp_path: Path
) -> None:
    """A report number longer than Elasticsearch takes for one keyword (32,766 bytes) is
    refused by the node itself; that record lands in the report with the field the node
    named, and the others are indexed."""
    bundle = tmp_path / "bundle"
    shutil.copytree(TINY_BUNDLE, bundle)
    with (bundle / "photos.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[2]["report_no"] = "SYNTHETIC-" + "9" * 40_000
    with (bundle / "photos.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with Elasticsearch(node.spec.url) as es:
        report = load_bundle(es, "partial", bundle)
        es.indices.refresh(index="partial-photo")
        assert es.count(index="partial-photo")["count"] == len(rows) - 1
    [rejection] = report.rejections
    assert (rejection.file, rejection.line, rejection.field) == ("photos.csv", 4, "report_no")
    assert "rejected by Elasticsearch" in rejection.reason and "immense term" in rejection.reason
    assert report.indexed == len(rows) - 1 and report.reconciles
