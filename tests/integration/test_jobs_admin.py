"""The job queue page and its JSON twin, for admins, against a real Redis and worker:
the failed list with its errors, retry and cancel, and a 503 while Redis is away."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence import jobqueue
from evidence.access import Role
from evidence.indices import audit_index
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import bearer_headers, run_jobs
from tests.integration.test_jobs import EXAMPLE_ZIP

MISSING = "up-0000000000000000"


@pytest.fixture
def admin(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], Settings]]:
    settings = settings.model_copy(
        update={
            "uploads_dir": tmp_path / "store",
            "originals_dir": tmp_path / "originals",
            "jobs_retry_delays": [],  # a failure is final at once: no worker waits
        }
    )
    headers = bearer_headers(settings, {"ada": Role.ADMIN, "ivan": Role.INVESTIGATOR})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, headers, settings


def _audited(es: Elasticsearch, settings: Settings) -> list[str]:
    es.indices.refresh(index=audit_index(settings.index_prefix))
    hits = es.search(index=audit_index(settings.index_prefix), size=100)["hits"]["hits"]
    return sorted(hit["_source"]["action"] for hit in hits if "job" in hit["_source"]["action"])


def test_an_admin_sees_a_failed_job_with_its_error_and_retries_it_from_the_page(
    admin: tuple[TestClient, dict[str, dict[str, str]], Settings], es: Elasticsearch
) -> None:
    client, headers, settings = admin
    connection = jobqueue.connect(settings)
    jobqueue.enqueue_upload(settings, connection, MISSING)
    connection.close()
    run_jobs(settings)
    listed = client.get("/api/admin/jobs", params={"state": "failed"}, headers=headers["ada"])
    assert listed.status_code == 200, listed.text
    (job,) = listed.json()["jobs"]
    assert (job["id"], job["kind"], job["state"], job["retries_left"]) == (
        MISSING,
        "upload",
        "failed",
        0,
    )
    assert job["error"] == f"indexer.upload_job.UploadMissing: no upload {MISSING}"
    page = client.get("/admin/jobs?state=failed", headers=headers["ada"])
    assert page.status_code == 200
    assert MISSING in page.text and f"no upload {MISSING}" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    retried = client.post(
        f"/admin/jobs/{MISSING}/retry",
        data={"csrf": csrf.group(1)},
        headers=headers["ada"],
        follow_redirects=False,
    )
    assert (retried.status_code, retried.headers["location"]) == (303, "/admin/jobs")
    queued = client.get("/api/admin/jobs", params={"state": "queued"}, headers=headers["ada"])
    assert [job["id"] for job in queued.json()["jobs"]] == [MISSING]
    # Without the form's token nothing happens.
    forged = client.post(f"/admin/jobs/{MISSING}/cancel", headers=headers["ada"])
    assert forged.status_code == 400
    assert client.get("/api/admin/jobs", headers=headers["ada"]).json()["jobs"][0]["state"] == (
        "queued"
    )
    assert _audited(es, settings) == ["job.retry"] + ["jobs.view"] * 4  # the forgery: none


def test_an_admin_cancels_an_upload_over_json_and_the_upload_says_so(
    admin: tuple[TestClient, dict[str, dict[str, str]], Settings],
) -> None:
    client, headers, settings = admin
    files = {"file": ("bundle.zip", EXAMPLE_ZIP, "application/zip")}
    upload_id = client.post("/api/uploads", headers=headers["ivan"], files=files).json()["id"]
    cancelled = client.post(f"/api/admin/jobs/{upload_id}/cancel", headers=headers["ada"])
    assert cancelled.json() == {"id": upload_id, "state": "cancelled"}
    upload = client.get(f"/api/uploads/{upload_id}", headers=headers["ivan"]).json()
    assert (upload["status"], upload["message"]) == ("cancelled", "Cancelled by an administrator.")
    again = client.post(f"/api/admin/jobs/{upload_id}/cancel", headers=headers["ada"])
    assert again.status_code == 400
    assert again.json()["detail"] == f"Job {upload_id} cannot be cancelled: it is canceled."
    absent = client.post("/api/admin/jobs/up-1111111111111111/retry", headers=headers["ada"])
    assert (absent.status_code, absent.json()["detail"]) == (404, "No job up-1111111111111111.")
    malformed = client.post("/api/admin/jobs/..%2Fetc/retry", headers=headers["ada"])
    assert malformed.status_code in {404, 422}
    assert (
        client.post(f"/api/admin/jobs/{upload_id}/retry", headers=headers["ada"]).status_code == 202
    )
    run_jobs(settings)
    upload = client.get(f"/api/uploads/{upload_id}", headers=headers["ivan"]).json()
    assert (upload["status"], upload["indexed"]) == ("done", 5)


def test_the_job_list_answers_503_while_redis_is_away(
    admin: tuple[TestClient, dict[str, dict[str, str]], Settings],
) -> None:
    _, headers, settings = admin
    away = settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/0"})
    with TestClient(create_app(away), raise_server_exceptions=False) as client:
        answer = client.get("/api/admin/jobs", headers=headers["ada"])
        assert answer.status_code == 503
        assert "job queue is not answering" in answer.json()["detail"]
        page = client.get("/admin/jobs", headers=headers["ada"])
        assert page.status_code == 503
        assert "text/html" in page.headers["content-type"]
        assert "job queue is not answering" in page.text
