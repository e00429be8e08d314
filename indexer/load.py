"""Loading bundles: into the live indices (`load`), or into a fresh generation (`rebuild`)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from evidence.access import Level
from evidence.indices import (
    RECORD_TYPES,
    Partitions,
    ensure_registry,
    finish_bulk_load,
    new_generation,
    plain_index_body,
    registry_index,
    retired_generations,
    swap_aliases,
)
from evidence.semantic import Encoder, shared_encoder
from evidence.settings import DEFAULT_ORIGINALS_DIR, Settings
from indexer.bulk import index_documents
from indexer.bundle import BundleError, Collection, read_collection
from indexer.ceiling import Writer
from indexer.locks import loading, rebuilding
from indexer.ocr import OcrOptions
from indexer.pipeline import UNKNOWN_FIELDS, Line, prepare, survey
from indexer.report import LoadReport
from indexer.review import keep_review
from indexer.sources.base import sha256_file

__all__ = [
    "WHOLE",
    "LoadOptions",
    "Part",
    "PartDone",
    "Rebuilt",
    "join_parts",
    "load_bundle",
    "load_part",
    "plan_parts",
    "rebuild",
    "registered_bundles",
    "registry_id",
    "validate_bundle",
]

Tick = Callable[[], None] | None


@dataclass(frozen=True)
class LoadOptions:
    """How a load runs, not what it loads: worker processes for validation and analysis
    (0: none); how long to wait out an unavailable node (per outage) or another writer;
    how long a rebuild waits for searches still reading the old indices; where photos'
    files are kept (the originals store at `originals_dir`); and who writes (an
    uploader, held to their ceiling by `indexer.ceiling`; None: the trusted CLI); and
    how scans are read (`indexer.ocr`; None: not at all); and what encodes passages
    for semantic search (`evidence.semantic`; None: no vectors are kept)."""

    workers: int = 0
    retry_seconds: float = 300
    drain_seconds: float = 60
    originals_dir: Path = DEFAULT_ORIGINALS_DIR
    writer: Writer | None = None
    ocr: OcrOptions | None = None
    encoder: Encoder | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LoadOptions:
        return cls(
            settings.indexer_workers,
            settings.indexer_retry_seconds,
            settings.rebuild_drain_seconds,
            settings.originals_dir,
            ocr=OcrOptions(settings.ocr_timeout_seconds) if settings.ocr else None,
            encoder=shared_encoder() if settings.vectors else None,
        )


def _source_files(collection: Collection) -> list[dict[str, str]]:
    """Hashes of the bundle's container files, kept in the registry for provenance."""
    names = [
        "collection.yaml",
        "persons.yaml",
        "photos.csv",
        "photos.jsonl",
        "testimonies.jsonl",
        "filings.jsonl",
    ]
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


