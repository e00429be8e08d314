"""Backups: Elasticsearch snapshots of one installation's indices, and their restore.

A snapshot holds every index of the prefix (records of every generation, timeline
events, the bundle registry, users, chronologies, uploads and the audit log) with
their aliases, in a filesystem repository under the node's `path.repo`. Restoring
puts them back under the same names; the live audit log is never overwritten, since
it also records what happened after the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from elasticsearch import Elasticsearch

from evidence.indices import audit_index

__all__ = ["REPOSITORY", "BackupError", "Restored", "list_snapshots", "restore", "snapshot"]

REPOSITORY = "evidence-backups"


class BackupError(Exception):
    """A snapshot or restore that cannot go ahead, with what to do instead."""


def _ensure_repository(es: Elasticsearch, location: str) -> None:
    es.snapshot.create_repository(
        name=REPOSITORY, repository={"type": "fs", "settings": {"location": location}}
    )


def _indices(es: Elasticsearch, prefix: str) -> list[str]:
    return sorted(es.indices.get(index=f"{prefix}-*", expand_wildcards="open"))


def snapshot(es: Elasticsearch, prefix: str, location: str, name: str | None = None) -> str:
    """Snapshot every index of `prefix`; returns the snapshot's name."""
    _ensure_repository(es, location)
    indices = _indices(es, prefix)
    if not indices:
        raise BackupError(f"no indices with the prefix {prefix!r} to back up")
    name = name or f"{prefix}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
    response = es.snapshot.create(
        repository=REPOSITORY,
        snapshot=name,
        indices=",".join(indices),
        include_global_state=False,
        wait_for_completion=True,
        metadata={"prefix": prefix},
    )
    state = response["snapshot"]["state"]
    if state != "SUCCESS":
        raise BackupError(f"snapshot {name} ended {state}: {response['snapshot'].get('failures')}")
    return name


def list_snapshots(es: Elasticsearch, location: str) -> list[dict[str, object]]:
    _ensure_repository(es, location)
    found = es.snapshot.get(repository=REPOSITORY, snapshot="_all")["snapshots"]
    return [
        {
            "name": s["snapshot"],
            "state": s["state"],
            "started": s.get("start_time"),
            "indices": len(s.get("indices", [])),
        }
        for s in found
    ]


@dataclass(frozen=True)
class Restored:
    indices: list[str]
    kept_live_audit: bool


def restore(
    es: Elasticsearch, prefix: str, location: str, name: str, *, replace: bool = False
) -> Restored:
    """Put a snapshot's indices back. Existing indices of the prefix are deleted first
    only with `replace`; the live audit log stays as it is."""
    _ensure_repository(es, location)
    details = es.snapshot.get(repository=REPOSITORY, snapshot=name)["snapshots"][0]
    wanted = sorted(i for i in details["indices"] if i.startswith(f"{prefix}-"))
    live = set(_indices(es, prefix))
    audit = audit_index(prefix)
    kept_audit = audit in live
    if kept_audit:
        wanted = [i for i in wanted if i != audit]
        live.discard(audit)
    if live and not replace:
        raise BackupError(
            f"{len(live)} indices of {prefix!r} exist; pass --replace to delete them and "
            "restore the snapshot in their place"
        )
    if live:
        es.indices.delete(index=",".join(sorted(live)))
    es.snapshot.restore(
        repository=REPOSITORY,
        snapshot=name,
        indices=",".join(wanted),
        include_aliases=True,
        include_global_state=False,
        wait_for_completion=True,
    )
    es.cluster.health(index=",".join(wanted), wait_for_status="yellow", timeout="60s")
    return Restored(wanted, kept_audit)
