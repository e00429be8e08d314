"""`python -m indexer worker` and `python -m indexer jobs list|retry|cancel`: run the
queue's jobs, and look after the ones that failed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import redis
import typer
from elasticsearch import Elasticsearch
from rich.console import Console

from evidence.errors import EvidenceError, QueueUnavailable
from evidence.jobqueue import (
    CANCELLED,
    QUEUED_AGAIN,
    STATES,
    cancel_job,
    connect,
    job_queue,
    list_jobs,
    owner_of,
    progress,
    requeue,
    retryable,
)
from evidence.settings import Settings, get_settings
from indexer.parts import stored_report
from indexer.report import LoadReport
from indexer.upload_job import mark_upload
from indexer.worker import run_worker

jobs = typer.Typer(help="The job queue: what waits, runs and failed; retry or cancel.")
err = Console(stderr=True, soft_wrap=True)
WAIT_POLL = 0.5  # seconds between looks at a queued load or rebuild


@contextmanager
def queue_errors() -> Iterator[None]:
    """Redis away is exit status 3, as Elasticsearch away is; a job that is not there or
    not in a state for the action, status 2."""
    settings = get_settings()
    try:
        yield
    except (redis.RedisError, QueueUnavailable) as error:
        cause = error.__cause__ if isinstance(error, QueueUnavailable) else error
        err.print(f"error: Redis at {settings.redis_url} is unreachable: {cause}")
        raise typer.Exit(3) from error
    except EvidenceError as error:
        err.print(f"error: {error}")
        raise typer.Exit(2) from error


class QueuedJobFailed(Exception):
    """A queued load or rebuild stopped for good: a job of it failed or was cancelled."""


def wait_for_report(
    es: Elasticsearch,
    settings: Settings,
    job_id: str,
    shown: Callable[[int], None] | None = None,
) -> tuple[LoadReport, dict[str, Any]]:
    """Wait for queued load or rebuild `job_id` to keep its report (`indexer.parts`);
    `shown` is told the records read so far. `QueuedJobFailed` if it stops for good."""
    queue = job_queue(connect(settings), settings.index_prefix)
    while True:
        found = stored_report(es, settings, job_id)
        if found is not None:
            return found
        read, trouble = progress(queue, job_id)
        if trouble is not None:
            raise QueuedJobFailed(f"the job stopped: {trouble}")
        if shown is not None:
            shown(read)
        time.sleep(WAIT_POLL)


def worker_command(
    burst: Annotated[bool, typer.Option(help="Stop once the queue is empty.")] = False,
    name: Annotated[str | None, typer.Option(help="Default: HOST.PID.")] = None,
    max_jobs: Annotated[
        int | None, typer.Option(min=1, help="Stop after running this many jobs.")
    ] = None,
) -> None:
    """Run jobs from the queue (uploads), one at a time; start as many workers, on as
    many machines, as the load needs. SIGTERM lets the current job finish first."""
    with queue_errors():
        run_worker(get_settings(), burst=burst, name=name, max_jobs=max_jobs)


@jobs.command("list")
def list_command(
    state: Annotated[
        list[str] | None, typer.Option(help=f"Only jobs in this state: {', '.join(STATES)}.")
    ] = None,
) -> None:
    """One line per job: id, kind, state, when, retries left, last error."""
    unknown = sorted(set(state or ()) - set(STATES))
    if unknown:
        err.print(f"error: unknown state {', '.join(unknown)}; use one of {', '.join(STATES)}")
        raise typer.Exit(2)
    settings = get_settings()
    with queue_errors():
        rows = list_jobs(job_queue(connect(settings), settings.index_prefix), set(state or STATES))
    for row in rows:
        when = row.ended_at or row.enqueued_at
        line = f"{row.id}\t{row.kind}\t{row.state}\t{when.isoformat() if when else '-'}"
        line += f"\tretries left {row.retries_left}"
        typer.echo(line + (f"\t{row.error}" if row.error else ""))
    if not rows:
        err.print("no jobs")


@jobs.command("retry")
def retry_command(job_id: str) -> None:
    """Run a failed or cancelled job again, from the start."""
    settings = get_settings()
    with queue_errors():
        queue = job_queue(connect(settings), settings.index_prefix)
        again = retryable(queue, job_id)
        # Before any worker's status; a part's upload is the part's owner.
        mark_upload(settings, owner_of(job_id), "queued", QUEUED_AGAIN)
        requeue(queue, again)
    typer.echo(f"{job_id}: queued")


@jobs.command("cancel")
def cancel_command(job_id: str) -> None:
    """Take a waiting job off the queue, or stop a running one."""
    settings = get_settings()
    with queue_errors():
        now = cancel_job(job_queue(connect(settings), settings.index_prefix), job_id)
    if now:
        mark_upload(settings, owner_of(job_id), "cancelled", CANCELLED)
        typer.echo(f"{job_id}: cancelled")
    else:  # its worker says so once the job's process is dead
        typer.echo(f"{job_id}: stopping")
