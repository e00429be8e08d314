"""Loads split across job workers: an upload's or a queued load's bundle is cut into
parts (`indexer.load.plan_parts`), each part is a job any worker takes, and the part
that finishes last queues the job that joins their reports into one.

Each part's report is kept in `{prefix}-job-reports` until the join reads it, not in
Redis: its review rows name protected people, and Elasticsearch is where those are kept
already. A part run twice (a retry, a dead worker's job taken over) writes the same
report document again, and loads nothing twice: the indexer skips unchanged records.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from rq import get_current_job

from evidence.clients import loader_client
from evidence.indices import ensure_plain_index_sync, job_reports_index
from evidence.jobqueue import connect, enqueue_join, enqueue_parts, part_id
from evidence.settings import Settings
from indexer.load import LoadOptions, Part, PartDone, Tick, join_parts, load_part
from indexer.report import LoadReport

__all__ = [
    "MissingPart",
    "finish",
    "forget_parts",
    "keep_report",
    "reports_index",
    "run_part",
    "split",
    "stored_report",
]

PART, LOAD, REBUILD = "part", "load", "rebuild"


class MissingPart(LookupError):
    """A part's report is not there when its load is joined (the join runs again)."""


def reports_index(es: Elasticsearch, prefix: str) -> str:
    """The reports index, created if need be. The command that queues a job creates it
    first: created by the worker, it could be seen before its shard starts, and a read
    in that moment fails."""
    return ensure_plain_index_sync(es, job_reports_index(prefix), "job_reports")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def split(
    es: Elasticsearch, settings: Settings, owner: str, parts: list[Part], arguments: list[Any]
) -> None:
    """Queue `parts` of the load `owner` (the running job) as jobs of their own, with
    `arguments` after each part's own. The running job notes how many, so that
    cancelling or retrying it reaches its parts; reports of an earlier plan of the
    same load are dropped first."""
    job = get_current_job()
    earlier = 0
    if job is not None:
        earlier = int(job.meta.get("parts", 0))
        job.meta["parts"] = len(parts)
        job.save_meta()  # type: ignore[no-untyped-call]
    forget_parts(es, settings, owner, max(earlier, len(parts)))
    connection = connect(settings)
    try:
        enqueue_parts(settings, connection, owner, [part.to_json() for part in parts], arguments)
    finally:
        connection.close()


def run_part(
    settings: Settings,
    owner: str,
    number: int,
    count: int,
    part: Part,
    bundle: Path,
    tick: Tick,
    options: LoadOptions,
    arguments: list[Any],
) -> None:
    """Load one part and keep its report; if it is the last of the `count` parts to
    finish, queue the join."""
    es = loader_client(settings)
    try:
        done = load_part(es, settings.index_prefix, bundle, part, tick, options)
        index = reports_index(es, settings.index_prefix)
        es.index(
            index=index,
            id=part_id(owner, number),
            document={
                "owner": owner,
                "kind": PART,
                "number": number,
                "generation": done.generation,
                "created": _now(),
                "report": done.report.to_json(),
            },
            refresh=True,  # the last part to finish must count this one
        )
        finished = es.count(
            index=index,
            query={"bool": {"filter": [{"term": {"owner": owner}}, {"term": {"kind": PART}}]}},
        )["count"]
    finally:
        es.close()
    if finished >= count:
        connection = connect(settings)
        try:
            enqueue_join(settings, connection, owner, count, arguments)
        finally:
            connection.close()


def finish(
    es: Elasticsearch,
    settings: Settings,
    owner: str,
    count: int,
    bundle: Path,
    tick: Tick,
    options: LoadOptions,
) -> LoadReport:
    """The split load's one report, its bundle registered (`indexer.load.join_parts`).
    The parts' reports are deleted by `forget_parts` once the caller has kept the
    joined one."""
    index = reports_index(es, settings.index_prefix)
    ids = [part_id(owner, number) for number in range(count)]
    found = es.mget(index=index, ids=ids)["docs"]
    missing = [doc["_id"] for doc in found if not doc.get("found")]
    if missing:
        raise MissingPart(f"no report for {', '.join(missing)}; run those parts again")
    parts = [
        PartDone(LoadReport.from_json(doc["_source"]["report"]), doc["_source"]["generation"])
        for doc in found
    ]
    return join_parts(es, settings.index_prefix, bundle, parts, tick, options)


def forget_parts(es: Elasticsearch, settings: Settings, owner: str, count: int) -> None:
    """Delete the parts' reports of a joined load."""
    index = job_reports_index(settings.index_prefix)
    for number in range(count):
        es.options(ignore_status=404).delete(index=index, id=part_id(owner, number))


def keep_report(
    es: Elasticsearch, settings: Settings, owner: str, kind: str, report: LoadReport, **extra: Any
) -> None:
    """The report of a queued load or rebuild, for the command that queued it to read
    (`stored_report`)."""
    es.index(
        index=reports_index(es, settings.index_prefix),
        id=owner,
        document={
            "owner": owner,
            "kind": kind,
            "created": _now(),
            "report": report.to_json(),
            "extra": extra,
        },
        refresh=True,
    )


def stored_report(
    es: Elasticsearch, settings: Settings, owner: str
) -> tuple[LoadReport, dict[str, Any]] | None:
    """The report `keep_report` kept for `owner`, and its extras; None before it is."""
    found = es.options(ignore_status=404).get(
        index=job_reports_index(settings.index_prefix), id=owner
    )
    if not found.body.get("found"):
        return None
    source = found["_source"]
    return LoadReport.from_json(source["report"]), source.get("extra") or {}