@dataclass(frozen=True)
class Part:
    """One part of a load split across job workers: some record types whole, or one
    span of one type's items with the lines that repeat an id first seen outside it."""

    record_types: tuple[str, ...]
    span: tuple[int, int] | None = None
    duplicates: dict[Line, Line] = field(default_factory=dict)
    fingerprint: str = ""  # of the split files when planned: spans are places in them

    def to_json(self) -> dict[str, Any]:
        return {
            "record_types": list(self.record_types),
            "span": list(self.span) if self.span else None,
            "duplicates": [[*here, *first] for here, first in self.duplicates.items()],
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Part:
        span = data["span"]
        return cls(
            tuple(data["record_types"]),
            (span[0], span[1]) if span else None,
            {(row[0], row[1]): (row[2], row[3]) for row in data["duplicates"]},
            data.get("fingerprint", ""),
        )


WHOLE = Part(RECORD_TYPES)
SPLIT_TYPE = "photo"  # the one kind that comes by the tens of thousands
SPLIT_FILES = ("photos.csv", "photos.jsonl")


def _fingerprint(root: Path) -> str:
    """The photo files' contents: a part's span is a place in them, so a part refuses
    to load files that changed after its load was planned."""
    digest = hashlib.sha256()
    for name in SPLIT_FILES:
        if (root / name).is_file():
            digest.update(f"{name}:{sha256_file(root / name)}\n".encode())
    return digest.hexdigest()


def plan_parts(root: Path, records_per_part: int) -> list[Part]:
    """How to split a bundle's load: its photographs in spans of `records_per_part`,
    then the documents (testimonies, filings) as one part, in a whole load's order. One
    part, the whole bundle, when the photographs fit in one span."""
    collection = read_collection(root)
    fingerprint = _fingerprint(root)
    photos = survey(collection, SPLIT_TYPE)
    if photos.items <= records_per_part:
        return [WHOLE]
    parts = []
    for start in range(0, photos.items, records_per_part):
        stop = min(start + records_per_part, photos.items)
        repeats = photos.duplicates_in(start, stop)
        parts.append(Part((SPLIT_TYPE,), (start, stop), repeats, fingerprint))
    others = tuple(kind for kind in RECORD_TYPES if kind != SPLIT_TYPE)
    return [*parts, Part(others)]


def _load_into(
    es: Elasticsearch,
    collection: Collection,
    targets: Partitions,
    previous: Partitions,
    copy_unchanged: bool,
    tick: Tick,
    options: LoadOptions,
    part: Part = WHOLE,
) -> LoadReport:
    report = LoadReport()
    for record_type in part.record_types:
        documents = prepare(
            collection,
            record_type,
            report,
            tick,
            options.workers,
            options.originals_dir,
            part.span,
            part.duplicates,
            options.ocr,
        )
        index_documents(
            es,
            targets,
            documents,
            report,
            previous_from=previous.of_kind(record_type),
            copy_unchanged=copy_unchanged,
            patience_seconds=options.retry_seconds,
            writer=options.writer,
            encoder=options.encoder,
        )
    return report.from_bundle(collection.root)


def registry_id(root: Path) -> str:
    """A bundle's id in the registry and in the redaction review: from its folder."""
    return hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]


def _register(
    es: Elasticsearch,
    prefix: str,
    collection: Collection,
    report: LoadReport,
    writer: Writer | None,
) -> None:
    """Note the bundle for rebuilds, with who wrote it: a rebuild loads an upload as
    its uploader again, held to the same ceiling. Its redaction review is kept too,
    with what changed since its last load."""
    registry = ensure_registry(es, prefix)
    path = str(collection.root.resolve())
    written_by = {}
    if writer is not None:
        # A registry made before writers were recorded gains the field (additive).
        es.indices.put_mapping(
            index=registry, properties=plain_index_body("bundles")["mappings"]["properties"]
        )
        written_by = {"writer": {"username": writer.username, "ceiling": writer.ceiling.label}}
    es.index(
        index=registry,
        id=registry_id(collection.root),
        document=written_by
        | {
            "collection": collection.id,
            "path": path,
            "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "read": report.read,
            "indexed": report.indexed,
            "unchanged": report.unchanged,
            "rejected": report.rejected,
            "source_files": _source_files(collection),
        },
        refresh=True,  # one small write per load, and the next rebuild must find it
    )
    keep_review(
        es,
        prefix,
        registry_id(collection.root),
        collection.id,
        collection.root,
        report,
        written_by.get("writer"),
    )


def _registered_writer(es: Elasticsearch, prefix: str, root: Path) -> Writer | None:
    """Who wrote a registered bundle: an uploader, or None for the trusted CLI."""
    found = es.options(ignore_status=404).get(index=registry_index(prefix), id=registry_id(root))
    writer = found.get("_source", {}).get("writer") if found.get("found") else None
    return None if writer is None else Writer(writer["username"], Level.parse(writer["ceiling"]))


