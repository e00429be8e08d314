"""Backup and restore through the CLI: a full round trip that must give back every
record with the same hashes, its events, users and aliases, and keep the live audit."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from elasticsearch import Elasticsearch, helpers

from evidence.settings import Settings
from indexer.load import load_bundle
from tests.conftest import TINY_BUNDLE, ClientFactory, run_cli

EXAMPLE = Path(__file__).parents[2] / "docs" / "example-bundle"


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    location = {"EVIDENCE_SNAPSHOT_LOCATION": f"test-{settings.index_prefix}"}
    return run_cli("indexer", settings, *args, env=location)


def _state(es: Elasticsearch, prefix: str) -> dict[str, object]:
    """What must survive: each record's hashes, the events, the users, the aliases."""
    es.indices.refresh(index=f"{prefix}-*")
    records = {
        hit["_id"]: (hit["_source"]["content_hash"], hit["_source"].get("sha256"))
        for hit in helpers.scan(
            es, index=f"{prefix}-records", query={"_source": ["content_hash", "sha256"]}
        )
    }
    return {
        "records": records,
        "events": es.count(index=f"{prefix}-event")["count"],
        "bundles": es.count(index=f"{prefix}-bundles")["count"],
        "aliases": sorted(es.indices.get_alias(index=f"{prefix}-*").body),
    }


def test_snapshot_and_restore_round_trip(
    settings: Settings, es: Elasticsearch, make_client: ClientFactory
) -> None:
    prefix = settings.index_prefix
    for bundle in (TINY_BUNDLE, EXAMPLE):
        load_bundle(es, prefix, bundle)
    with make_client(settings) as client:
        total = client.get("/api/search").json()["total"]  # also writes an audit event
    before = _state(es, prefix)
    assert len(before["records"]) == 10 and before["events"] > 0

    made = _cli(settings, "snapshot", "--name", f"{prefix}-one")
    assert made.returncode == 0, made.stderr
    listed = _cli(settings, "snapshots")
    assert f"{prefix}-one\tSUCCESS" in listed.stdout

    refused = _cli(settings, "restore", f"{prefix}-one")
    assert refused.returncode == 2 and "--replace" in refused.stderr

    # Disaster: everything of this installation is gone.
    es.indices.delete(index=",".join(es.indices.get(index=f"{prefix}-*")))
    restored = _cli(settings, "restore", f"{prefix}-one")
    assert restored.returncode == 0, restored.stderr
    assert _state(es, prefix) == before
    with make_client(settings) as client:
        assert client.get("/api/search").json()["total"] == total
    # Loaded above without vectors: a load that encoded would re-index every record.
    again = run_cli(
        "indexer",
        settings,
        "load",
        str(TINY_BUNDLE),
        "--report",
        os.devnull,
        env={"EVIDENCE_VECTORS": "false"},
    )
    assert "indexed 0, unchanged 5" in again.stdout, again.stderr

    # A restore over live indices keeps the audit log, which has moved on since.
    audit = f"{prefix}-audit"
    es.index(index=audit, document={"action": "after.snapshot"}, refresh=True)
    replaced = _cli(settings, "restore", f"{prefix}-one", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "live audit log was kept" in replaced.stdout
    assert es.count(index=audit, query={"term": {"action": "after.snapshot"}})["count"] == 1
    assert _state(es, prefix) == before
    es.snapshot.delete(repository="evidence-backups", snapshot=f"{prefix}-one")
