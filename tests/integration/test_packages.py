"""Court exhibit packages against the real node on the SYNTHETIC demo corpus: a lawyer's
package of a Branch 215 chronology verifies with `python -m indexer verify-package` and
the archive's published keys; a journalist on the same team gets working copies only;
exhibit numbers hold when facts move and change only when renumbered; creating a
package is audited with its manifest's SHA-256; no key is a 503, never a traceback."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.indices import audit_index
from evidence.originals import stored_path
from evidence.settings import Settings
from evidence.signing import KeyRing
from search_api.app import create_app
from tests.conftest import bearer_headers

Headers = dict[str, str]


@dataclass(frozen=True)
class Case:
    client: TestClient
    settings: Settings
    ring: KeyRing
    chronology_id: str
    lawyer: Headers  # investigator, owner
    journalist: Headers  # journalist, viewer through the team
    photos: list[str]
    testimony: str


def _ids(client: TestClient, headers: Headers, **params: str) -> list[str]:
    found = client.get("/api/search", params={"size": "3"} | params, headers=headers)
    assert found.status_code == 200, found.text
    return [hit["stable_id"] for hit in found.json()["hits"]]


@pytest.fixture(scope="module")
def case(demo_corpus: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    keys = tmp_path_factory.mktemp("signing-keys") / "ring"
    settings = demo_corpus.model_copy(
        update={"signing_keys_dir": keys, "instance_name": "packages-test"}
    )
    ring = KeyRing(keys)
    ring.init()
    suffix = uuid.uuid4().hex[:6]
    names = {"lawyer": f"lawyer-{suffix}", "journalist": f"journalist-{suffix}"}
    made = bearer_headers(
        settings, {names["lawyer"]: Role.INVESTIGATOR, names["journalist"]: Role.JOURNALIST}
    )
    lawyer, journalist = made[names["lawyer"]], made[names["journalist"]]
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        admin = bearer_headers(settings, {f"boss-{suffix}": Role.ADMIN})[f"boss-{suffix}"]
        team = f"k215-{suffix}"
        assert client.post(
            "/api/teams", json={"id": team, "name": "K215"}, headers=admin
        ).is_success
        for name in names.values():
            member = client.put(
                f"/api/teams/{team}/members/{name}", json={"role": "viewer"}, headers=admin
            )
            assert member.status_code == 200, member.text
        # Records a journalist may see too, so both packages hold the same exhibits.
        found = client.get(
            "/api/search",
            params={"size": "100", "branch": "215", "type": "photo"},
            headers=journalist,
        )
        photos = [hit["stable_id"] for hit in found.json()["hits"] if hit["has_image"]][:3]
        testimony = _ids(client, journalist, type="testimony")[0]
        assert len(photos) >= 2, found.text
        created = client.post(
            "/api/chronologies", json={"title": "Branch 215 (SYNTHETIC)"}, headers=lawyer
        )
        chronology_id = created.json()["id"]
        base = f"/api/chronologies/{chronology_id}"
        collected = client.post(
            base + "/collect", json={"record_ids": [*photos, testimony]}, headers=lawyer
        )
        assert collected.status_code == 200, collected.text
        shared = client.post(
            base + "/shares", json={"team": team, "role": "viewer"}, headers=lawyer
        )
        assert shared.status_code == 200, shared.text
        yield Case(client, settings, ring, chronology_id, lawyer, journalist, photos, testimony)


def _package(case: Case, headers: Headers) -> tuple[bytes, dict]:
    response = case.client.get(f"/api/chronologies/{case.chronology_id}/package", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        manifest_bytes = archive.read("manifest.json")
    assert response.headers["x-manifest-sha256"] == hashlib.sha256(manifest_bytes).hexdigest()
    return response.content, json.loads(manifest_bytes)


def _published_keys(case: Case, tmp_path: Path) -> Path:
    keys = case.client.get("/api/keys")
    assert keys.status_code == 200, keys.text
    path = tmp_path / "keys.json"
    path.write_text(keys.text)
    return path


def _verify(package: bytes, keys: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / f"{uuid.uuid4().hex}.zip"
    path.write_bytes(package)
    command = [sys.executable, "-m", "indexer", "verify-package", str(path), "--key", str(keys)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_a_lawyers_package_holds_the_originals_and_verifies_with_the_published_key(
    case: Case, tmp_path: Path
) -> None:
    package, manifest = _package(case, case.lawyer)
    done = _verify(package, _published_keys(case, tmp_path), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("VERIFIED")
    assert manifest["originals"] is True and manifest["instance"] == "packages-test"
    by_record = {e["stable_id"]: e for e in manifest["exhibits"]}
    assert set(by_record) == {*case.photos, case.testimony}
    numbers = [e["number"] for e in manifest["exhibits"]]
    assert numbers == [f"EX-{n:03d}" for n in range(1, len(case.photos) + 2)]
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        for photo in case.photos:
            exhibit = by_record[photo]
            assert exhibit["kind"] == "original"
            stored = stored_path(case.settings.originals_dir, exhibit["sha256"]).read_bytes()
            assert archive.read(exhibit["file"]) == stored  # byte for byte
            custody = json.loads(archive.read(exhibit["custody"]))
            assert custody["events"][0]["action"] == "ingested"
            assert exhibit["sha256"] in custody["events"][0]["detail"]


def test_tampering_with_a_served_package_is_caught(case: Case, tmp_path: Path) -> None:
    package, manifest = _package(case, case.lawyer)
    photo = next(e for e in manifest["exhibits"] if e["kind"] == "original")
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    changed = bytearray(members[photo["file"]])
    changed[len(changed) // 2] ^= 0xFF
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in (members | {photo["file"]: bytes(changed)}).items():
            archive.writestr(name, data)
    done = _verify(buffer.getvalue(), _published_keys(case, tmp_path), tmp_path)
    assert done.returncode == 1
    assert f"FAIL {photo['file']}" in done.stdout and "NOT VERIFIED" in done.stdout


def test_a_journalists_package_holds_working_copies_only(case: Case, tmp_path: Path) -> None:
    package, manifest = _package(case, case.journalist)
    assert manifest["originals"] is False
    assert manifest["creator"]["role"] == "journalist"
    assert "original" not in {e["kind"] for e in manifest["exhibits"]}
    assert {e["kind"] for e in manifest["exhibits"] if e["stable_id"] in case.photos} == {
        "working_copy"
    }
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        contents = [archive.read(name) for name in archive.namelist()]
    for exhibit in manifest["exhibits"]:
        if exhibit["stable_id"] in case.photos:
            original = stored_path(case.settings.originals_dir, exhibit["sha256"]).read_bytes()
            assert original not in contents
            assert exhibit["file"].endswith(".working-copy.jpg")
    assert _verify(package, _published_keys(case, tmp_path), tmp_path).returncode == 0


def test_exhibit_numbers_hold_when_facts_move_and_change_only_when_renumbered(
    case: Case,
) -> None:
    client, lawyer = case.client, case.lawyer
    base = f"/api/chronologies/{case.chronology_id}"
    before = client.get(base, headers=lawyer).json()
    numbers = {e["stable_id"]: e["label"] for e in before["exhibits"]}
    # The last fact is moved to the front by redating it.
    last = before["facts"][-1]
    fact = {
        "date": "1990",
        "text": last["text"],
        "citations": [{"stable_id": c["stable_id"]} for c in last["citations"]],
    }
    moved = client.put(
        f"{base}/facts/{last['fact_id']}",
        json={"version": before["version"], "fact": fact},
        headers=lawyer,
    )
    assert moved.status_code == 200, moved.text
    after = moved.json()
    assert after["facts"][0]["fact_id"] == last["fact_id"]
    assert {e["stable_id"]: e["label"] for e in after["exhibits"]} == numbers
    # A viewer may not renumber; the owner may, and it follows the chronology's order.
    refused = client.post(base + "/exhibits/renumber", headers=case.journalist)
    assert refused.status_code == 403
    renumbered = client.post(base + "/exhibits/renumber", headers=lawyer)
    assert renumbered.status_code == 200, renumbered.text
    first_cited = renumbered.json()["facts"][0]["citations"][0]["stable_id"]
    labels = {e["stable_id"]: e["label"] for e in renumbered.json()["exhibits"]}
    assert labels[first_cited] == "EX-001"
    prefixed = client.put(base + "/exhibits/prefix", json={"prefix": "k215"}, headers=lawyer)
    assert prefixed.status_code == 200, prefixed.text
    assert prefixed.json()["exhibits"][0]["label"] == "K215-001"
    bad = client.put(base + "/exhibits/prefix", json={"prefix": "../x"}, headers=lawyer)
    assert bad.status_code == 400 and "prefix" in bad.json()["detail"]
    back = client.put(base + "/exhibits/prefix", json={"prefix": "EX"}, headers=lawyer)
    assert back.status_code == 200
    renumbers = _audited(case, "chronology.renumber")
    assert any(json.loads(p)["chronology"] == case.chronology_id for p in renumbers)


def _audited(case: Case, action: str) -> list[str]:
    """The params of every audit event of `action` under the test's prefix."""
    with Elasticsearch(case.settings.es_url) as es:
        index = audit_index(case.settings.index_prefix)
        es.indices.refresh(index=index)
        hits = es.search(index=index, query={"term": {"action": action}}, size=500)
    return [hit["_source"]["params"] for hit in hits["hits"]["hits"]]


