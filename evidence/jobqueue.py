"""The job queue: Redis, through RQ (`docs/architecture.md` says why RQ).

The API and the command line only enqueue; `python -m indexer worker` runs the jobs, on
as many machines as share the Redis and the Elasticsearch. What people read about a job
(queued, indexing with its progress, done or failed with the report) stays in
Elasticsearch, in `{prefix}-uploads`; the queue only delivers the work, retries it with
a back-off, hands a dead worker's job to another, and keeps what failed for an admin.

Jobs carry ids only and are serialised as JSON, so nothing in Redis names a person or a
file, and nothing read from it is unpickled. Each installation's queue is named after its
index prefix: installations (and tests) that share one Redis never take each other's
jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis
from redis import Redis
from rq import Callback, Queue, Retry, Worker
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import (
    BaseRegistry,
    CanceledJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.serializers import JSONSerializer

from evidence.errors import N_, InvalidRequest, NotFound, QueueUnavailable
from evidence.settings import Settings

__all__ = [
    "CANCELLED",
    "QUEUED_AGAIN",
    "QUEUE_DOWN",
    "JobRow",
    "cancel_job",
    "check",
    "connect",
    "enqueue_upload",
    "job_queue",
    "list_jobs",
    "requeue",
    "retryable",
]

QUEUE_DOWN = N_(
    "The job queue is not answering, so nothing was accepted. Try again in a few minutes; "
    "if it lasts, tell an administrator."
)
# What an upload's page says when an admin acts on its job.
CANCELLED = "Cancelled by an administrator."
QUEUED_AGAIN = "Queued again by an administrator."
UPLOAD = "indexer.upload_job.run_upload"
UPLOAD_FAILED = "indexer.upload_job.attempt_failed"
UPLOAD_STOPPED = "indexer.upload_job.stopped"
KINDS = {UPLOAD: "upload"}
STATES = ("queued", "running", "waiting to retry", "failed", "cancelled", "done")
# Kept long enough for an admin to see and retry: a month for failures, a day for the rest.
FAILURE_TTL = 30 * 86_400
RESULT_TTL = 86_400


def connect(settings: Settings) -> Redis:
    """A client for the queue's Redis; it connects on first use, not here."""
    return Redis.from_url(
        settings.redis_url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=30
    )


def queue_name(prefix: str) -> str:
    return f"evidence-{prefix}"


def job_queue(connection: Redis, prefix: str) -> Queue:
    return Queue(queue_name(prefix), connection=connection, serializer=JSONSerializer)


def check(connection: Redis) -> None:
    """Raise `QueueUnavailable` unless Redis answers: asked before an upload's body is
    read, so nothing is taken in that could not be queued."""
    try:
        connection.ping()
    except redis.RedisError as error:
        raise QueueUnavailable(QUEUE_DOWN) from error


def enqueue_upload(settings: Settings, connection: Redis, upload_id: str) -> None:
    """Queue the indexing of an accepted upload; the RQ job id is the upload id, so the
    API, the command line and the admin page all name a job the same way."""
    delays = settings.jobs_retry_delays
    try:
        job_queue(connection, settings.index_prefix).enqueue(
            UPLOAD,
            upload_id,
            job_id=upload_id,
            description=f"upload {upload_id}",
            retry=Retry(max=len(delays), interval=delays) if delays else None,
            job_timeout=settings.jobs_timeout_seconds,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            on_failure=Callback(UPLOAD_FAILED),
            on_stopped=Callback(UPLOAD_STOPPED),
        )
    except redis.RedisError as error:
        raise QueueUnavailable(QUEUE_DOWN) from error


@dataclass(frozen=True)
class JobRow:
    """One job as the command line and the admin page list it."""

    id: str
    kind: str
    state: str
    enqueued_at: datetime | None
    ended_at: datetime | None
    retries_left: int
    error: str | None


# What each registry holds, in the order a listing shows them: what needs an admin first.
def _registries(queue: Queue) -> list[tuple[str, BaseRegistry]]:
    return [
        ("failed", FailedJobRegistry(queue=queue)),
        ("running", StartedJobRegistry(queue=queue)),
        ("waiting to retry", ScheduledJobRegistry(queue=queue)),  # type: ignore[no-untyped-call]
        ("cancelled", CanceledJobRegistry(queue=queue)),
        ("done", FinishedJobRegistry(queue=queue)),
    ]


def _last_line(text: str | None) -> str | None:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else None


