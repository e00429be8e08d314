"""Uploads cannot escalate (issue 15): collections have owners, uploads have ceilings,
the body is refused from its headers, and no answer names a path on the server."""

from __future__ import annotations

import asyncio
import io
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from elasticsearch import AsyncElasticsearch, Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.ids import stable_id
from evidence.settings import Settings
from indexer.ceiling import CANNOT_WRITE, LOWERING_IS_FOR_ADMINS, Writer, lowering_event, refusal
from search_api.app import create_app
from search_api.collections.store import CollectionStore
from tests.conftest import bearer_headers, finished_upload, run_async, run_cli

PASSWORD = "a long enough password"
ACCOUNTS = {
    "ada": Role.ADMIN,
    "ivan": Role.INVESTIGATOR,
    "irene": Role.INVESTIGATOR,
    "jane": Role.JOURNALIST,
}
# One account per role; "public" sends no credential.
BY_ROLE = {"public": "public", "journalist": "jane", "investigator": "ivan", "admin": "ada"}


@dataclass
class Site:
    client: TestClient
    headers: dict[str, dict[str, str]]
    settings: Settings
    es: Elasticsearch

    def upload(self, who: str, archive: bytes, name: str = "bundle.zip") -> Any:
        return self.client.post(
            "/api/uploads", headers=self.headers[who], files={"file": (name, archive)}
        )

    def wait(self, who: str, job_id: str) -> dict[str, Any]:
        return finished_upload(self.client, self.headers[who], job_id, self.settings)

    def uploaded(self, who: str, archive: bytes) -> dict[str, Any]:
        """Upload, expect it accepted, and wait for its job to end."""
        response = self.upload(who, archive)
        assert response.status_code == 202, response.text
        return self.wait(who, response.json()["id"])

    def testimony(self, collection: str, local_id: str) -> dict[str, Any] | None:
        """The stored record, read straight from Elasticsearch (all levels)."""
        index = f"{self.settings.index_prefix}-testimony"  # one index per level behind it
        self.es.indices.refresh(index=index)
        query = {"ids": {"values": [stable_id(collection, "testimony", local_id)]}}
        hits = self.es.search(index=index, query=query)["hits"]["hits"]
        assert len(hits) <= 1, "a record is in one level's index only"
        return dict(hits[0]["_source"]) if hits else None


def make_accounts(settings: Settings) -> dict[str, dict[str, str]]:
    return {"public": {}} | bearer_headers(settings, ACCOUNTS, PASSWORD)


@pytest.fixture
def store_settings(settings: Settings, es: Elasticsearch, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={"uploads_dir": tmp_path / "store", "upload_max_bytes": 2 * 1024 * 1024}
    )


@pytest.fixture
def site(store_settings: Settings, es: Elasticsearch) -> Iterator[Site]:
    headers = make_accounts(store_settings)
    with TestClient(create_app(store_settings), raise_server_exceptions=False) as client:
        yield Site(client, headers, store_settings, es)


