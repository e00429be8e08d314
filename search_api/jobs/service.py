"""The job queue for admins, audited: the list (`jobs.view`), a retry (`job.retry`) and
a cancellation (`job.cancel`). Redis calls run in worker threads, never on the event
loop; Redis away is a 503. The upload a job indexes is told of a retry or a
cancellation through `app.state.mark_upload` (the uploads package's), so its page
says so too."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import redis
from redis import Redis

from evidence import jobqueue
from evidence.errors import QueueUnavailable
from evidence.settings import Settings
from search_api.deps import Caller
from search_api.jobs.models import JobList, JobOut, State

__all__ = ["JobAdmin", "MarkUpload"]

P = ParamSpec("P")
T = TypeVar("T")
MarkUpload = Callable[[str, str, str], Awaitable[None]]


async def _on_redis(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    try:
        return await asyncio.to_thread(call, *args, **kwargs)
    except redis.RedisError as error:
        raise QueueUnavailable(jobqueue.QUEUE_DOWN) from error


class JobAdmin:
    def __init__(
        self, connection: Redis, settings: Settings, mark_upload: MarkUpload, caller: Caller
    ) -> None:
        self._queue = jobqueue.job_queue(connection, settings.index_prefix)
        self._mark_upload = mark_upload
        self.caller = caller

    async def list(self, state: State | None) -> JobList:
        rows = await _on_redis(jobqueue.list_jobs, self._queue, {state} if state else None)
        await self.caller.audit("jobs.view", params={"state": state} if state else None)
        jobs = [
            JobOut(
                **row.__dict__,
                url=f"/uploads/{jobqueue.owner_of(row.id)}"
                if row.kind.startswith("upload")
                else None,
            )
            for row in rows
        ]
        return JobList(jobs=jobs, state=state)

    async def retry(self, job_id: str) -> None:
        again = await _on_redis(jobqueue.retryable, self._queue, job_id)
        await self.caller.audit("job.retry", params={"job": job_id})
        # Before the requeue, so whatever the worker writes next is what stays.
        upload = jobqueue.owner_of(job_id)
        await self._mark_upload(upload, "queued", jobqueue.QUEUED_AGAIN)
        await _on_redis(jobqueue.requeue, self._queue, again)

    async def cancel(self, job_id: str) -> str:
        """ "cancelled", or "stopping" for a running job: its worker then says
        "cancelled" on the upload once the job's process is dead."""
        await self.caller.audit("job.cancel", params={"job": job_id})
        if await _on_redis(jobqueue.cancel_job, self._queue, job_id):
            await self._mark_upload(jobqueue.owner_of(job_id), "cancelled", jobqueue.CANCELLED)
            return "cancelled"
        return "stopping"
