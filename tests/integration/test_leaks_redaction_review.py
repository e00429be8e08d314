"""Leak suite, redaction review: it names protected people, so every role but admin gets
the answer any admin route gives them, whether the review exists or not; an upload's
job report shows the review to admins only, and a reader who does not see protected
fields gets no rejection reason or warning that could echo a protected value."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch
from fastapi.testclient import TestClient

from evidence import jobqueue
from evidence.access import AccessContext, Role
from evidence.redaction import WITHHELD
from evidence.settings import Settings
from indexer.load import LoadOptions, load_bundle, registry_id
from search_api.app import create_app
from search_api.uploads.jobs import UploadJobs
from tests.conftest import finished_upload, role_headers, run_async
from tests.integration.test_redaction_review import ALIAS, VICTIM, WITNESS, write_bundle

PROTECTED = (WITNESS, VICTIM, ALIAS, "Haddad", "Khouri", "Rami", "رامي")
LOWER_ROLES = (Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR)
# A facility the gazetteer does not know is echoed in the rejection: here it names the witness.
ECHOED_FACILITY = "the house of Rami Haddad"


@dataclass
class Loaded:
    client: TestClient
    headers: dict[Role, dict[str, str]]
    bundle_id: str
    upload: dict[str, Any]
    settings: Settings
    archive: bytes


def _zip_of(folder: Path, prefix: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _upload_bundle(root: Path) -> None:
    """The review bundle under a collection of the uploader's own, with a testimony whose
    rejection echoes a protected name."""
    write_bundle(root, alias=True)
    (root / "collection.yaml").write_text(
        "id: leak-review\ntitle: Uploaded review test (SYNTHETIC)\n"
        "default_confidentiality: restricted\nsynthetic: true\n"
    )
    (root / "testimonies" / "t-2.md").write_text(
        "---\ntestimony_id: T-2\nwitness_pseudonym: Witness S\n"
        f"witness_name: {WITNESS}\nfacilities: [{ECHOED_FACILITY}]\n---\nText.\n"
    )


def _upload(
    client: TestClient, headers: dict[str, str], archive: bytes, settings: Settings
) -> dict[str, Any]:
    files = {"file": ("review.zip", archive, "application/zip")}
    sent = client.post("/api/uploads", headers=headers, files=files)
    assert sent.status_code == 202, sent.text
    return finished_upload(client, headers, sent.json()["id"], settings)


@pytest.fixture(scope="module")
def loaded(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Loaded]:
    work = tmp_path_factory.mktemp("leak-review")
    settings = base_settings.model_copy(
        update={
            "index_prefix": f"l{uuid.uuid4().hex[:12]}",
            "redis_url": redis_db,
            "uploads_dir": work / "store",
            "originals_dir": work / "originals",
        }
    )
    root = work / "bundle"
    write_bundle(root, alias=True)
    es = Elasticsearch(settings.es_url, request_timeout=60)
    options = LoadOptions(originals_dir=settings.originals_dir)
    assert load_bundle(es, settings.index_prefix, root, options=options).rejections == []
    upload_root = work / "upload"
    _upload_bundle(upload_root)
    try:
        headers = role_headers(settings)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            archive = _zip_of(upload_root, "bundle/")
            upload = _upload(client, headers[Role.INVESTIGATOR], archive, settings)
            assert (upload["status"], upload["rejected"]) == ("done", 1), upload
            yield Loaded(client, headers, registry_id(root), upload, settings, archive)
    finally:
        es.indices.delete(index=",".join(es.indices.get(index=f"{settings.index_prefix}-*")))
        es.close()


def _answer(client: TestClient, url: str, headers: dict[str, str]) -> tuple[int, str]:
    """The status and what it says: the JSON body, or a page's error message."""
    response = client.get(url, headers=headers)
    alert = re.search(r'role="alert"[^>]*>(.*?)</p>', response.text, re.DOTALL)
    return response.status_code, alert.group(1) if alert else response.text


@pytest.mark.parametrize("role", LOWER_ROLES, ids=lambda role: role.value)
def test_every_other_role_gets_the_admin_routes_refusal(loaded: Loaded, role: Role) -> None:
    headers = loaded.headers[role]
    # The JSON routes answer as `/api/audit` does, the pages as the `/audit` page does.
    refusal = _answer(loaded.client, "/api/audit", headers)
    page_refusal = _answer(loaded.client, "/audit", headers)
    assert refusal[0] == page_refusal[0] == 403
    api_urls = [
        "/api/admin/redactions",
        f"/api/admin/redactions/{loaded.bundle_id}",
        f"/api/admin/redactions/{'0' * 32}",  # no such review: the same answer
        "/api/admin/redactions/not-an-id",
        f"/api/admin/redactions/{loaded.bundle_id}?kind=withheld&record=T-1",
    ]
    for url in api_urls:
        assert _answer(loaded.client, url, headers) == refusal, url
    for url in [
        "/admin/redactions",
        f"/admin/redactions/{loaded.bundle_id}",
        f"/admin/redactions/{'0' * 32}",
    ]:
        assert _answer(loaded.client, url, headers) == page_refusal, url
    home = loaded.client.get("/", headers=headers).text
    assert "/admin/redactions" not in home, "no link to a page they may not open"


