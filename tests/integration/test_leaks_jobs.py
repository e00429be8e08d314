"""Leak suite, the job queue: its list names every upload's id and its errors can quote
what went wrong inside anyone's bundle, so every role but admin gets the answer any
admin route gives them (the audit log's), for the list, the page and each action, on a
job that exists as on one that does not; and an uploader reading their own upload sees
the outcome of a failed job, never the worker's error."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from evidence import jobqueue
from evidence.access import Role
from evidence.indices import uploads_index
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import own_indices, role_headers, run_jobs, unique_settings
from tests.integration.test_jobs import EXAMPLE_ZIP

LOWER_ROLES = (Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR)
ABSENT = "up-2222222222222222"
# What the worker's error would quote: a path inside the upload store.
SECRET_PATH = "/srv/secret-folder-of-a-witness"


@dataclass
class Site:
    client: TestClient
    headers: dict[Role, dict[str, str]]
    failed: str
    queued: str


@pytest.fixture(scope="module")
def site(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    """Built once for the module: its tests only read, and refused actions change
    nothing (which the first test checks)."""
    tmp_path = tmp_path_factory.mktemp("leaks-jobs")
    settings = unique_settings(base_settings, redis_db).model_copy(
        update={
            "uploads_dir": tmp_path / "store",
            "originals_dir": tmp_path / "originals",
            "jobs_retry_delays": [],
        }
    )
    headers = role_headers(settings)
    with (
        own_indices(settings) as es,
        TestClient(create_app(settings), raise_server_exceptions=False) as client,
    ):
        files = {"file": ("bundle.zip", EXAMPLE_ZIP, "application/zip")}
        upload = client.post("/api/uploads", headers=headers[Role.INVESTIGATOR], files=files)
        failed = upload.json()["id"]
        # Its bundle moved outside the store: the worker refuses it, naming the path.
        es.update(
            index=uploads_index(settings.index_prefix),
            id=failed,
            doc={"bundle": SECRET_PATH},
            refresh=True,
        )
        run_jobs(settings)
        upload = client.post("/api/uploads", headers=headers[Role.INVESTIGATOR], files=files)
        yield Site(client, headers, failed, upload.json()["id"])


def _answer(client: TestClient, method: str, url: str, headers: dict[str, str]) -> tuple[int, str]:
    """The status and what it says: the JSON body, or a page's error message."""
    response = client.request(method, url, headers=headers)
    alert = re.search(r'role="alert"[^>]*>(.*?)</p>', response.text, re.DOTALL)
    return response.status_code, alert.group(1) if alert else response.text


@pytest.mark.parametrize("role", LOWER_ROLES, ids=lambda role: role.value)
def test_every_other_role_gets_the_admin_routes_refusal(site: Site, role: Role) -> None:
    headers = site.headers[role]
    refusal = _answer(site.client, "GET", "/api/audit", headers)
    page_refusal = _answer(site.client, "GET", "/audit", headers)
    assert refusal[0] == page_refusal[0] and refusal[0] in {401, 403}
    # A split load's parts and join are named after the upload; none exist here, and
    # the answer is the same as for jobs that do.
    parts = (jobqueue.part_id(site.queued, 0), jobqueue.join_id(site.failed))
    for job in (site.failed, site.queued, ABSENT, *parts):
        for action in ("retry", "cancel"):
            assert _answer(site.client, "POST", f"/api/admin/jobs/{job}/{action}", headers) == (
                refusal
            )
            answer = _answer(site.client, "POST", f"/admin/jobs/{job}/{action}", headers)
            assert answer[0] in {400, 401, 403}  # the form's token is checked by admins only
            assert job not in answer[1]
    for url in ("/api/admin/jobs", "/api/admin/jobs?state=failed"):
        assert _answer(site.client, "GET", url, headers) == refusal
    for url in ("/admin/jobs", "/admin/jobs?state=failed"):
        assert _answer(site.client, "GET", url, headers) == page_refusal
    # Nothing was changed by the refused actions.
    listed = site.client.get("/api/admin/jobs", headers=site.headers[Role.ADMIN]).json()
    assert {job["id"]: job["state"] for job in listed["jobs"]} == {
        site.failed: "failed",
        site.queued: "queued",
    }


def test_the_uploader_reads_the_outcome_never_the_workers_error(site: Site) -> None:
    admin = site.client.get("/api/admin/jobs", headers=site.headers[Role.ADMIN]).json()
    (error,) = [job["error"] for job in admin["jobs"] if job["id"] == site.failed]
    assert SECRET_PATH not in error  # the error names the upload, not the path
    own = site.client.get(f"/api/uploads/{site.failed}", headers=site.headers[Role.INVESTIGATOR])
    assert own.json()["status"] == "failed"
    assert own.json()["message"] == "Indexing failed: indexing stopped on an error; it is logged."
    page = site.client.get(f"/uploads/{site.failed}", headers=site.headers[Role.INVESTIGATOR])
    assert SECRET_PATH not in page.text and "UploadMissing" not in page.text
