"""The job queue: Redis, through RQ (`docs/architecture.md` says why RQ).

The API and the command line only enqueue; `python -m indexer worker` runs the jobs, on
as many machines as share the Redis and the Elasticsearch. What people read about a job
(queued, indexing with its progress, done or failed with the report) stays in
Elasticsearch, in `{prefix}-uploads`; the queue only delivers the work, retries it with
a back-off, hands a dead worker's job to another, and keeps what failed for an admin.

Jobs carry ids and places (a part's span, a queued load's folder), never records or
reports, and are serialised as JSON, so nothing in Redis names a person in the
archive, and nothing read from it is unpickled. Each installation's queue is named after its
index prefix: installations (and tests) that share one Redis never take each other's
jobs.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
    "enqueue_join",
    "enqueue_list_search",
    "enqueue_load",
    "enqueue_parts",
    "enqueue_rebuild",
    "enqueue_upload",
    "enqueue_watch_evaluation",
    "job_queue",
    "join_id",
    "list_jobs",
    "owner_of",
    "part_id",
    "progress",
    "requeue",
    "retryable",
    "watches_started",
]

QUEUE_DOWN = N_(
    "The job queue is not answering, so nothing was accepted. Try again in a few minutes; "
    "if it lasts, tell an administrator."
)
# What an upload's page says when an admin acts on its job.
CANCELLED = "Cancelled by an administrator."
QUEUED_AGAIN = "Queued again by an administrator."
UPLOAD = "indexer.upload_job.run_upload"
UPLOAD_PART = "indexer.upload_job.run_upload_part"
UPLOAD_JOIN = "indexer.upload_job.join_upload"
UPLOAD_FAILED = "indexer.upload_job.attempt_failed"
UPLOAD_STOPPED = "indexer.upload_job.stopped"
LOAD = "indexer.load_job.run_load"
LOAD_PART = "indexer.load_job.run_load_part"
LOAD_JOIN = "indexer.load_job.join_load"
REBUILD = "indexer.load_job.run_rebuild"
LIST_SEARCH = "indexer.list_job.run_list_search"
LIST_FAILED = "indexer.list_job.attempt_failed"
LIST_STOPPED = "indexer.list_job.stopped"
WATCHES = "indexer.watch_job.evaluate"
KINDS = {
    UPLOAD: "upload",
    UPLOAD_PART: "upload part",
    UPLOAD_JOIN: "upload join",
    LOAD: "load",
    LOAD_PART: "load part",
    LOAD_JOIN: "load join",
    REBUILD: "rebuild",
    LIST_SEARCH: "list search",
    WATCHES: "watches",
}
# A split load's jobs are named after the job that split it: `up-…-p3`, `up-…-end`.
_PART_SUFFIX = re.compile(r"-(p[0-9]+|end)$")
STATES = ("queued", "running", "waiting to retry", "failed", "cancelled", "done")
# Kept a month, long enough for an admin to see and retry, done jobs too: a split load's
# own job names its parts, which its cancel and retry reach, however long they wait.
FAILURE_TTL = 30 * 86_400
RESULT_TTL = FAILURE_TTL


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


def owner_of(job_id: str) -> str:
    """The job a split load's part belongs to (an upload's id, say); any other job is
    its own owner."""
    return _PART_SUFFIX.sub("", job_id)


def part_id(owner: str, number: int) -> str:
    return f"{owner}-p{number}"


def join_id(owner: str) -> str:
    return f"{owner}-end"


# The failure and stopped callbacks of the jobs whose documents tell people how they went.
_UPLOAD_CALLBACKS = (UPLOAD_FAILED, UPLOAD_STOPPED)
_LIST_CALLBACKS = (LIST_FAILED, LIST_STOPPED)


def _options(settings: Settings, callbacks: tuple[str, str] | None = None) -> dict[str, Any]:
    """How every job runs: retried with the configured back-off, stopped after the
    timeout, kept a month when done or failed. An upload's and a list search's jobs
    tell their document when an attempt fails or an admin stops them (`callbacks`)."""
    delays = settings.jobs_retry_delays
    told = (
        {"on_failure": Callback(callbacks[0]), "on_stopped": Callback(callbacks[1])}
        if callbacks
        else {}
    )
    return told | {
        "retry": Retry(max=len(delays), interval=delays) if delays else None,
        "job_timeout": settings.jobs_timeout_seconds,
        "result_ttl": RESULT_TTL,
        "failure_ttl": FAILURE_TTL,
    }


def _enqueue(
    settings: Settings,
    connection: Redis,
    function: str,
    argument: Any,
    job_id: str,
    description: str,
    callbacks: tuple[str, str] | None = None,
) -> None:
    """Queue one job; `QueueUnavailable` when Redis does not take it."""
    try:
        job_queue(connection, settings.index_prefix).enqueue(
            function,
            argument,
            job_id=job_id,
            description=description,
            **_options(settings, callbacks),
        )
    except redis.RedisError as error:
        raise QueueUnavailable(QUEUE_DOWN) from error


def enqueue_upload(settings: Settings, connection: Redis, upload_id: str) -> None:
    """Queue the indexing of an accepted upload; the RQ job id is the upload id, so the
    API, the command line and the admin page all name a job the same way."""
    _enqueue(
        settings, connection, UPLOAD, upload_id, upload_id, f"upload {upload_id}", _UPLOAD_CALLBACKS
    )


def enqueue_load(settings: Settings, connection: Redis, bundle: str) -> str:
    """Queue the load of a bundle folder (`python -m indexer load --queue`); its id."""
    load_id = "ld-" + secrets.token_hex(8)
    _enqueue(settings, connection, LOAD, bundle, load_id, f"load {bundle}")
    return load_id


def enqueue_rebuild(settings: Settings, connection: Redis, bundles: list[str]) -> str:
    """Queue a rebuild (`python -m indexer rebuild --queue`); its id. No bundles: every
    bundle loaded so far, as the worker finds them."""
    rebuild_id = "rb-" + secrets.token_hex(8)
    _enqueue(settings, connection, REBUILD, bundles, rebuild_id, "rebuild")
    return rebuild_id


def enqueue_list_search(settings: Settings, connection: Redis, list_id: str) -> None:
    """Queue a list search; the job id is the list's id. It carries no entry: they stay
    in the list's document."""
    description = f"list search {list_id}"
    _enqueue(settings, connection, LIST_SEARCH, list_id, list_id, description, _LIST_CALLBACKS)


