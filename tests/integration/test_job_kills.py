"""Workers killed with SIGKILL in the middle of an upload of 20,000 Caesar-style photo
records split into parts of 8,000, against the real Redis, node and
`python -m indexer worker`:

1. the process running a part (RQ's "work horse") is killed: its worker sees it die,
   and the part runs again;
2. then the worker itself is killed in the middle of a part: its horse dies with it (no
   orphan keeps loading), and so does its scheduler process; once the part's heartbeat
   is overdue a second worker takes it over, and runs the parts left.

The second worker finishes: the index holds exactly the bundle's valid records, the
report's counts reconcile, and the records indexed before the kills are not indexed
again (they count as unchanged).
"""

from __future__ import annotations

import csv
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from evidence import jobqueue
from evidence.access import Role
from evidence.indices import type_alias, uploads_index
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import bearer_headers, caesar_like_bundle, running_worker, wait_until
from tests.integration.test_uploads import _zip_of

# Three parts of photographs, and the documents' part after them. Each is killed after
# 2,000 records read, with 6,000 to go. (It was the Caesar count, 53,275, in parts of
# 20,000: three minutes of a CI run, for the same kills.)
PHOTOS = 20_000
PART = 8_000
PARTS = 4
KILLED_AFTER = 2_000


def _processes() -> Iterator[tuple[int, str, int, int]]:
    """Every process: pid, state, parent pid and process group, from /proc."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            yield int(entry.name), fields[0], int(fields[1]), int(fields[2])


def _children(pid: int) -> list[int]:
    return [child for child, _, parent, _ in _processes() if parent == pid]


def _alive(pid: int) -> bool:
    return any(found == pid and state != "Z" for found, state, _, _ in _processes())


def _horse(worker_pid: int) -> int | None:
    """The worker's work horse: the child RQ puts in a process group of its own (the
    scheduler, the other child, stays in the worker's)."""
    for child in _children(worker_pid):
        try:
            if os.getpgid(child) == child:
                return child
        except ProcessLookupError:
            continue
    return None


def _group_gone(group: int) -> bool:
    """No live process is left in the process group: the horse, and the indexer's
    forkserver and pool processes it started, are all gone."""
    return not any(pgid == group and state != "Z" for _, state, _, pgid in _processes())


def test_killed_workers_lose_nothing_and_a_second_worker_finishes_a_split_upload(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    bundle = caesar_like_bundle(tmp_path / "demo", PHOTOS)
    settings = settings.model_copy(
        update={
            "uploads_dir": tmp_path / "store",
            "originals_dir": tmp_path / "originals",
            "jobs_retry_delays": [1, 1, 1],
            "jobs_part_records": PART,
            "vectors": False,  # what is tested is the jobs, not meaning (a third of the time)
        }
    )
    headers = bearer_headers(settings, {"ivan": Role.INVESTIGATOR})["ivan"]
    index = uploads_index(settings.index_prefix)
    connection = jobqueue.connect(settings)

    def upload() -> dict[str, Any]:
        return dict(es.get(index=index, id=upload_id)["_source"])

    def _fetch(job_id: str) -> Job:
        return Job.fetch(job_id, connection=connection, serializer=JSONSerializer)

    def running() -> Job | None:
        """The photo part the (one) worker runs, once it has read `KILLED_AFTER` records."""
        parts = [jobqueue.part_id(upload_id, number) for number in range(PARTS - 1)]
        for job in Job.fetch_many(parts, connection, JSONSerializer):
            if job is not None and job.get_status() is JobStatus.STARTED:
                progress = upload().get("progress") or {}
                if progress.get(job.id.rsplit("-", 1)[1], 0) >= KILLED_AFTER:
                    return job
        return None

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        files = {"file": ("caesar.zip", _zip_of(bundle, prefix="caesar/"), "application/zip")}
        sent = client.post("/api/uploads", headers=headers, files=files)
        assert sent.status_code == 202, sent.text
        upload_id = sent.json()["id"]

        with running_worker(settings, tmp_path / "first.log", workers=2) as first:
            killed = wait_until(running, 300, "a photo part reading its first records")
            horse = _horse(first.pid)
            assert horse is not None
            os.kill(horse, signal.SIGKILL)
            # The worker saw its horse die: a retry, not a part "indexing" forever; and
            # the indexer's processes the horse started are gone with it.
            wait_until(lambda: _fetch(killed.id).retries_left == 2, 60, "the retry")
            wait_until(lambda: _group_gone(horse), 10, "the first horse's processes ending")
            assert first.poll() is None, "the worker itself lives on"
            again = wait_until(running, 300, "a part running again, its first records read")
            horse = _horse(first.pid)
            assert horse is not None
            scheduler = [child for child in _children(first.pid) if child != horse]
            assert scheduler, "the worker runs RQ's scheduler in a process of its own"
            first.kill()  # SIGKILL to the worker alone; its horse must not outlive it
            first.wait()
            wait_until(lambda: _group_gone(horse), 10, "the orphaned horse's processes ending")
            # Nor its scheduler, which would otherwise run on for good.
            wait_until(lambda: not any(map(_alive, scheduler)), 10, "the scheduler ending")

        with running_worker(settings, tmp_path / "second.log", workers=2):
            wait_until(lambda: upload()["status"] in {"done", "failed"}, 600, "the upload's end")
        report = client.get(f"/api/uploads/{upload_id}", headers=headers).json()
        # The part killed with its worker was taken over by the second worker.
        again.refresh()
        assert again.get_status() is JobStatus.FINISHED
        assert again.worker_name != killed.worker_name

    connection.close()
    assert report["status"] == "done", report
    read, indexed, unchanged = report["read"], report["indexed"], report["unchanged"]
    assert read == PHOTOS
    assert indexed + unchanged + report["rejected"] == read, report
    assert unchanged >= KILLED_AFTER, "what the killed attempts indexed is kept, not redone"
    es.indices.refresh(index=type_alias(settings.index_prefix, "photo"))
    stored = es.count(
        index=type_alias(settings.index_prefix, "photo"),
        query={"term": {"collection": "caesar"}},
    )["count"]
    # The index equals the source, as an investigator may write it: every record up to
    # their ceiling, and the sealed ones rejected (each once, with its line).
    with (bundle / "photos.csv").open(newline="") as rows:
        sealed = sum(row["confidentiality"] == "sealed" for row in csv.DictReader(rows))
    assert stored == indexed + unchanged == PHOTOS - sealed
    assert report["rejected"] == sealed > 0
