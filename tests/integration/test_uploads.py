"""Uploads: an investigator's bundle becomes searchable; hostile archives are refused
with a clear message and nothing lands outside the upload store."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import TINY_BUNDLE, bearer_headers, finished_upload

EXAMPLE = Path(__file__).parents[2] / "docs" / "example-bundle"


@pytest.fixture
def store_settings(settings: Settings, es: Elasticsearch, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={"uploads_dir": tmp_path / "store", "upload_max_bytes": 2 * 1024 * 1024}
    )


@pytest.fixture
def client(store_settings: Settings) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    roles = (Role.INVESTIGATOR, Role.JOURNALIST)
    headers = bearer_headers(store_settings, {role.value: role for role in roles})
    with TestClient(create_app(store_settings), raise_server_exceptions=False) as test_client:
        yield test_client, headers


def _zip_of(folder: Path, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _zip(entries: dict[str, bytes], symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


COLLECTION = (TINY_BUNDLE / "collection.yaml").read_bytes()


def test_an_uploaded_bundle_becomes_searchable_and_the_original_is_kept(client, store_settings):
    test_client, headers = client
    archive = _zip_of(EXAMPLE, prefix="example-bundle/")
    response = test_client.post(
        "/api/uploads",
        headers=headers["investigator"],
        files={"file": ("example.zip", archive, "application/zip")},
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    job = finished_upload(test_client, headers["investigator"], accepted["id"], store_settings)
    assert (job["status"], job["read"], job["indexed"], job["rejected"]) == ("done", 5, 5, 0)
    found = test_client.get(
        "/api/search", params={"q": "ligature", "mode": "keyword"}, headers=headers["investigator"]
    ).json()
    assert found["total"] == 1
    import hashlib

    original = store_settings.uploads_dir / "originals" / accepted["sha256"]
    assert original.read_bytes() == archive
    assert hashlib.sha256(archive).hexdigest() == accepted["sha256"]
    assert not original.stat().st_mode & 0o222, "originals are read-only"
    again = test_client.post(
        "/api/uploads",
        headers=headers["investigator"],
        files={"file": ("example.zip", archive, "application/zip")},
    ).json()
    assert (
        finished_upload(test_client, headers["investigator"], again["id"], store_settings)[
            "unchanged"
        ]
        == 5
    )
    assert original.read_bytes() == archive


def test_a_single_file_with_metadata(client, store_settings):
    test_client, headers = client
    metadata = {
        "filing_id": "UP-1",
        "court": "Higher Regional Court Koblenz",
        "doc_type": "order",
        "date_issued": "2021-02-24",
    }
    response = test_client.post(
        "/api/uploads",
        headers=headers["investigator"],
        files={
            "file": ("order.md", b"SYNTHETIC uploaded order text about Koblenz", "text/markdown")
        },
        data={"collection": "uploaded", "record_type": "filing", "metadata": json.dumps(metadata)},
    )
    assert response.status_code == 202, response.text
    job = finished_upload(
        test_client, headers["investigator"], response.json()["id"], store_settings
    )
    assert (job["status"], job["indexed"]) == ("done", 1)


def test_a_bundle_with_bad_records_reports_them(client, store_settings):
    test_client, headers = client
    archive = _zip(
        {
            "b/collection.yaml": COLLECTION,
            "b/photos.csv": b"photo_id,date_photographed\nP1,2012-13\nP2,2012\n",
        }
    )
    job_id = test_client.post(
        "/api/uploads", headers=headers["investigator"], files={"file": ("b.zip", archive)}
    ).json()["id"]
    job = finished_upload(test_client, headers["investigator"], job_id, store_settings)
    assert (job["indexed"], job["rejected"]) == (1, 1)
    assert job["rejections"][0] | {"reason": ""} == {
        "file": "photos.csv",
        "line": 2,
        "field": "date_photographed",
        "reason": "",
        "local_id": "P1",
    }


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("b/collection.yaml", COLLECTION)
        archive.writestr("b/photos.csv", b"photo_id\n" + b"0" * (50 * 1024 * 1024))
    return buffer.getvalue()


MALICIOUS = {
    "traversal": (_zip({"b/collection.yaml": COLLECTION, "../../escaped.txt": b"x"}), "climbs out"),
    "absolute path": (_zip({"b/collection.yaml": COLLECTION, "/tmp/abs.txt": b"x"}), "absolute"),
    "symlink": (
        _zip({"b/collection.yaml": COLLECTION}, symlink="b/media/link.jpg"),
        "symbolic link",
    ),
    "zip bomb": (_bomb(), "zip bomb"),
    "lying type": (
        _zip(
            {
                "b/collection.yaml": COLLECTION,
                "b/filings/x.pdf": b"MZ\x90\x00 this is an executable",
            }
        ),
        "not the type",
    ),
    "unexpected type": (
        _zip({"b/collection.yaml": COLLECTION, "b/run.sh": b"#!/bin/sh\n"}),
        "not the type",
    ),
    "corrupt zip": (b"PK\x03\x04" + b"\x00garbage" * 100, "Not a readable zip"),
    "truncated zip": (
        _zip({"b/collection.yaml": COLLECTION, "b/notes.txt": b"y" * 5000})[:300],
        "Not a readable zip",
    ),
    "not a zip": (b"%PDF-1.4 a pdf posing as an archive", "not a zip"),
    "two bundles": (
        _zip({"a/collection.yaml": COLLECTION, "b/collection.yaml": COLLECTION}),
        "exactly one collection.yaml",
    ),
}


@pytest.mark.parametrize("case", sorted(MALICIOUS))
def test_hostile_archives_are_refused_and_write_nothing_outside_the_store(
    client, store_settings, tmp_path, case
):
    test_client, headers = client
    archive, message = MALICIOUS[case]
    before = {p for p in tmp_path.parent.rglob("*")} if False else set(tmp_path.rglob("*"))
    response = test_client.post(
        "/api/uploads", headers=headers["investigator"], files={"file": (f"{case}.zip", archive)}
    )
    assert response.status_code == 400, response.text
    assert message in response.json()["detail"]
    created = set(tmp_path.rglob("*")) - before
    store = store_settings.uploads_dir
    assert all(path.is_relative_to(store) for path in created), created
    assert not [p for p in created if p.is_file()], "nothing kept from a refused upload"
    assert not Path("/tmp/abs.txt").exists()
    assert not (store.parent / "escaped.txt").exists()


def test_oversized_uploads_are_refused_before_they_are_read(client, store_settings):
    test_client, headers = client
    big = b"0" * (store_settings.upload_max_bytes + 200_000)
    response = test_client.post(
        "/api/uploads", headers=headers["investigator"], files={"file": ("big.zip", big)}
    )
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]


def test_only_investigators_and_admins_may_upload(client):
    test_client, headers = client
    archive = _zip_of(EXAMPLE)
    for who, status in (({}, 401), (headers["journalist"], 403)):
        response = test_client.post(
            "/api/uploads", headers=who, files={"file": ("example.zip", archive)}
        )
        assert response.status_code == status


def test_the_upload_page_needs_login_and_csrf(client):
    import re

    test_client, _ = client
    page = test_client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    test_client.post(
        "/login",
        data={"username": "investigator", "password": "a long enough password", "csrf": token},
    )
    form = test_client.get("/uploads")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    archive = _zip_of(EXAMPLE)
    refused = test_client.post(
        "/uploads", data={"csrf": "forged"}, files={"file": ("e.zip", archive)}
    )
    assert refused.status_code == 400 and "expired" in refused.text
    sent = test_client.post(
        "/uploads", data={"csrf": token}, files={"file": ("e.zip", archive)}, follow_redirects=False
    )
    assert sent.status_code == 303
    job_page = test_client.get(sent.headers["location"])
    assert job_page.status_code == 200 and "e.zip" in job_page.text