def load_bundle(
    es: Elasticsearch,
    prefix: str,
    root: Path,
    tick: Tick = None,
    options: LoadOptions = LoadOptions(),
) -> LoadReport:
    """Index a bundle's records into the live indices; unchanged records are skipped, so
    running it again after an interrupted load resumes where that one stopped. Waits for
    a running rebuild to end first (`WritersBusy` if it does not within the retry time)."""
    collection = read_collection(root)
    with loading(es, prefix, options.retry_seconds):
        _delete_idle(es, retired_generations(es, prefix))
        targets = Partitions.live_ones(es, prefix)
        report = _load_into(es, collection, targets, targets, False, tick, options)
        if targets.indices:
            es.indices.refresh(index=",".join(targets.indices.values()))
        _register(es, prefix, collection, report, options.writer)
    return report


@dataclass(frozen=True)
class PartDone:
    """What one part of a split load did, and into which generation of the indices."""

    report: LoadReport
    generation: str

    def to_json(self) -> dict[str, Any]:
        return {"report": self.report.to_json(), "generation": self.generation}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PartDone:
        return cls(LoadReport.from_json(data["report"]), data["generation"])


REBUILT_MEANWHILE = (
    "a rebuild replaced the indices while the load's parts ran; the bundle was loaded"
    " again as a whole"
)


def load_part(
    es: Elasticsearch,
    prefix: str,
    root: Path,
    part: Part,
    tick: Tick = None,
    options: LoadOptions = LoadOptions(),
) -> PartDone:
    """One part of a split load, into the live indices, under a load lease of its own
    (a rebuild waits for it). The bundle is registered by `join_parts`, once every
    part is done; like a whole load, running a part again skips what it indexed."""
    collection = read_collection(root)
    if part.fingerprint and _fingerprint(root) != part.fingerprint:
        raise BundleError(
            f"{root}: its photo files changed after the load was planned; load it again"
        )
    with loading(es, prefix, options.retry_seconds):
        targets = Partitions.live_ones(es, prefix)
        report = _load_into(es, collection, targets, targets, False, tick, options, part)
        if targets.indices:
            es.indices.refresh(index=",".join(targets.indices.values()))
    return PartDone(report, targets.generation)


def _first_per_file(warnings: list[str]) -> list[str]:
    """Each part warns about the first record of a file with unknown fields that it
    reads; a whole load warns once, about the file's first such record, which is the
    first part's warning. The other warnings stay as they are."""
    seen: set[str] = set()
    kept = []
    for warning in warnings:
        file, unknown, _ = warning.partition(UNKNOWN_FIELDS)
        if unknown:
            if file in seen:
                continue
            seen.add(file)
        kept.append(warning)
    return kept


def join_parts(
    es: Elasticsearch,
    prefix: str,
    root: Path,
    parts: list[PartDone],
    tick: Tick = None,
    options: LoadOptions = LoadOptions(),
) -> LoadReport:
    """The one report of a split load, and the bundle registered with its redaction
    review, as `load_bundle` does. A rebuild that swapped the indices between the parts
    and now would have dropped what the earlier parts wrote: then the bundle is loaded
    again here as a whole (what is already there is skipped), and the report says so."""
    collection = read_collection(root)
    with loading(es, prefix, options.retry_seconds):
        live = Partitions.live_ones(es, prefix)
        if all(part.generation == live.generation for part in parts):
            report = LoadReport()
            for part in parts:
                report.merge(part.report)
            report.warnings = _first_per_file(report.warnings)
        else:
            report = _load_into(es, collection, live, live, False, tick, options)
            report.warnings.append(REBUILT_MEANWHILE)
            if live.indices:
                es.indices.refresh(index=",".join(live.indices.values()))
        report.from_bundle(collection.root)
        _register(es, prefix, collection, report, options.writer)
    return report


