"""Loading bundles: into the live indices (`load`), or into a fresh generation (`rebuild`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from elasticsearch import Elasticsearch

from evidence.indices import (
    INDEX_KINDS,
    RECORD_TYPES,
    create_generation,
    ensure_alias,
    ensure_registry,
    new_generation,
    swap_aliases,
    type_alias,
)
from evidence.settings import Settings
from indexer.bulk import index_documents
from indexer.bundle import Collection, read_collection
from indexer.pipeline import prepare
from indexer.report import LoadReport
from indexer.sources.base import sha256_file

__all__ = ["LoadOptions", "load_bundle", "rebuild", "registered_bundles", "validate_bundle"]

Tick = Callable[[], None] | None


@dataclass(frozen=True)
class LoadOptions:
    """How a load runs, not what it loads: worker processes for validation and analysis
    (0: none), and how long to wait out an unavailable node, per outage."""

    workers: int = 0
    retry_seconds: float = 300

    @classmethod
    def from_settings(cls, settings: Settings) -> LoadOptions:
        return cls(settings.indexer_workers, settings.indexer_retry_seconds)


def _source_files(collection: Collection) -> list[dict[str, str]]:
    """Hashes of the bundle's container files, kept in the registry for provenance."""
    names = ["collection.yaml", "photos.csv", "photos.jsonl", "testimonies.jsonl", "filings.jsonl"]
    return [
        {"file": name, "sha256": sha256_file(collection.root / name)}
        for name in names
        if (collection.root / name).is_file()
    ]


def validate_bundle(root: Path, tick: Tick = None, workers: int = 0) -> LoadReport:
    """Everything `load` checks, without Elasticsearch."""
    collection = read_collection(root)
    report = LoadReport()
    for record_type in RECORD_TYPES:
        for _ in prepare(collection, record_type, report, tick, workers):
            report.indexed += 1
    return report.from_bundle(root)


def _load_into(
    es: Elasticsearch,
    collection: Collection,
    targets: dict[str, str],
    previous: dict[str, str | None],
    copy_unchanged: bool,
    tick: Tick,
    options: LoadOptions,
) -> LoadReport:
    report = LoadReport()
    for record_type in RECORD_TYPES:
        index_documents(
            es,
            targets[record_type],
            prepare(collection, record_type, report, tick, options.workers),
            report,
            events_index=targets["event"],
            previous_from=previous[record_type],
            copy_unchanged=copy_unchanged,
            patience_seconds=options.retry_seconds,
        )
    return report.from_bundle(collection.root)


def _register(es: Elasticsearch, prefix: str, collection: Collection, report: LoadReport) -> None:
    registry = ensure_registry(es, prefix)
    path = str(collection.root.resolve())
    es.index(
        index=registry,
        id=hashlib.sha256(path.encode()).hexdigest()[:32],
        document={
            "collection": collection.id,
            "path": path,
            "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "read": report.read,
            "indexed": report.indexed,
            "unchanged": report.unchanged,
            "rejected": report.rejected,
            "source_files": _source_files(collection),
        },
        refresh=True,
    )


def load_bundle(
    es: Elasticsearch,
    prefix: str,
    root: Path,
    tick: Tick = None,
    options: LoadOptions = LoadOptions(),
) -> LoadReport:
    """Index a bundle's records into the live indices; unchanged records are skipped, so
    running it again after an interrupted load resumes where that one stopped."""
    collection = read_collection(root)
    targets = {t: ensure_alias(es, prefix, t) for t in INDEX_KINDS}
    report = _load_into(es, collection, targets, dict(targets), False, tick, options)
    es.indices.refresh(index=",".join(targets.values()))
    _register(es, prefix, collection, report)
    return report


def registered_bundles(es: Elasticsearch, prefix: str) -> list[dict[str, object]]:
    registry = ensure_registry(es, prefix)
    hits = es.search(index=registry, size=1000, sort=[{"collection": "asc"}])["hits"]["hits"]
    return [hit["_source"] for hit in hits]


def rebuild(
    es: Elasticsearch,
    prefix: str,
    roots: list[Path],
    tick: Tick = None,
    options: LoadOptions = LoadOptions(),
) -> tuple[LoadReport, list[str]]:
    """Fresh indices from the sources, then one atomic alias swap; old indices deleted.

    Search keeps answering from the old generation until the swap. Custody history and
    first-indexed times are carried over from the old generation.
    """
    generation = new_generation()
    targets = {t: create_generation(es, prefix, t, generation) for t in INDEX_KINDS}
    previous = {t: type_alias(prefix, t) for t in INDEX_KINDS}
    total = LoadReport()
    try:
        for root in roots:
            collection = read_collection(root)
            report = _load_into(es, collection, targets, previous, True, tick, options)
            _register(es, prefix, collection, report)
            total.merge(report)
        es.indices.refresh(index=",".join(targets.values()))
    except BaseException:
        es.indices.delete(index=",".join(targets.values()))
        raise
    old = swap_aliases(es, prefix, targets)
    if old:
        es.indices.delete(index=",".join(old))
    return total, old