def list_jobs(queue: Queue, states: set[str] | None = None) -> list[JobRow]:
    """Every job the queue still knows, queued ones included; `states` narrows it. A
    running job an admin stopped lands among RQ's failures: it is listed as cancelled."""
    wanted = set(STATES) if states is None else states
    ids: list[tuple[str, str]] = []
    if "queued" in wanted:
        ids += [("queued", job_id) for job_id in queue.get_job_ids()]
    for state, registry in _registries(queue):
        if state in wanted or (state == "failed" and "cancelled" in wanted):
            # No clean-up here: that runs failure callbacks, which is the workers' work.
            ids += [(state, job_id) for job_id in registry.get_job_ids(cleanup=False)]
    jobs = Job.fetch_many([job_id for _, job_id in ids], queue.connection, JSONSerializer)
    rows = []
    for (state, job_id), job in zip(ids, jobs, strict=True):
        if job is None:  # expired between the two reads
            continue
        if state == "failed" and job.get_status(refresh=False) is JobStatus.STOPPED:
            state = "cancelled"
        if state not in wanted:
            continue
        result = job.latest_result() if state in {"failed", "waiting to retry"} else None
        rows.append(
            JobRow(
                id=job_id,
                kind=KINDS.get(job.func_name or "", job.func_name or "?"),
                state=state,
                enqueued_at=job.enqueued_at,
                ended_at=job.ended_at,
                retries_left=job.retries_left or 0,
                error=_last_line(result.exc_string if result else None),
            )
        )
    return rows


def _fetch(queue: Queue, job_id: str) -> Job:
    try:
        return Job.fetch(job_id, connection=queue.connection, serializer=JSONSerializer)
    except NoSuchJobError as error:
        raise NotFound(N_("No job %(id)s."), id=job_id) from error


def retryable(queue: Queue, job_id: str) -> Job:
    """The job, if it failed or was cancelled; `InvalidRequest` otherwise. The caller
    says "queued" on the upload before `requeue`, so the worker's own status always
    lands after it."""
    job = _fetch(queue, job_id)
    status = job.get_status()
    if status not in {JobStatus.CANCELED, JobStatus.FAILED, JobStatus.STOPPED}:
        why = N_("Job %(id)s has not failed: it is %(state)s.")
        raise InvalidRequest(why, id=job_id, state=status.value)
    return job


def requeue(queue: Queue, job: Job) -> None:
    """Run a job `retryable` returned once more, from the start (a load skips what it
    already indexed)."""
    canceled = job.get_status() is JobStatus.CANCELED
    registry = CanceledJobRegistry(queue=queue) if canceled else FailedJobRegistry(queue=queue)
    try:
        registry.requeue(job)
    except InvalidJobOperation as error:  # another admin was quicker
        why = N_("Job %(id)s has not failed: it is %(state)s.")
        raise InvalidRequest(why, id=job.id, state=job.get_status().value) from error


def _worker_alive(queue: Queue, name: str | None) -> bool:
    key = Worker.redis_worker_namespace_prefix + (name or "")
    return bool(name) and bool(queue.connection.exists(key))


def _cancel_abandoned(queue: Queue, job: Job) -> None:
    """Cancel a running job whose worker is dead, before a live worker takes it over.
    RQ's `job.cancel()` cannot: it reads the job's executions, whose records expired
    with the worker's heartbeat. So its entries leave the running list here, and it
    joins the cancelled ones, as `cancel()` would do."""
    started = StartedJobRegistry(queue=queue)
    entries = [
        f"{job_id}:{execution}"
        for job_id, execution in started.get_job_and_execution_ids(cleanup=False)
        if job_id == job.id
    ]
    with queue.connection.pipeline() as pipeline:
        if entries:
            pipeline.zrem(started.key, *entries)
        job.set_status(JobStatus.CANCELED, pipeline=pipeline)
        CanceledJobRegistry(queue=queue).add(job, pipeline=pipeline)
        pipeline.execute()


def cancel_job(queue: Queue, job_id: str) -> bool:
    """Take a queued or retrying job off the queue, or stop a running one. True when it
    is cancelled now; False when its worker was asked to stop it (the job's stopped
    callback then says so on the upload, once its process is dead)."""
    job = _fetch(queue, job_id)
    status = job.get_status()
    try:
        if status is JobStatus.STARTED and _worker_alive(queue, job.worker_name):
            send_stop_job_command(queue.connection, job_id, serializer=JSONSerializer)
            return False
        if status is JobStatus.STARTED:
            _cancel_abandoned(queue, job)  # its worker is dead: no one would stop it
            return True
        if status not in {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}:
            why = N_("Job %(id)s cannot be cancelled: it is %(state)s.")
            raise InvalidRequest(why, id=job_id, state=status.value)
        job.cancel()
    except InvalidJobOperation as error:  # it ended, or another admin was quicker
        why = N_("Job %(id)s cannot be cancelled: it is %(state)s.")
        raise InvalidRequest(why, id=job_id, state=job.get_status().value) from error
    return True