def _watches_due_flag(prefix: str) -> str:
    return f"{queue_name(prefix)}:watches-due"


def enqueue_watch_evaluation(settings: Settings, connection: Redis) -> bool:
    """Queue a count of every watch's new matches, after a load, upload or rebuild;
    False when one is queued already and has not started (it will see this change)."""
    flag = _watches_due_flag(settings.index_prefix)
    if not connection.set(flag, "1", nx=True, ex=FAILURE_TTL):
        return False
    job_id = "wa-" + secrets.token_hex(8)
    try:
        _enqueue(settings, connection, WATCHES, settings.index_prefix, job_id, "watches counted")
    except QueueUnavailable:
        connection.delete(flag)
        raise
    return True


def watches_started(settings: Settings, connection: Redis) -> None:
    """An evaluation starts: a change from now on queues another."""
    connection.delete(_watches_due_flag(settings.index_prefix))


def _split_functions(owner: str) -> tuple[str, str]:
    return (UPLOAD_PART, UPLOAD_JOIN) if owner.startswith("up-") else (LOAD_PART, LOAD_JOIN)


def _join_flag(prefix: str, owner: str) -> str:
    return f"{queue_name(prefix)}:joined:{owner}"


def enqueue_parts(
    settings: Settings,
    connection: Redis,
    owner: str,
    parts: list[dict[str, Any]],
    arguments: list[Any],
) -> None:
    """Queue the parts of a split load, any worker taking any part. The part that
    finishes last queues the job that joins their reports (`enqueue_join`). Called by
    the owner's job, which notes how many parts it made (cancelling it cancels them)."""
    connection.delete(_join_flag(settings.index_prefix, owner))  # a load planned again
    queue = job_queue(connection, settings.index_prefix)
    options = _options(settings, _UPLOAD_CALLBACKS if owner.startswith("up-") else None)
    for number, part in enumerate(parts):
        queue.enqueue(
            _split_functions(owner)[0],
            owner,
            number,
            len(parts),
            part,
            *arguments,
            job_id=part_id(owner, number),
            description=f"{owner} part {number + 1} of {len(parts)}",
            **options,
        )