def registered_bundles(es: Elasticsearch, prefix: str) -> list[dict[str, Any]]:
    """Every loaded bundle, however many: a rebuild that missed one would drop it."""
    return [hit["_source"] for hit in _every_hit(es, ensure_registry(es, prefix), "collection")]


def _every_hit(es: Elasticsearch, index: str, sort_field: str) -> Iterator[dict[str, Any]]:
    """All documents of a small plain index, in `sort_field` order, a page at a time
    through a point in time."""
    pit = es.open_point_in_time(index=index, keep_alive="1m")["id"]
    try:
        after: list[Any] | None = None
        while True:
            response = es.search(
                pit={"id": pit, "keep_alive": "1m"},
                size=500,
                sort=[{sort_field: "asc"}, "_shard_doc"],
                search_after=after,
            )
            pit = response.get("pit_id", pit)
            hits = response["hits"]["hits"]
            yield from hits
            if len(hits) < 500:
                return
            after = hits[-1]["sort"]
    finally:
        es.options(ignore_status=404).close_point_in_time(id=pit)


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild did: its load report, the old indices it deleted, and those it
    kept because searches still read them."""

    report: LoadReport
    deleted: list[str]
    kept: list[str]


def rebuild(
    es: Elasticsearch,
    prefix: str,
    roots: list[Path],
    tick: Tick = None,
    options: LoadOptions = LoadOptions(),
) -> Rebuilt:
    """Fresh indices from the sources, then one atomic alias swap.

    Search keeps answering from the old generation until the swap, and open searches
    and exports keep reading it after: old indices are deleted once nothing holds them
    open. Loads wait while a rebuild runs, so nothing they write is lost at the swap.
    Custody history and first-indexed times are carried over from the old generation.
    An uploaded bundle is loaded as its uploader again, held to the same ceiling.
    """
    with rebuilding(es, prefix, options.retry_seconds):
        _delete_idle(es, retired_generations(es, prefix))
        targets = Partitions(es, prefix, new_generation(), live=False, bulk_load=True)
        previous = Partitions.live_ones(es, prefix, check=False)
        total = LoadReport()
        try:
            for root in roots:
                collection = read_collection(root)
                writer = _registered_writer(es, prefix, root)
                as_written = replace(options, writer=writer)
                report = _load_into(es, collection, targets, previous, True, tick, as_written)
                _register(es, prefix, collection, report, writer)
                total.merge(report)
            finish_bulk_load(es, targets)
        except BaseException:
            if targets.indices:
                es.indices.delete(index=",".join(targets.indices.values()))
            raise
        old = swap_aliases(es, prefix, targets)
    # Outside the lease: loads need not wait for old indices nobody writes to any more.
    deleted, kept = _drain(es, old, options.drain_seconds)
    return Rebuilt(total, deleted, kept)


def _open_searches(es: Elasticsearch, indices: list[str]) -> dict[str, int]:
    """Open search contexts (points in time, scrolls) per index."""
    stats = es.indices.stats(index=",".join(indices), metric="search")
    indices_stats = stats["indices"].items()
    return {name: data["total"]["search"]["open_contexts"] for name, data in indices_stats}


def _delete_idle(es: Elasticsearch, indices: list[str]) -> list[str]:
    """Delete the indices nothing reads any more; returns them."""
    if not indices:
        return []
    idle = sorted(name for name, count in _open_searches(es, indices).items() if count == 0)
    if idle:
        es.options(ignore_status=404).indices.delete(index=",".join(idle))
    return idle


def _drain(es: Elasticsearch, old: list[str], seconds: float) -> tuple[list[str], list[str]]:
    """Delete old indices as the searches reading them end, for up to `seconds`;
    returns (deleted, kept). Kept ones are deleted by a later load or rebuild."""
    deadline = time.monotonic() + seconds
    deleted: list[str] = []
    pending = list(old)
    while pending:
        done = _delete_idle(es, pending)
        deleted += done
        pending = [name for name in pending if name not in done]
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(1)
    return deleted, pending