def test_making_a_package_is_audited_with_the_manifests_hash(case: Case) -> None:
    _, manifest = _package(case, case.lawyer)
    response = case.client.get(
        f"/api/chronologies/{case.chronology_id}/package", headers=case.lawyer
    )
    digest = response.headers["x-manifest-sha256"]
    with Elasticsearch(case.settings.es_url) as es:
        index = audit_index(case.settings.index_prefix)
        es.indices.refresh(index=index)
        hits = es.search(index=index, query={"term": {"action": "chronology.package"}}, size=100)[
            "hits"
        ]["hits"]
    params = [json.loads(hit["_source"]["params"]) for hit in hits]
    mine = [p for p in params if p.get("manifest_sha256") == digest]
    assert len(mine) == 1
    assert mine[0]["chronology"] == case.chronology_id and mine[0]["originals"] is True
    assert {e["stable_id"] for e in manifest["exhibits"]} <= {
        record for hit in hits for record in hit["_source"]["record_ids"]
    }


def test_a_rotated_key_still_verifies_the_packages_it_signed(case: Case, tmp_path: Path) -> None:
    old, _ = _package(case, case.lawyer)
    case.ring.rotate()
    keys = _published_keys(case, tmp_path)
    published = json.loads(keys.read_text())
    assert [key["valid_until"] is None for key in published][-1] is True
    assert len(published) >= 2
    assert _verify(old, keys, tmp_path).returncode == 0
    new, manifest = _package(case, case.lawyer)
    assert manifest["signing_key"]["fingerprint"] == published[-1]["fingerprint"]
    assert _verify(new, keys, tmp_path).returncode == 0


def test_without_a_signing_key_the_answer_is_503_with_what_to_do(
    case: Case, tmp_path: Path
) -> None:
    settings = case.settings.model_copy(update={"signing_keys_dir": tmp_path / "none"})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        answer = client.get(f"/api/chronologies/{case.chronology_id}/package", headers=case.lawyer)
        assert answer.status_code == 503
        assert "keys init" in answer.json()["detail"]
        assert client.get("/api/keys").json() == []


def test_the_chronology_page_offers_the_package_and_the_exhibit_numbers(case: Case) -> None:
    page = case.client.get(f"/chronologies/{case.chronology_id}", headers=case.lawyer)
    assert page.status_code == 200
    assert f'action="/chronologies/{case.chronology_id}/package"' in page.text
    assert re.search(r'<strong class="exhibit" dir="ltr">EX-00\d</strong>', page.text)
    assert 'name="prefix"' in page.text  # the owner may set the prefix
    viewer = case.client.get(f"/chronologies/{case.chronology_id}", headers=case.journalist)
    assert "working copies" in viewer.text and 'name="prefix"' not in viewer.text
