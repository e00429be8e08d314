"""Loads and rebuilds run by job workers: `python -m indexer load --queue` and
`python -m indexer rebuild --queue` queue them, any worker runs them, and their reports
are kept in `{prefix}-job-reports` for the command that queued them (`--wait`).

A queued load of a bundle with more photographs than `EVIDENCE_JOBS_PART_RECORDS` is
split, as an upload is (`indexer.parts`). A rebuild is one job: it writes a fresh
generation that nothing else may write to, so it is not split.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rq import get_current_job

from evidence.clients import loader_client
from evidence.indices import MappingOutdated
from evidence.settings import get_settings
from indexer.bundle import BundleError
from indexer.load import (
    LoadOptions,
    Part,
    load_bundle,
    plan_parts,
    rebuild,
    registered_bundles,
)
from indexer.parts import LOAD, REBUILD, finish, forget_parts, keep_report, run_part, split
from indexer.report import LoadReport
from indexer.watching import watches_due

__all__ = ["join_load", "run_load", "run_load_part", "run_rebuild"]

PROGRESS_EVERY = 1.0


def _job_id() -> str:
    job = get_current_job()
    if job is None:
        raise RuntimeError("run by a job worker only")
    return job.id


def _ticker() -> Callable[[], None]:
    """Counts records read into the running job's meta, at most once a second, for the
    waiting command to show."""
    job = get_current_job()
    last, read = 0.0, 0

    def tick() -> None:
        nonlocal last, read
        read += 1
        if job is not None and time.monotonic() - last > PROGRESS_EVERY:
            last = time.monotonic()
            job.meta["read"] = read
            job.save_meta()  # type: ignore[no-untyped-call]

    return tick


def run_load(bundle: str) -> str:
    """The queue's entry point for `indexer load --queue`: the bundle whole, or split."""
    settings = get_settings()
    load_id = _job_id()
    es = loader_client(settings)
    try:
        options = LoadOptions.from_settings(settings)
        try:
            parts = plan_parts(Path(bundle), settings.jobs_part_records)
            if len(parts) > 1:
                split(es, settings, load_id, parts, [bundle])
                return f"split into {len(parts)} parts"
            report = load_bundle(es, settings.index_prefix, Path(bundle), _ticker(), options)
        except (BundleError, MappingOutdated) as error:
            keep_report(es, settings, load_id, LOAD, LoadReport(), error=str(error))
            return "failed"
        keep_report(es, settings, load_id, LOAD, report)
    finally:
        es.close()
    watches_due(settings)
    return report.summary()


def run_load_part(load_id: str, number: int, count: int, part: dict[str, Any], bundle: str) -> str:
    """One part of a split queued load."""
    settings = get_settings()
    options = LoadOptions.from_settings(settings)
    parsed = Part.from_json(part)
    run_part(settings, load_id, number, count, parsed, Path(bundle), _ticker(), options, [bundle])
    return f"part {number + 1} of {count} loaded"


def join_load(load_id: str, count: int, bundle: str) -> str:
    """Once every part of a split queued load is loaded: its one report."""
    settings = get_settings()
    es = loader_client(settings)
    try:
        options = LoadOptions.from_settings(settings)
        try:
            report = finish(es, settings, load_id, count, Path(bundle), None, options)
        except (BundleError, MappingOutdated) as error:
            keep_report(es, settings, load_id, LOAD, LoadReport(), error=str(error))
            return "failed"
        keep_report(es, settings, load_id, LOAD, report)
        forget_parts(es, settings, load_id, count)
    finally:
        es.close()
    watches_due(settings)
    return report.summary()


def run_rebuild(bundles: list[str]) -> str:
    """The queue's entry point for `indexer rebuild --queue`; no bundles: every bundle
    loaded so far."""
    settings = get_settings()
    rebuild_id = _job_id()
    es = loader_client(settings)
    try:
        roots = [Path(b) for b in bundles] or [
            Path(str(b["path"])) for b in registered_bundles(es, settings.index_prefix)
        ]
        missing = [str(root) for root in roots if not root.is_dir()]
        problem = (
            f"bundle folders are gone: {', '.join(missing)}"
            if missing
            else ("no bundles loaded yet; name the bundles to rebuild from" if not roots else None)
        )
        if problem is None:
            try:
                options = LoadOptions.from_settings(settings)
                done = rebuild(es, settings.index_prefix, roots, _ticker(), options)
            except (BundleError, MappingOutdated) as error:
                problem = str(error)
        if problem is not None:
            keep_report(es, settings, rebuild_id, REBUILD, LoadReport(), error=problem)
            return "failed"
        keep_report(
            es,
            settings,
            rebuild_id,
            REBUILD,
            done.report,
            deleted=done.deleted,
            kept=done.kept,
            bundles=[str(root) for root in roots],
        )
    finally:
        es.close()
    watches_due(settings)
    return done.report.summary()
