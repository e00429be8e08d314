"""`python -m indexer worker` and `python -m indexer jobs list|retry|cancel`: run the
queue's jobs, and look after the ones that failed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import redis
import typer
from rich.console import Console

from evidence.errors import EvidenceError
from evidence.jobqueue import (
    CANCELLED,
    QUEUED_AGAIN,
    STATES,
    cancel_job,
    connect,
    job_queue,
    list_jobs,
    requeue,
    retryable,
)
from evidence.settings import get_settings
from indexer.upload_job import mark_upload
from indexer.worker import run_worker

jobs = typer.Typer(help="The job queue: what waits, runs and failed; retry or cancel.")
err = Console(stderr=True, soft_wrap=True)


@contextmanager
def _queue_errors() -> Iterator[None]:
    """Redis away is exit status 3, as Elasticsearch away is; a job that is not there or
    not in a state for the action, status 2."""
    settings = get_settings()
    try:
        yield
    except redis.RedisError as error:
        err.print(f"error: Redis at {settings.redis_url} is unreachable: {error}")
        raise typer.Exit(3) from error
    except EvidenceError as error:
        err.print(f"error: {error}")
        raise typer.Exit(2) from error


def worker_command(
    burst: Annotated[bool, typer.Option(help="Stop once the queue is empty.")] = False,
    name: Annotated[str | None, typer.Option(help="Default: HOST.PID.")] = None,
) -> None:
    """Run jobs from the queue (uploads), one at a time; start as many workers, on as
    many machines, as the load needs. SIGTERM lets the current job finish first."""
    with _queue_errors():
        run_worker(get_settings(), burst=burst, name=name)


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
    with _queue_errors():
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
    with _queue_errors():
        queue = job_queue(connect(settings), settings.index_prefix)
        job = retryable(queue, job_id)
        mark_upload(settings, job_id, "queued", QUEUED_AGAIN)  # before any worker's status
        requeue(queue, job)
    typer.echo(f"{job_id}: queued")


@jobs.command("cancel")
def cancel_command(job_id: str) -> None:
    """Take a waiting job off the queue, or stop a running one."""
    settings = get_settings()
    with _queue_errors():
        now = cancel_job(job_queue(connect(settings), settings.index_prefix), job_id)
    if now:
        mark_upload(settings, job_id, "cancelled", CANCELLED)
        typer.echo(f"{job_id}: cancelled")
    else:  # its worker says so once the job's process is dead
        typer.echo(f"{job_id}: stopping")