def enqueue_join(
    settings: Settings, connection: Redis, owner: str, count: int, arguments: list[Any]
) -> bool:
    """Queue the job that joins a split load's `count` part reports, once: of parts
    finishing together (or a part run twice), only the first call queues it, unless
    its job never came to be."""
    flag = _join_flag(settings.index_prefix, owner)
    taken = connection.set(flag, "1", nx=True, ex=FAILURE_TTL)
    if not taken and Job.exists(join_id(owner), connection=connection):
        return False
    # The flag is new, or it outlived an enqueue that failed after it was set (the part
    # that set it failed too, and its retry is here): queue the join now.
    try:
        job_queue(connection, settings.index_prefix).enqueue(
            _split_functions(owner)[1],
            owner,
            count,
            *arguments,
            job_id=join_id(owner),
            description=f"{owner}: the parts' reports joined",
            **_options(settings, _UPLOAD_CALLBACKS if owner.startswith("up-") else None),
        )
    except BaseException:
        connection.delete(flag)  # the part fails, and its retry queues the join
        raise
    return True


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


_RETRYABLE = {JobStatus.CANCELED, JobStatus.FAILED, JobStatus.STOPPED}


def retryable(queue: Queue, job_id: str) -> list[Job]:
    """What retrying job `job_id` runs again: the job itself if it failed or was
    cancelled; for a load that was split, its parts (and joining job) that failed or
    were cancelled. `InvalidRequest` when there is none. The caller says "queued" on
    the upload before `requeue`, so the worker's own status always lands after it."""
    job = _fetch(queue, job_id)
    status = job.get_status()
    if status in _RETRYABLE:
        return [job]
    again = [each for each in _split_jobs(queue, job) if each.get_status() in _RETRYABLE]
    if not again:
        why = N_("Job %(id)s has not failed: it is %(state)s.")
        raise InvalidRequest(why, id=job_id, state=status.value)
    return again


def requeue(queue: Queue, jobs: list[Job]) -> None:
    """Run what `retryable` returned once more, from the start (a load skips what it
    already indexed)."""
    for job in jobs:
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


def _split_jobs(queue: Queue, job: Job) -> list[Job]:
    """The parts and the joining job of a load `job` split, if it did."""
    count = int(job.meta.get("parts", 0))
    if not count:
        return []
    ids = [part_id(job.id, number) for number in range(count)] + [join_id(job.id)]
    found = Job.fetch_many(ids, queue.connection, JSONSerializer)
    return [each for each in found if each is not None]


def progress(queue: Queue, job_id: str) -> tuple[int, str | None]:
    """Records read so far by a queued load (over all its parts), and why it stopped
    for good if it did: a job of it that failed with no retry left, or was cancelled."""
    job = _fetch(queue, job_id)
    read = 0
    for each in [job, *_split_jobs(queue, job)]:
        read += int(each.meta.get("read", 0))
        status = each.get_status()
        if status in _RETRYABLE:
            result = each.latest_result()
            error = _last_line(result.exc_string if result else None)
            return read, f"{each.id} {status.value}" + (f": {error}" if error else "")
    return read, None


def _cannot_cancel(job: Job) -> InvalidRequest:
    why = N_("Job %(id)s cannot be cancelled: it is %(state)s.")
    return InvalidRequest(why, id=job.id, state=job.get_status().value)


def _cancel_one(queue: Queue, job: Job) -> bool | None:
    """True: cancelled now; False: its live worker was asked to stop it; None: it had
    ended already."""
    status = job.get_status()
    if status is JobStatus.STARTED and _worker_alive(queue, job.worker_name):
        send_stop_job_command(queue.connection, job.id, serializer=JSONSerializer)
        return False
    if status is JobStatus.STARTED:
        _cancel_abandoned(queue, job)  # its worker is dead: no one would stop it
        return True
    if status not in {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}:
        return None
    job.cancel()
    return True


def cancel_job(queue: Queue, job_id: str) -> bool:
    """Take a queued or retrying job off the queue, or stop a running one; a load that
    was split, all its parts. True when it is cancelled now; False when a worker was
    asked to stop it (the job's stopped callback then says so on the upload, once its
    process is dead)."""
    job = _fetch(queue, job_id)
    try:
        outcomes = [_cancel_one(queue, each) for each in [job, *_split_jobs(queue, job)]]
    except InvalidJobOperation as error:  # it ended, or another admin was quicker
        raise _cannot_cancel(job) from error
    acted = [outcome for outcome in outcomes if outcome is not None]
    if not acted:
        raise _cannot_cancel(job)
    return all(acted)