def test_admins_read_every_review_and_the_upload_is_among_them(loaded: Loaded) -> None:
    admin = loaded.headers[Role.ADMIN]
    listing = loaded.client.get("/api/admin/redactions", headers=admin).json()
    assert {b["collection"] for b in listing["bundles"]} == {"review-test", "leak-review"}
    uploaded = next(b for b in listing["bundles"] if b["collection"] == "leak-review")
    assert uploaded["writer"] == {"username": "investigator", "ceiling": "confidential"}
    detail = loaded.client.get(f"/api/admin/redactions/{loaded.bundle_id}", headers=admin)
    assert detail.status_code == 200 and WITNESS in detail.text and VICTIM in detail.text
    assert "/admin/redactions" in loaded.client.get("/", headers=admin).text
    page = loaded.client.get(f"/admin/redactions/{loaded.bundle_id}", headers=admin)
    assert page.status_code == 200 and "the bundle's first load" in page.text
    assert "first load" in loaded.client.get("/admin/redactions", headers=admin).text


def test_the_upload_report_shows_the_review_to_admins_only(loaded: Loaded) -> None:
    job_url = f"/api/uploads/{loaded.upload['id']}"
    owner = loaded.client.get(job_url, headers=loaded.headers[Role.INVESTIGATOR]).json()
    assert "review" not in owner
    assert ECHOED_FACILITY in owner["rejections"][0]["reason"], "investigators see protected fields"
    admin = loaded.client.get(job_url, headers=loaded.headers[Role.ADMIN]).json()
    assert admin["review"] == {"withheld": 7, "near_misses": 0, "changed": None}
    page = loaded.client.get(f"/uploads/{loaded.upload['id']}", headers=loaded.headers[Role.ADMIN])
    link = "/admin/redactions?collection=leak-review"
    assert f'href="{link}"' in page.text
    reviews = loaded.client.get(link, headers=loaded.headers[Role.ADMIN])
    assert {b.collection for b in reviews.context["listing"].bundles} == {"leak-review"}  # type: ignore[attr-defined]
    owner_page = loaded.client.get(
        f"/uploads/{loaded.upload['id']}", headers=loaded.headers[Role.INVESTIGATOR]
    )
    assert owner_page.status_code == 200 and "/admin/redactions" not in owner_page.text
    listed = loaded.client.get("/api/uploads", headers=loaded.headers[Role.INVESTIGATOR]).json()
    assert all("review" not in job for job in listed["uploads"])
    for role in (Role.PUBLIC, Role.JOURNALIST):
        refused = loaded.client.get(job_url, headers=loaded.headers[role])
        assert refused.status_code in {401, 403} and "Rami" not in refused.text


def test_a_reader_who_does_not_see_protected_fields_gets_no_reason_that_could_echo_one(
    loaded: Loaded,
) -> None:
    """An uploader whose account no longer sees protected fields (its role lowered) still
    owns the job: the job store itself withholds what could echo a protected value."""

    async def read() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        es = AsyncElasticsearch(loaded.settings.es_url)
        queue = jobqueue.connect(loaded.settings)
        try:
            jobs = UploadJobs(es, loaded.settings, queue)
            lowered = AccessContext(Role.JOURNALIST, "investigator")
            job = await jobs.get(lowered, loaded.upload["id"])
            listed, _ = await jobs.list(lowered, None)
            return job, listed
        finally:
            await es.close()
            queue.close()

    job, listed = run_async(read())
    assert [r["reason"] for r in job["rejections"]] == [WITHHELD]
    assert job["rejections"][0]["field"] == "facilities.0", "where to look stays"
    assert "review" not in job and all("review" not in j for j in listed)
    for text in (str(job), str(listed)):
        assert not [name for name in PROTECTED if name in text]


def test_the_same_bundle_uploaded_again_is_compared_with_its_last_upload(loaded: Loaded) -> None:
    """Each upload is unpacked into a new folder: its review is compared with the last
    one of the same collection and bundle folder name, so nothing shows as changed."""
    again = _upload(
        loaded.client, loaded.headers[Role.INVESTIGATOR], loaded.archive, loaded.settings
    )
    admin = loaded.client.get(f"/api/uploads/{again['id']}", headers=loaded.headers[Role.ADMIN])
    changed = admin.json()["review"]["changed"]
    assert changed is not None and set(changed.values()) == {0}
