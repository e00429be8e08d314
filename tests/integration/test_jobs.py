"""The job queue against a real Redis and real workers (`python -m indexer worker`):
the API only enqueues, a stopped Redis refuses uploads instead of losing them, the API
restarts while a job runs, a poisoned job ends in the failed list, and admins retry
and cancel from the command line."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient
from redis import Redis
from rq.job import Job
from rq.results import Result
from rq.serializers import JSONSerializer
from rq.worker import Worker

from evidence import jobqueue
from evidence.access import Role
from evidence.devnode import ensure_redis, stop_redis
from evidence.indices import audit_index, uploads_index, users_index
from evidence.settings import Settings, get_settings
from indexer.demo import generate
from indexer.worker import EvidenceWorker
from search_api.app import create_app
from search_api.jobs.models import STATES
from tests.conftest import (
    bearer_headers,
    run_cli,
    run_jobs,
    running_worker,
    settings_env,
    wait_until,
)
from tests.integration.test_uploads import EXAMPLE, _zip_of

EXAMPLE_ZIP = _zip_of(EXAMPLE, prefix="example-bundle/")


@dataclass
class Site:
    client: TestClient
    headers: dict[str, dict[str, str]]
    settings: Settings
    es: Elasticsearch

    def upload(self, archive: bytes = EXAMPLE_ZIP, who: str = "ivan") -> Any:
        files = {"file": ("bundle.zip", archive, "application/zip")}
        return self.client.post("/api/uploads", headers=self.headers[who], files=files)

    def accepted(self, archive: bytes = EXAMPLE_ZIP) -> str:
        response = self.upload(archive)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def job(self, upload_id: str, who: str = "ivan") -> dict[str, Any]:
        answer = self.client.get(f"/api/uploads/{upload_id}", headers=self.headers[who])
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def jobs_cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli("indexer", self.settings, "jobs", *args, env=settings_env(self.settings))


def _store(settings: Settings, tmp_path: Path) -> Settings:
    update = {"uploads_dir": tmp_path / "store", "originals_dir": tmp_path / "originals"}
    return settings.model_copy(update=update | {"upload_max_bytes": 64 * 1024 * 1024})


@pytest.fixture
def site(settings: Settings, es: Elasticsearch, tmp_path: Path) -> Iterator[Site]:
    settings = _store(settings, tmp_path)
    headers = bearer_headers(settings, {"ivan": Role.INVESTIGATOR, "ada": Role.ADMIN})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Site(client, headers, settings, es)


def _files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def test_uploads_answer_503_while_redis_is_stopped_and_nothing_is_accepted(
    settings: Settings, es: Elasticsearch, scratch_redis: Settings, tmp_path: Path
) -> None:
    ensure_redis(scratch_redis)
    settings = _store(settings, tmp_path).model_copy(update={"redis_url": scratch_redis.redis_url})
    headers = bearer_headers(settings, {"ivan": Role.INVESTIGATOR})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        site = Site(client, headers, settings, es)
        first = site.accepted()
        bundles = _files(settings.uploads_dir / "bundles")
        assert stop_redis(scratch_redis) is True  # as a restart or an outage would
        refused = site.upload()
        assert refused.status_code == 503
        assert "job queue is not answering" in refused.json()["detail"]
        # Nothing accepted: no job, no new bundle, nothing left in staging.
        es.indices.refresh(index=uploads_index(settings.index_prefix))
        assert es.count(index=uploads_index(settings.index_prefix))["count"] == 1
        assert _files(settings.uploads_dir / "bundles") == bundles
        assert _files(settings.uploads_dir / "staging") == []
        es.indices.refresh(index=audit_index(settings.index_prefix))
        audited = es.search(
            index=audit_index(settings.index_prefix),
            query={"bool": {"filter": [{"term": {"action": "upload"}}]}},
        )["hits"]["hits"]
        assert sorted(hit["_source"]["outcome"] for hit in audited) == ["ok", "refused"]
        # Redis back: the job queued before the stop is still there, and runs.
        ensure_redis(scratch_redis)
        run_jobs(settings)
        assert site.job(first)["status"] == "done"
        assert site.upload().status_code == 202


def test_the_api_restarts_while_a_job_runs_and_the_job_completes(
    site: Site, tmp_path: Path
) -> None:
    generate(tmp_path / "demo", scale="small", seed=7)
    archive = _zip_of(tmp_path / "demo" / "caesar", prefix="caesar/")
    upload_id = site.accepted(archive)
    settings = site.settings
    index = uploads_index(settings.index_prefix)
    with running_worker(settings, tmp_path / "worker.log"):

        def reading() -> bool:
            source = site.es.get(index=index, id=upload_id)["_source"]
            return source["status"] == "indexing" and source["read"] > 0

        wait_until(reading, 120, "indexing")
        site.client.__exit__(None, None, None)  # the API stops mid-job ...
        with TestClient(create_app(settings), raise_server_exceptions=False) as restarted:
            site.client = restarted  # ... and a new one starts

            def finished() -> dict[str, Any] | None:
                job = site.job(upload_id)
                return job if job["status"] in {"done", "failed"} else None

            job = wait_until(finished, 120, "the upload's end")
    assert (job["status"], job["read"]) == ("done", 2000)
    # The demo has a few bad records on purpose; every record is counted once.
    assert job["indexed"] + job["unchanged"] + job["rejected"] == 2000 > job["indexed"] > 1900


def _failed_at(connection: Redis, job_id: str) -> datetime:
    """When the job last failed for good (RQ keeps a result for that)."""
    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    result = job.latest_result()
    assert result is not None and result.type is Result.Type.FAILED
    return result.created_at


def test_a_poisoned_job_is_retried_then_lands_in_the_failed_list_with_its_error(
    site: Site, tmp_path: Path
) -> None:
    settings = site.settings
    connection = jobqueue.connect(settings)
    # A job for an upload that does not exist, and an upload whose bundle path was
    # changed to one outside the upload store: neither may ever run.
    jobqueue.enqueue_upload(settings, connection, "up-0000000000000000")
    tampered = site.accepted()
    index = uploads_index(settings.index_prefix)
    site.es.update(index=index, id=tampered, doc={"bundle": "/etc"}, refresh=True)
    with running_worker(settings, tmp_path / "worker.log"):

        def failed() -> list[str]:
            listed = site.jobs_cli("list", "--state", "failed")
            assert listed.returncode == 0, listed.stderr
            lines = listed.stdout.splitlines()
            return lines if len(lines) == 2 else []

        lines = wait_until(failed, 120, "both jobs failing")
    by_id = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert by_id["up-0000000000000000"][1:3] == ["upload", "failed"]
    assert (
        by_id["up-0000000000000000"][-1]
        == "indexer.upload_job.UploadMissing: no upload up-0000000000000000"
    )
    assert by_id[tampered][-1].endswith("names a bundle outside the upload store")
    # Each ran twice: once, and once more after the retry's one-second delay.
    assert by_id[tampered][4] == by_id["up-0000000000000000"][4] == "retries left 0"
    first_failure = _failed_at(connection, tampered)
    job = site.job(tampered)
    assert (job["status"], job["message"]) == (
        "failed",
        "Indexing failed: indexing stopped on an error; it is logged.",
    )
    assert "/etc" not in str(job)
    # An admin retries it: it runs once more (and fails once more).
    retried = site.jobs_cli("retry", tampered)
    assert (retried.returncode, retried.stdout.strip()) == (0, f"{tampered}: queued")
    assert site.job(tampered)["status"] == "queued"
    run_jobs(settings)
    assert _failed_at(connection, tampered) > first_failure
    assert site.job(tampered)["status"] == "failed"
    unknown = site.jobs_cli("retry", "up-1111111111111111")
    assert (unknown.returncode, unknown.stderr.strip()) == (2, "error: No job up-1111111111111111.")
    connection.close()


def test_an_admin_cancels_a_waiting_job_and_runs_it_later(site: Site) -> None:
    upload_id = site.accepted()
    cancelled = site.jobs_cli("cancel", upload_id)
    assert cancelled.returncode == 0, cancelled.stderr
    assert site.job(upload_id)["status"] == "cancelled"
    listed = site.jobs_cli("list", "--state", "cancelled").stdout.split("\t")
    assert listed[:3] == [upload_id, "upload", "cancelled"]
    run_jobs(site.settings)  # nothing to run
    assert site.job(upload_id)["status"] == "cancelled"
    again = site.jobs_cli("cancel", upload_id)
    assert again.returncode == 2
    assert f"Job {upload_id} cannot be cancelled: it is canceled." in again.stderr
    assert site.jobs_cli("retry", upload_id).returncode == 0
    run_jobs(site.settings)
    job = site.job(upload_id)
    assert (job["status"], job["indexed"]) == ("done", 5)


def test_the_job_commands_say_when_redis_is_away(site: Site) -> None:
    away = site.settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/0"})
    for args in (("jobs", "list"), ("jobs", "retry", "up-1"), ("worker", "--burst")):
        done = run_cli("indexer", away, *args, env=settings_env(away))
        assert done.returncode == 3, (args, done.stderr)
        assert "error: Redis at redis://127.0.0.1:9/0 is unreachable" in done.stderr


def test_an_admin_stops_a_running_job_and_nothing_it_started_keeps_running(
    site: Site, tmp_path: Path
) -> None:
    generate(tmp_path / "demo", scale="small", seed=7)
    upload_id = site.accepted(_zip_of(tmp_path / "demo" / "caesar", prefix="caesar/"))
    index = uploads_index(site.settings.index_prefix)
    with running_worker(site.settings, tmp_path / "worker.log", workers=2):

        def indexing() -> bool:
            source = site.es.get(index=index, id=upload_id)["_source"]
            return source["status"] == "indexing" and source["read"] > 0

        wait_until(indexing, 120, "indexing")
        stopped = site.jobs_cli("cancel", upload_id)
        assert stopped.returncode == 0, stopped.stderr

        def cancelled() -> list[str]:
            listed = site.jobs_cli("list", "--state", "cancelled").stdout.split("\t")
            return listed if listed[0] == upload_id else []

        wait_until(cancelled, 60, "the stop")
        assert site.jobs_cli("list", "--state", "failed").stdout == ""
        time.sleep(1.5)  # a progress write of the stopped run would have landed by now
        assert site.job(upload_id)["status"] == "cancelled"
        assert jobqueue.STATES == STATES  # the CLI's and the page's names agree
        assert site.jobs_cli("retry", upload_id).returncode == 0

        def finished() -> bool:
            return site.job(upload_id)["status"] == "done"

        wait_until(finished, 120, "the retried upload's end")
    job = site.job(upload_id)
    assert job["indexed"] + job["unchanged"] + job["rejected"] == job["read"] == 2000


def test_a_retry_loads_as_the_uploader_is_now_not_as_they_were(site: Site) -> None:
    """Demoted since the upload: held to the lower ceiling. Disabled: nothing is loaded."""
    users = users_index(site.settings.index_prefix)
    demoted = site.accepted()
    site.es.update(index=users, id="ivan", doc={"role": "journalist"}, refresh=True)
    run_jobs(site.settings)
    site.es.update(index=users, id="ivan", doc={"role": "investigator"}, refresh=True)
    job = site.job(demoted)
    assert job["status"] == "done" and job["rejected"] >= 1
    assert job["indexed"] + job["rejected"] == job["read"] == 5
    disabled = site.accepted()
    site.es.update(index=users, id="ivan", doc={"disabled": True}, refresh=True)
    run_jobs(site.settings)
    read = site.es.get(index=uploads_index(site.settings.index_prefix), id=disabled)["_source"]
    assert (read["status"], read["message"], read["read"]) == (
        "failed",
        "The uploader's account is disabled or gone; nothing was indexed.",
        0,
    )


def test_a_dead_worker_s_job_is_listed_and_cancelled_and_is_not_taken_over(
    site: Site, tmp_path: Path
) -> None:
    """Listing must not run the dead job's failure callback (RQ's clean-up; it needs the
    main thread and is the workers' work); cancelling it cancels it at once, since no
    worker is there to stop it, and no worker takes it over afterwards."""
    generate(tmp_path / "demo", scale="small", seed=7)
    upload_id = site.accepted(_zip_of(tmp_path / "demo" / "caesar", prefix="caesar/"))
    index = uploads_index(site.settings.index_prefix)
    with running_worker(site.settings, tmp_path / "first.log") as first:

        def indexing() -> bool:
            source = site.es.get(index=index, id=upload_id)["_source"]
            return source["status"] == "indexing" and source["read"] > 0

        wait_until(indexing, 120, "indexing")
        connection = jobqueue.connect(site.settings)
        job = Job.fetch(upload_id, connection=connection, serializer=JSONSerializer)
        key = Worker.redis_worker_namespace_prefix + str(job.worker_name)
        started = connection.hget(key, "last_heartbeat")
        wait_until(
            lambda: connection.hget(key, "last_heartbeat") != started, 30, "a busy heartbeat"
        )
        first.kill()
        first.wait()
    # A busy worker's key lasts its heartbeat and the grace (RQ kept it a minute, and a
    # dead worker's job could not be cancelled until then).
    busy_for = site.settings.jobs_heartbeat_seconds + site.settings.jobs_grace_seconds
    assert connection.ttl(key) <= busy_for  # -2 once gone
    wait_until(lambda: not connection.exists(key), busy_for + 10, "the dead worker's key to go")
    listed = site.client.get("/api/admin/jobs", headers=site.headers["ada"])
    assert listed.status_code == 200, listed.text
    assert [(job["id"], job["state"]) for job in listed.json()["jobs"]] == [(upload_id, "running")]
    cancelled = site.client.post(f"/api/admin/jobs/{upload_id}/cancel", headers=site.headers["ada"])
    assert cancelled.json() == {"id": upload_id, "state": "cancelled"}
    with running_worker(site.settings, tmp_path / "second.log"):
        time.sleep(4)  # several maintenance rounds
    assert site.job(upload_id)["status"] == "cancelled"


def test_a_worker_outlives_a_horse_rq_killed_and_a_callback_that_cannot_write(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RQ kills a horse over its time limit and reports no status; the failure callback
    then finds Elasticsearch away. Neither may take the worker down with it."""
    connection = jobqueue.connect(site.settings)
    jobqueue.enqueue_upload(site.settings, connection, "up-3333333333333333")
    job = Job.fetch("up-3333333333333333", connection=connection, serializer=JSONSerializer)
    worker = EvidenceWorker(
        jobqueue.job_queue(connection, site.settings.index_prefix), site.settings
    )
    monkeypatch.setenv("ELASTICSEARCH_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    try:
        worker.handle_work_horse_killed(job, None, None, None)  # raises nothing
    finally:
        monkeypatch.delenv("ELASTICSEARCH_URL")
        get_settings.cache_clear()
        connection.close()


def _deaf_to_sigterm(ready: Any) -> None:
    """What a scheduler's process is between its fork and its own handler: SIGTERM
    does not end it."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ready.set()
    time.sleep(120)


def test_a_worker_stops_a_scheduler_that_ignores_sigterm(site: Site) -> None:
    """A burst worker ran into RQ's scheduler process started a moment before and waited
    for it forever (two suite runs hung on it for 300 s each): the stop has a deadline."""
    connection = jobqueue.connect(site.settings)
    worker = EvidenceWorker(
        jobqueue.job_queue(connection, site.settings.index_prefix), site.settings
    )
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    scheduler = context.Process(target=_deaf_to_sigterm, args=(ready,))
    scheduler.start()
    assert ready.wait(30)
    worker.scheduler = SimpleNamespace(_process=scheduler)  # type: ignore[assignment]
    stopping = threading.Thread(target=worker.stop_scheduler, daemon=True)
    stopping.start()
    stopping.join(timeout=30)
    alive = stopping.is_alive()
    if scheduler.is_alive():
        scheduler.kill()
    connection.close()
    assert not alive, "stop_scheduler still waiting after 30 s"
    assert scheduler.exitcode == -signal.SIGKILL