def bundle_of(collection: str, local_id: str, level: str, text: str) -> bytes:
    """A zipped bundle of one SYNTHETIC testimony."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "b/collection.yaml",
            f"id: {collection}\ntitle: Upload test (SYNTHETIC)\nsynthetic: true\n",
        )
        archive.writestr(
            f"b/testimonies/{local_id.lower()}.md",
            f"---\ntestimony_id: {local_id}\nwitness_pseudonym: W-{local_id}\n"
            f"interview_date: 2019-06-02\nconfidentiality: {level}\n---\n{text}\n",
        )
    return buffer.getvalue()


SEALED_TEXT = "SYNTHETIC sealed testimony about canarysealedupload"
BAD_TEXT = "SYNTHETIC replacement by an uploader"


@pytest.fixture
def sealed_x(site: Site) -> dict[str, Any]:
    """Finding 1's starting point: an admin's upload of a sealed testimony into `xx`
    (the finding's `x`: collection ids have two characters at least)."""
    job = site.uploaded("ada", bundle_of("xx", "T-1", "sealed", SEALED_TEXT))
    assert (job["status"], job["indexed"]) == ("done", 1), job
    record = site.testimony("xx", "T-1")
    assert record is not None and record["confidentiality"] == "sealed"
    return record


def assert_unchanged(site: Site, before: dict[str, Any]) -> None:
    after = site.testimony("xx", "T-1")
    assert after is not None
    assert after["confidentiality"] == "sealed"
    assert after["content_hash"] == before["content_hash"]
    assert after["custody"] == before["custody"]


# Finding 1: overwriting and downgrading any record.

INVESTIGATOR = Writer.of("ivan", Role.INVESTIGATOR)
ADMIN = Writer.of("ada", Role.ADMIN)


@pytest.mark.parametrize(
    ("writer", "before", "after", "refused"),
    [
        (None, "sealed", "public", None),  # the trusted CLI
        (ADMIN, "sealed", "public", None),
        (ADMIN, None, "sealed", None),
        (INVESTIGATOR, None, "confidential", None),
        (INVESTIGATOR, "restricted", "confidential", None),
        (INVESTIGATOR, None, "sealed", CANNOT_WRITE),
        (INVESTIGATOR, "sealed", "sealed", CANNOT_WRITE),
        (INVESTIGATOR, "sealed", "public", CANNOT_WRITE),
        (INVESTIGATOR, "confidential", "public", LOWERING_IS_FOR_ADMINS),
        (Writer.of("jane", Role.JOURNALIST), "confidential", "confidential", CANNOT_WRITE),
    ],
)
def test_the_ceiling_decision(writer, before, after, refused):
    assert refusal(writer, before, after) == refused


def test_only_a_lowering_is_its_own_custody_event():
    assert lowering_event(ADMIN, "sealed", "sealed", "2026-01-01T00:00:00+00:00") is None
    assert lowering_event(ADMIN, None, "public", "2026-01-01T00:00:00+00:00") is None
    event = lowering_event(ADMIN, "sealed", "public", "2026-01-01T00:00:00+00:00")
    assert event == {
        "at": "2026-01-01T00:00:00+00:00",
        "action": "lowered",
        "actor": "ada",
        "detail": "confidentiality lowered from sealed to public by ada",
    }


def test_of_two_racing_first_uploads_one_owns_the_collection(store_settings):
    async def race() -> list[bool]:
        es = AsyncElasticsearch(store_settings.es_url)
        store = CollectionStore(es, store_settings.index_prefix)
        try:
            return list(await asyncio.gather(*(store.claim("raced", f"u{n}") for n in range(6))))
        finally:
            await es.close()

    assert sorted(run_async(race())) == [False] * 5 + [True]


def test_an_investigator_cannot_upload_into_an_admins_collection(site, sealed_x):
    bundles = site.settings.uploads_dir / "bundles"
    before = set(bundles.iterdir())
    response = site.upload("ivan", bundle_of("xx", "T-1", "public", BAD_TEXT))
    assert response.status_code == 403, response.text
    assert "may not upload to collection xx" in response.json()["detail"]
    assert_unchanged(site, sealed_x)
    assert set(bundles.iterdir()) == before, "nothing unpacked"


def test_a_granted_investigator_cannot_overwrite_or_downgrade_a_sealed_record(site, sealed_x):
    granted = run_cli("search_api", site.settings, "collections", "grant", "xx", "ivan")
    assert granted.returncode == 0, granted.stderr
    job = site.uploaded("ivan", bundle_of("xx", "T-1", "public", BAD_TEXT))
    assert (job["status"], job["indexed"], job["rejected"]) == ("done", 0, 1), job
    (rejection,) = job["rejections"]
    assert rejection == {
        "file": "testimonies/t-1.md",
        "line": 1,
        "field": "confidentiality",
        "reason": CANNOT_WRITE,
        "local_id": "T-1",
    }
    assert "sealed" not in str(job) and "canarysealedupload" not in str(job)
    assert_unchanged(site, sealed_x)


def test_a_rebuild_loads_an_upload_as_its_uploader_again(site, sealed_x, tmp_path):
    """The registry keeps who wrote each bundle: a rebuild, which reloads every bundle,
    must not apply what the uploader's own load refused."""
    granted = run_cli("search_api", site.settings, "collections", "grant", "xx", "ivan")
    assert granted.returncode == 0, granted.stderr
    job = site.uploaded("ivan", bundle_of("xx", "T-1", "public", BAD_TEXT))
    assert job["rejected"] == 1
    report = tmp_path / "rejections.ndjson"
    rebuilt = run_cli("indexer", site.settings, "rebuild", "--report", str(report))
    assert rebuilt.returncode == 1 and "rejected 1" in rebuilt.stdout, rebuilt.stderr
    assert CANNOT_WRITE in report.read_text()
    assert_unchanged(site, sealed_x)


def test_an_admin_downgrade_is_applied_and_kept_in_custody(site, sealed_x):
    job = site.uploaded("ada", bundle_of("xx", "T-1", "restricted", SEALED_TEXT))
    assert (job["indexed"], job["rejected"]) == (1, 0), job
    record = site.testimony("xx", "T-1")
    assert record is not None and record["confidentiality"] == "restricted"
    assert record["custody"][: len(sealed_x["custody"])] == sealed_x["custody"]
    added = record["custody"][len(sealed_x["custody"]) :]
    assert [(event["action"], event["actor"]) for event in added] == [
        ("updated", "ada"),
        ("lowered", "ada"),
    ]
    assert "from sealed to restricted by ada" in added[1]["detail"]


def test_an_investigator_may_not_lower_a_record_they_see(site):
    site.uploaded("ivan", bundle_of("mine", "T-2", "confidential", "SYNTHETIC first"))
    job = site.uploaded("ivan", bundle_of("mine", "T-2", "public", "SYNTHETIC first"))
    assert [r["reason"] for r in job["rejections"]] == [LOWERING_IS_FOR_ADMINS]
    record = site.testimony("mine", "T-2")
    assert record is not None and record["confidentiality"] == "confidential"
    assert [event["actor"] for event in record["custody"]] == ["ivan"], "custody names uploaders"


def test_a_new_collection_belongs_to_its_first_uploader(site):
    site.uploaded("ivan", bundle_of("ivans", "T-3", "restricted", "SYNTHETIC ivan's"))
    refused = site.upload("irene", bundle_of("ivans", "T-4", "restricted", "SYNTHETIC"))
    assert refused.status_code == 403
    again = site.uploaded("ivan", bundle_of("ivans", "T-4", "restricted", "SYNTHETIC"))
    assert again["indexed"] == 1
    admin = site.uploaded("ada", bundle_of("ivans", "T-5", "sealed", "SYNTHETIC admin"))
    assert admin["indexed"] == 1, "admins may upload anywhere"


def test_collections_loaded_from_the_cli_are_admin_only(site, tmp_path):
    bundle = tmp_path / "cli-bundle"
    with zipfile.ZipFile(io.BytesIO(bundle_of("archive", "T-6", "sealed", "SYNTHETIC"))) as z:
        z.extractall(bundle)
    loaded = run_cli("indexer", site.settings, "load", str(bundle / "b"))
    assert loaded.returncode == 0, loaded.stderr
    refused = site.upload("ivan", bundle_of("archive", "T-7", "public", "SYNTHETIC"))
    assert refused.status_code == 403
    single = site.client.post(
        "/api/uploads",
        headers=site.headers["ivan"],
        files={"file": ("note.md", b"SYNTHETIC a note")},
        data={"collection": "archive", "record_type": "filing", "metadata": '{"filing_id": "F"}'},
    )
    assert single.status_code == 403, single.text
    assert site.uploaded("ada", bundle_of("archive", "T-7", "public", "SYNTHETIC"))["indexed"] == 1


def test_admins_grant_revoke_and_list_upload_rights(site):
    def cli(*args: str) -> str:
        result = run_cli("search_api", site.settings, "collections", *args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    site.uploaded("ivan", bundle_of("shared", "T-8", "restricted", "SYNTHETIC"))
    assert "irene may now upload to shared" in cli("grant", "shared", "irene")
    assert "already may" in cli("grant", "shared", "irene")
    assert "shared\towner: ivan\tgranted: irene" in cli("list")
    assert site.uploaded("irene", bundle_of("shared", "T-9", "restricted", "S"))["indexed"] == 1
    cli("revoke", "shared", "irene")
    assert site.upload("irene", bundle_of("shared", "T-9", "restricted", "S")).status_code == 403
    journalist = run_cli("search_api", site.settings, "collections", "grant", "shared", "jane")
    assert journalist.returncode == 1 and "only investigators" in journalist.stderr
    nobody = run_cli("search_api", site.settings, "collections", "revoke", "shared", "nobody")
    assert nobody.returncode == 1 and "no upload right" in nobody.stderr


# Finding 2: the body is refused from its headers.


@pytest.fixture
def live_server(site: Site) -> Iterator[tuple[str, int]]:
    """The app behind a real uvicorn server, which streams bodies as they arrive."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(site.settings), host="127.0.0.1", port=port, log_level="error"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield "127.0.0.1", port
    server.should_exit = True
    thread.join()


def raw_post(address: tuple[str, int], path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """Send only the request's headers, never its body, and read the answer."""
    lines = [f"POST {path} HTTP/1.1", "Host: test", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection(address, timeout=60) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(65536)
            assert chunk, "the server closed without answering"
            answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        length = int(
            next(
                (
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                b"0",
            )
        )
        while len(body) < length:
            chunk = connection.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(head.split(b" ")[1]), body


MULTIPART = {"Content-Type": "multipart/form-data; boundary=xyz"}


def test_huge_uploads_are_answered_from_their_headers(site, live_server):
    huge = MULTIPART | {"Content-Length": "600000000"}
    investigator = huge | site.headers["ivan"]
    cases = [
        ("/api/uploads", huge, 401),
        ("/api/uploads", huge | site.headers["jane"], 403),
        ("/api/uploads", investigator, 413),
        ("/uploads", investigator, 413),
        ("/api/uploads", MULTIPART | site.headers["ivan"], 411),
    ]
    for path, headers, status in cases:
        answer_status, body = raw_post(live_server, path, headers)
        assert answer_status == status, (path, headers, body)
        if path.startswith("/api"):
            assert b'"detail":' in body
        else:
            assert b'class="error"' in body
    assert not (site.settings.uploads_dir / "staging").exists()


@pytest.mark.parametrize("declared", ["lots", "-1", "1e9"])
def test_a_malformed_content_length_is_a_400(site, declared):
    """Behind a proxy or server that passes the header on as it came."""
    for path in ("/api/uploads", "/uploads"):
        response = site.client.post(
            path,
            headers=site.headers["ivan"] | MULTIPART | {"Content-Length": declared},
            content=b"--xyz--",
        )
        assert response.status_code == 400, response.text
        assert "Content-Length" in response.text


def test_a_body_longer_than_declared_is_stopped(site):
    archive = bundle_of("longer", "T-10", "restricted", "SYNTHETIC " * 1000)
    response = site.client.post(
        "/api/uploads",
        headers=site.headers["ivan"] | {"Content-Length": "200"},
        files={"file": ("b.zip", archive)},
    )
    assert response.status_code == 413, response.text
    assert "larger than the limit" in response.json()["detail"]


# Finding 3: no server path in answers.


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_no_server_path_in_refusals_or_job_documents(site):
    store = str(site.settings.uploads_dir.resolve())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("b/collection.yaml", "id: paths\ntitle: P (SYNTHETIC)\n")
        archive.writestr("b/notes.txt", "one")
        archive.writestr("b/notes.txt", "two")  # the second copy cannot be written
    refused = site.upload("ivan", buffer.getvalue())
    assert refused.status_code == 400
    assert "corrupt" in refused.json()["detail"] and store not in refused.text
    untitled = io.BytesIO()
    with zipfile.ZipFile(untitled, "w") as archive:
        archive.writestr("b/collection.yaml", "id: paths\n")
    job = site.uploaded("ivan", untitled.getvalue())
    assert job["status"] == "failed" and "collection.yaml" in job["message"], job
    assert "bundle" not in job
    listing = site.client.get("/api/uploads", headers=site.headers["ivan"]).text
    assert store not in str(job) and store not in listing
    assert "/bundles/" not in str(job) + listing
