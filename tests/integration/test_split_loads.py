"""Loads split across job workers, against a real Redis, real workers and the node: a
queued load (`indexer load --queue`) and an upload with more photographs than
`EVIDENCE_JOBS_PART_RECORDS` are loaded in parts, and their one report is the report a
whole load gives: the same counts, the same rejections (duplicates across parts
included), each warning once. Cancelling the load cancels its parts; retrying it runs
them again. A rebuild between the parts is caught at the join. `rebuild --queue` runs
in a worker."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence import jobqueue
from evidence.access import Role
from evidence.indices import all_alias, job_reports_index, uploads_index, users_index
from evidence.settings import Settings
from indexer.bundle import BundleError
from indexer.load import (
    REBUILT_MEANWHILE,
    join_parts,
    load_bundle,
    load_part,
    plan_parts,
    rebuild,
    registered_bundles,
    validate_bundle,
)
from indexer.report import LoadReport
from search_api.app import create_app
from tests.conftest import bearer_headers, run_cli, run_jobs, running_worker, settings_env
from tests.integration.test_uploads import EXAMPLE, _zip_of

PART = 100  # the smallest part the settings allow
PHOTOS = 350  # four parts of photographs, and the documents as a fifth


def _row(number: int, **changes: str) -> dict[str, str]:
    row = {
        "photo_id": f"SPL-{number:04d}",
        "file": "",
        "body_id": f"SPL-B-{number // 3}",
        "detainee_no": f"SYN-9-{number:05d}",
        "branch_no": "215",
        "report_no": "SYN-R-900",
        "facility": "hospital-601",
        "date_photographed": "2012-05-01",
        "category": "death_in_custody",
        "identification": "unidentified",
        "findings": "SYNTHETIC split-load row",
        "confidentiality": "",
        "surplus": "an unknown column, warned about once",
    }
    return row | changes


def split_bundle(root: Path) -> Path:
    """The example bundle with 350 photographs instead of three: a duplicate of an id
    first seen in part 1 in parts 2 and 4, a bad date in part 2, a short row in part 3,
    and an unknown column in every part."""
    shutil.copytree(EXAMPLE, root)
    rows = [_row(number) for number in range(PHOTOS)]
    rows[180] = _row(3)  # duplicates SPL-0003, part 1 -> part 2
    rows[330] = _row(3)  # and again in part 4
    rows[150] = _row(150, date_photographed="2012-13-45")
    with (root / "photos.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with (root / "photos.csv").open("a", encoding="utf-8") as out:
        out.write("SPL-9999,too,few\n")
    return root


def _rows(report: LoadReport) -> list[tuple[str, int, str, str]]:
    return sorted((r.file, r.line, r.field, r.reason) for r in report.rejections)


def _rows_of(path: Path) -> list[tuple[str, int, str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    return sorted((r["file"], r["line"], r["field"], r["reason"]) for r in rows)


def _split_settings(settings: Settings, tmp_path: Path) -> Settings:
    update = {
        "jobs_part_records": PART,
        "uploads_dir": tmp_path / "store",
        "originals_dir": tmp_path / "originals",
        "upload_max_bytes": 64 * 1024 * 1024,
    }
    return settings.model_copy(update=update)


def _cli(settings: Settings, *args: str) -> Any:
    return run_cli("indexer", settings, *args, env=settings_env(settings))


def test_plan_cuts_photographs_into_parts_and_names_duplicates_across_them(
    tmp_path: Path,
) -> None:
    bundle = split_bundle(tmp_path / "bundle")
    parts = plan_parts(bundle, PART)
    assert [part.record_types for part in parts] == [("photo",)] * 4 + [("testimony", "filing")]
    assert [part.span for part in parts[:4]] == [(0, 100), (100, 200), (200, 300), (300, 351)]
    # Line numbers are the CSV's: the header is line 1, row n is line n + 2.
    assert parts[1].duplicates == {("photos.csv", 182): ("photos.csv", 5)}
    assert parts[3].duplicates == {("photos.csv", 332): ("photos.csv", 5)}
    assert parts[0].duplicates == parts[2].duplicates == {}
    assert plan_parts(bundle, 1000) == plan_parts(EXAMPLE, 100)[:1]  # one part: whole


def test_a_part_refuses_photo_files_changed_since_the_plan(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    """A span is a place in the files: a row added after planning would be read by no
    part, or by two."""
    bundle = split_bundle(tmp_path / "bundle")
    first = plan_parts(bundle, PART)[0]
    with (bundle / "photos.csv").open("a", encoding="utf-8") as out:
        out.write(",".join(_row(999).values()) + "\n")
    with pytest.raises(BundleError, match="changed after the load was planned"):
        load_part(es, settings.index_prefix, bundle, first)


def test_parts_load_as_the_uploader_is_now(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    """An account disabled after its upload was split: no part loads anything."""
    settings = _split_settings(settings, tmp_path)
    headers = bearer_headers(settings, {"ivan": Role.INVESTIGATOR})
    archive = _zip_of(split_bundle(tmp_path / "bundle"), prefix="bundle/")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        files = {"file": ("bundle.zip", archive, "application/zip")}
        accepted = client.post("/api/uploads", headers=headers["ivan"], files=files)
        upload_id = accepted.json()["id"]
        _run_one_job(settings)  # the upload's own job: it plans and queues the parts
        assert len(jobqueue.list_jobs(_queue(settings), {"queued"})) == 5
        es.update(
            index=users_index(settings.index_prefix),
            id="ivan",
            doc={"disabled": True},
            refresh=True,
        )
        run_jobs(settings)
    upload = es.get(index=uploads_index(settings.index_prefix), id=upload_id)["_source"]
    assert upload["status"] == "failed" and "disabled or gone" in upload["message"]
    assert not es.indices.exists_alias(name=all_alias(settings.index_prefix)) or (
        es.count(index=all_alias(settings.index_prefix))["count"] == 0
    )


def _run_one_job(settings: Settings) -> None:
    done = run_cli(
        "indexer", settings, "worker", "--burst", "--max-jobs", "1", env=settings_env(settings)
    )
    assert done.returncode == 0, done.stderr


def test_a_queued_load_split_across_two_workers_reports_what_a_whole_load_would(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    settings = _split_settings(settings, tmp_path)
    bundle = split_bundle(tmp_path / "bundle")
    expected = validate_bundle(bundle)
    assert expected.rejected == 4 and len(expected.warnings) == 1, expected

    report = tmp_path / "rejections.ndjson"
    log = tmp_path / "workers.log"
    queued = ["load", "--queue", "--report", str(report), "--tolerate-rejections", str(bundle)]
    with running_worker(settings, log), running_worker(settings, log):
        done = _cli(settings, *queued)
    assert done.returncode == 0, done.stderr + log.read_text()
    load_id = done.stdout.split()[1]
    assert load_id.startswith("ld-"), done.stdout
    summary = f"read {expected.read}, indexed {expected.indexed}, unchanged 0, rejected 4"
    assert summary in done.stdout, done.stdout
    assert _rows_of(report) == _rows(expected)
    assert done.stderr.count("unknown fields ignored") == 1, done.stderr
    assert "redactions in" in done.stdout  # the bundle's review was kept, as a whole load's

    es.indices.refresh(index=all_alias(settings.index_prefix))
    assert es.count(index=all_alias(settings.index_prefix))["count"] == expected.indexed
    [registered] = registered_bundles(es, settings.index_prefix)
    assert (registered["read"], registered["rejected"]) == (expected.read, 4)
    # Every part ran, and the parts' reports are gone once joined.
    jobs = jobqueue.list_jobs(_queue(settings))
    kinds = sorted(row.kind for row in jobs if row.state == "done")
    # ... and, once loaded, one count of the watched searches (issue 21).
    assert kinds == ["load", "load join"] + ["load part"] * 5 + ["watches"], jobs
    left = es.search(index=job_reports_index(settings.index_prefix), size=20)["hits"]["hits"]
    assert [hit["_id"] for hit in left] == [load_id]

    # Again: nothing changed, so nothing is written, and the counts still reconcile.
    with running_worker(settings, log):
        again = _cli(settings, *queued)
    assert f"indexed 0, unchanged {expected.indexed}, rejected 4" in again.stdout, again.stdout


def _queue(settings: Settings) -> Any:
    return jobqueue.job_queue(jobqueue.connect(settings), settings.index_prefix)


def test_a_large_upload_is_split_and_its_page_shows_one_report(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    settings = _split_settings(settings, tmp_path)
    bundle = split_bundle(tmp_path / "bundle")
    expected = validate_bundle(bundle)
    headers = bearer_headers(settings, {"ivan": Role.INVESTIGATOR, "ada": Role.ADMIN})
    archive = _zip_of(bundle, prefix="bundle/")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        files = {"file": ("bundle.zip", archive, "application/zip")}
        accepted = client.post("/api/uploads", headers=headers["ivan"], files=files)
        assert accepted.status_code == 202, accepted.text
        upload_id = accepted.json()["id"]
        run_jobs(settings)
        job = client.get(f"/api/uploads/{upload_id}", headers=headers["ivan"]).json()
        listed = client.get("/api/admin/jobs", headers=headers["ada"]).json()["jobs"]
    assert job["status"] == "done", job
    counts = (job["read"], job["indexed"], job["unchanged"], job["rejected"])
    assert counts == (expected.read, expected.indexed, 0, 4)
    assert "progress" not in job
    assert len(job["warnings"]) == 1
    ours = [row for row in listed if row["kind"] != "watches"]
    parts = [jobqueue.part_id(upload_id, number) for number in range(5)]
    assert sorted(row["id"] for row in ours) == sorted(
        [upload_id, jobqueue.join_id(upload_id), *parts]
    )
    # Every job of the upload links to the upload's page; the upload, once indexed,
    # queued one count of the watched searches (issue 21).
    assert {row["url"] for row in ours} == {f"/uploads/{upload_id}"}
    assert [row["kind"] for row in listed if row not in ours] == ["watches"]


def test_cancelling_a_split_load_cancels_its_parts_and_retrying_runs_them(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    settings = _split_settings(settings, tmp_path)
    bundle = split_bundle(tmp_path / "bundle")
    queued = _cli(settings, "load", "--queue", "--no-wait", str(bundle))
    assert queued.returncode == 0, queued.stderr
    load_id = queued.stdout.split()[1]
    # A worker that stops after one job: the load's own, which plans it.
    queue = _queue(settings)
    _plan_only(settings, load_id)
    assert sorted(row.kind for row in jobqueue.list_jobs(queue, {"queued"})) == ["load part"] * 5

    cancelled = _cli(settings, "jobs", "cancel", load_id)
    assert cancelled.returncode == 0, cancelled.stderr
    assert f"{load_id}: cancelled" in cancelled.stdout
    states = {row.id: row.state for row in jobqueue.list_jobs(queue)}
    assert {states[jobqueue.part_id(load_id, n)] for n in range(5)} == {"cancelled"}

    retried = _cli(settings, "jobs", "retry", load_id)
    assert retried.returncode == 0, retried.stderr
    run_jobs(settings)
    expected = validate_bundle(bundle)
    es.indices.refresh(index=all_alias(settings.index_prefix))
    assert es.count(index=all_alias(settings.index_prefix))["count"] == expected.indexed
    states = {row.id: row.state for row in jobqueue.list_jobs(queue)}
    assert states[jobqueue.join_id(load_id)] == "done", states
    again = _cli(settings, "jobs", "retry", load_id)
    assert again.returncode == 2 and "has not failed" in again.stderr


def _plan_only(settings: Settings, load_id: str) -> None:
    """Run the load's own job (the plan) in a worker that stops after one job."""
    _run_one_job(settings)
    assert jobqueue.progress(_queue(settings), load_id) == (0, None)


