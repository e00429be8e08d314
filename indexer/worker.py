"""`python -m indexer worker`: run the queue's jobs, outside the API.

An RQ worker forks a "work horse" per job and watches it. Four changes to RQ's own:

- The horse, and the scheduler's process, die with their worker (Linux's parent-death
  signal; a scheduler left behind would run on, orphaned, for good). The horse takes
  its own process group with it: the indexer's forkserver and pool processes, which would
  otherwise wait forever as orphans (each holds the other's pipes open). Without this a
  worker killed with SIGKILL would leave its horse running, unwatched, while another
  worker took the same job over: two loads of one bundle at once.
- How long a job, and the busy worker running it, may miss a heartbeat before they
  count as dead is a setting (`EVIDENCE_JOBS_GRACE_SECONDS`), not RQ's fixed minute
  (RQ keeps a busy worker's key for that minute whatever the job's grace, so a dead
  worker's job could not be cancelled for a minute), and idle workers look for
  abandoned jobs every `EVIDENCE_JOBS_MAINTENANCE_SECONDS`: together they are the
  visibility timeout of `docs/reliability.md`.
- A horse that dies (killed, out of memory) goes through the job's failure callback like
  any failed attempt, so the upload's page says "retrying" or "failed", never
  "indexing" forever; what it started in its process group is killed too.
- Stopping the scheduler's process has a deadline. Started a moment before (RQ starts it
  from maintenance even in burst mode), it may not yet have its own SIGTERM handler:
  the worker's, inherited, only asks for a warm stop, and RQ waited for it forever.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import secrets
import signal
import socket
import sys
from resource import struct_rusage

from redis.client import Pipeline
from rq import Queue, Worker
from rq.job import Job
from rq.serializers import JSONSerializer

from evidence.jobqueue import connect, job_queue
from evidence.settings import Settings

__all__ = ["EvidenceWorker", "WorkerDied", "run_worker"]

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
# Sent to the horse when its worker dies; its handler ends the horse's process group.
PARENT_DIED = signal.SIGRTMIN
RQ_HEARTBEAT_MARGIN = 60  # what RQ adds to the heartbeat interval; replaced by the grace
SCHEDULER_STOP_SECONDS = 5  # the scheduler checks for a stop every second


class WorkerDied(Exception):
    """The horse running a job ended without finishing it (a signal, or out of memory)."""


def _end_group(*_: object) -> None:
    """Kill this horse and everything it started: RQ gives each horse a process group
    of its own, so the group is the job's processes and nothing else."""
    if os.getpgrp() == os.getpid():
        os.killpg(0, signal.SIGKILL)
    os._exit(1)


def _prctl_death_signal(signum: int) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(PR_SET_PDEATHSIG, signum) == 0)


def _child_dies_with_worker() -> None:
    """Run in every child the worker forks: killed when the worker dies. For the
    scheduler's process; a horse sets a handler of its own (`_die_with_parent`)."""
    _prctl_death_signal(signal.SIGKILL)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to signal this horse when its worker dies, and then end its group; if
    the worker died already, go now."""
    if sys.platform != "linux":
        return
    signal.signal(PARENT_DIED, _end_group)
    if not _prctl_death_signal(PARENT_DIED):
        # Never run a job that could outlive its worker; the worker sees this horse fail.
        log.error("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
        os._exit(1)
    if os.getppid() != parent:
        _end_group()


class EvidenceWorker(Worker):
    """RQ's forking worker, with the four changes the module describes."""

    def __init__(self, queue: Queue, settings: Settings, name: str | None = None) -> None:
        self._grace = settings.jobs_grace_seconds
        self._pid = os.getpid()
        super().__init__(
            [queue],
            # A restarted container has the same host name and often the same pid: the
            # suffix keeps it from colliding with its dead self's registration.
            name=name or f"{socket.gethostname()}.{os.getpid()}.{secrets.token_hex(3)}",
            connection=queue.connection,
            serializer=JSONSerializer,
            job_monitoring_interval=settings.jobs_heartbeat_seconds,
            maintenance_interval=settings.jobs_maintenance_seconds,
            # An idle worker wakes this often, so maintenance runs on time.
            worker_ttl=settings.jobs_maintenance_seconds + 15,
            work_horse_killed_handler=self._horse_died,
        )

    def stop_scheduler(self) -> None:
        process = self.scheduler._process if self.scheduler else None
        if process is None or process.pid is None:
            return
        with contextlib.suppress(OSError):
            os.kill(process.pid, signal.SIGTERM)
        process.join(SCHEDULER_STOP_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()

    def get_heartbeat_ttl(self, job: Job) -> int:
        return super().get_heartbeat_ttl(job) - RQ_HEARTBEAT_MARGIN + self._grace

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        if timeout == self.job_monitoring_interval + RQ_HEARTBEAT_MARGIN:  # a busy worker's
            timeout = self.job_monitoring_interval + self._grace
        super().heartbeat(timeout, pipeline)

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        _die_with_parent(self._pid)
        super().main_work_horse(job, queue)

    def _horse_died(
        self, job: Job, pid: int | None, status: int | None, rusage: struct_rusage | None
    ) -> None:
        """Before RQ retries or fails the job: end what the horse started, and tell the
        job's failure callback. Never raises: the worker must go on to RQ's own handling
        (and to its next job)."""
        if pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)  # the horse's group: its pid is the group id
        if status is None:
            how = "stopped by its worker"  # RQ killed it: over its time limit
        elif os.WIFSIGNALED(status):
            how = f"signal {os.WTERMSIG(status)}"
        else:
            how = f"exit status {os.WEXITSTATUS(status)}"
        died = WorkerDied(f"the process running job {job.id} ended ({how})")
        try:
            job.execute_failure_callback(self.death_penalty_class, WorkerDied, died, None)
        except Exception:
            log.exception("job %s: its failure callback failed", job.id)


def run_worker(
    settings: Settings,
    burst: bool = False,
    name: str | None = None,
    max_jobs: int | None = None,
) -> bool:
    """Run jobs until stopped (SIGTERM or Ctrl-C finish the current job first), with
    `burst` until the queue is empty, or until `max_jobs` have run. True when at least
    one job ran."""
    if sys.platform == "linux":
        os.register_at_fork(after_in_child=_child_dies_with_worker)
    queue = job_queue(connect(settings), settings.index_prefix)
    worker = EvidenceWorker(queue, settings, name)
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO", max_jobs=max_jobs)