def test_a_rebuild_between_the_parts_is_caught_at_the_join(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    bundle = split_bundle(tmp_path / "bundle")
    other = tmp_path / "other"
    shutil.copytree(EXAMPLE, other)
    meta = other / "collection.yaml"
    meta.write_text(meta.read_text().replace("id: example", "id: other"))
    prefix = settings.index_prefix
    load_bundle(es, prefix, other)
    first, *rest = plan_parts(bundle, PART)
    done = [load_part(es, prefix, bundle, first)]
    rebuild(es, prefix, [other])  # the first part's records are not in the new indices
    done += [load_part(es, prefix, bundle, part) for part in rest]
    report = join_parts(es, prefix, bundle, done)
    assert REBUILT_MEANWHILE in report.warnings
    expected = validate_bundle(bundle)
    assert report.read == expected.read and report.reconciles, report.summary()
    es.indices.refresh(index=all_alias(prefix))
    whole = load_bundle(es, prefix, other).unchanged
    count = es.count(index=all_alias(prefix))["count"]
    assert count == expected.indexed + whole


def test_a_queued_rebuild_runs_in_a_worker(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE, bundle)
    load_bundle(es, settings.index_prefix, bundle)
    with running_worker(settings, tmp_path / "worker.log"):
        done = _cli(settings, "rebuild", "--queue", "--report", str(tmp_path / "r.ndjson"))
    assert done.returncode == 0, done.stderr
    assert "aliases swapped; removed old indices:" in done.stdout
    assert "rejected 0" in done.stdout


@pytest.mark.parametrize("command", ["load", "rebuild"])
def test_the_queueing_command_makes_the_reports_index_before_a_worker_can(
    settings: Settings, es: Elasticsearch, tmp_path: Path, command: str
) -> None:
    """Regression: the worker made the index, and the waiting command read it before its
    shard had started: a 503 and a traceback (CI, 2026-12-05)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    index = job_reports_index(settings.index_prefix)
    assert not es.indices.exists(index=index)
    queued = _cli(settings, command, "--queue", "--no-wait", str(empty))
    assert queued.returncode == 0, queued.stderr
    health = es.cluster.health(index=index, timeout="0s")
    assert health["active_primary_shards"] == 1, health


@pytest.mark.parametrize("command", ["load", "rebuild"])
def test_a_queued_job_that_cannot_do_its_work_says_why(
    settings: Settings, es: Elasticsearch, tmp_path: Path, command: str
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with running_worker(settings, tmp_path / "worker.log"):
        done = _cli(settings, command, "--queue", str(empty))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no collection.yaml" in done.stderr
