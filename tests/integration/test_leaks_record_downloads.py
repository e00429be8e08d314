"""Leak suite, the record page's download and reveal: for every role, downloading the
original of a photo the role may not see, or of one that does not exist, is the same
404, and so is asking to reveal it; a visible photo downloads byte for byte with an
audit row naming who, which record and which SHA-256. A reveal is a form (POST with a
CSRF token) whose answer alone shows the image: an address never reveals."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.ids import stable_id
from evidence.settings import Settings
from search_api.app import create_app
from tests.integration.test_originals import (
    audit_events,
    load,
    role_headers,
    write_photo_bundle,
)

ROLES = list(Role)
LEVELS = {Level.PUBLIC: 10, Level.RESTRICTED: 60, Level.CONFIDENTIAL: 110, Level.SEALED: 160}
COLLECTION = "download-leaks"
ABSENT = stable_id(COLLECTION, "photo", "P-never-loaded")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_DOWNLOAD = re.compile(r'href="(/records/([^"/?]+)/original\?ticket=[^"]+)"')

Site = tuple[TestClient, dict[Role, dict[str, str]], Settings, dict[str, str]]


def _photo_id(level: Level) -> str:
    return stable_id(COLLECTION, "photo", f"P-{level.label}")


@pytest.fixture(scope="module")
def site(
    base_settings: Settings, es_node: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """A graphic photo at every level, and each one's SHA-256."""
    tmp = tmp_path_factory.mktemp("download-leaks")
    settings = base_settings.model_copy(
        update={"index_prefix": f"r{uuid.uuid4().hex[:12]}", "originals_dir": tmp / "originals"}
    )
    photos = [
        {"id": f"P-{level.label}", "file": f"media/{level.label}.jpg", "level": level.label}
        | {"shade": shade}
        for level, shade in LEVELS.items()
    ]
    root = tmp / "bundle"
    write_photo_bundle(root, COLLECTION, photos)
    load(settings, root)
    digests = {
        _photo_id(level): hashlib.sha256(
            Path(root, f"media/{level.label}.jpg").read_bytes()
        ).hexdigest()
        for level in LEVELS
    }
    headers = role_headers(settings)
    es = Elasticsearch(settings.es_url, request_timeout=60)
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, headers, settings, digests
    finally:
        es.indices.delete(index=",".join(es.indices.get(index=f"{settings.index_prefix}-*")))
        es.close()


def _shape(response: object, record_id: str) -> tuple[int, str, str]:
    status = response.status_code  # type: ignore[attr-defined]
    content_type = response.headers["content-type"]  # type: ignore[attr-defined]
    body = response.text.replace(record_id, "RECORD")  # type: ignore[attr-defined]
    return status, content_type, _CSRF.sub("", body)


def _csrf(client: TestClient, headers: dict[str, str]) -> str:
    page = client.get(f"/records/{ABSENT}", headers=headers)
    match = _CSRF.search(page.text) or _CSRF.search(client.get("/login").text)
    assert match, "no form token on the error page or the login page"
    return match.group(1)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_download_of_a_hidden_photo_answers_as_an_unknown_id(site: Site, role: Role) -> None:
    client, headers, settings, digests = site
    hidden = [_photo_id(level) for level in LEVELS if level > role.ceiling]
    answers = {
        record_id: _shape(
            client.get(f"/records/{record_id}/original", headers=headers[role]), record_id
        )
        for record_id in [ABSENT, *hidden]
    }
    assert answers[ABSENT][0] == 404
    assert set(answers.values()) == {answers[ABSENT]}, role
    for level in LEVELS:
        record_id = _photo_id(level)
        if level > role.ceiling:
            continue
        # A graphic photo's download is offered only on the revealed answer, with the
        # reveal's ticket (the plain address of the original opens nothing in a browser).
        page = client.get(f"/records/{record_id}", headers=headers[role])
        assert f"/records/{record_id}/original" not in page.text
        token = _csrf(client, headers[role])
        shown = client.post(f"/records/{record_id}", data={"csrf": token}, headers=headers[role])
        link = _DOWNLOAD.search(shown.text)
        assert link and link.group(2) == record_id, (role, level)
        got = client.get(link.group(1), headers=headers[role])
        assert got.status_code == 200, (role, level)
        assert hashlib.sha256(got.content).hexdigest() == digests[record_id]
        assert got.headers["content-disposition"].startswith("attachment;")
        assert f"{record_id}.jpg" in got.headers["content-disposition"]
        assert got.headers["cache-control"] == "private, no-store"
    es = Elasticsearch(settings.es_url, request_timeout=30)
    try:
        events = audit_events(es, settings, "original.download")
    finally:
        es.close()
    mine = [e for e in events if e["role"] == role.value]
    served = {e["record_ids"][0]: e for e in mine if e["outcome"] == "ok"}
    assert set(served) == {_photo_id(level) for level in LEVELS if level <= role.ceiling}
    for record_id, event in served.items():
        assert f'"sha256": "{digests[record_id]}"' in event["params"]
        assert event["user"] == (None if role is Role.PUBLIC else role.value)
    probed = {e["record_ids"][0] for e in mine if e["outcome"] == "not_found"}
    assert probed == {ABSENT, *hidden}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_revealing_a_hidden_photo_answers_as_an_unknown_id(site: Site, role: Role) -> None:
    client, headers, _, _ = site
    token = _csrf(client, headers[role])
    hidden = [_photo_id(level) for level in LEVELS if level > role.ceiling]
    answers = {
        record_id: _shape(
            client.post(f"/records/{record_id}", data={"csrf": token}, headers=headers[role]),
            record_id,
        )
        for record_id in [ABSENT, *hidden]
    }
    assert answers[ABSENT][0] == 404
    assert set(answers.values()) == {answers[ABSENT]}, role
    visible = _photo_id(role.ceiling)
    shown = client.post(f"/records/{visible}", data={"csrf": token}, headers=headers[role])
    assert shown.status_code == 200
    assert f'src="/media/{visible}/original?ticket=' in shown.text
    assert "/preview" not in shown.text


def test_an_address_never_reveals_and_a_reveal_needs_the_form_token(site: Site) -> None:
    client, headers, _, _ = site
    photo = _photo_id(Level.PUBLIC)
    for address in (f"/records/{photo}?reveal=1", f"/records/{photo}?reveal=true"):
        page = client.get(address)
        assert page.status_code == 200
        assert f'src="/media/{photo}/preview"' in page.text
        assert f"/media/{photo}/original" not in page.text
        assert 'method="post"' in page.text and "Show image" in page.text
    for token in ("", "forged"):
        refused = client.post(f"/records/{photo}", data={"csrf": token})
        assert refused.status_code == 400
        assert f"/media/{photo}/original" not in refused.text
    token = _csrf(client, headers[Role.PUBLIC])
    shown = client.post(f"/records/{photo}", data={"csrf": token})
    assert f'src="/media/{photo}/original?ticket=' in shown.text
    again = client.get(f"/records/{photo}")
    assert f"/media/{photo}/original" not in again.text, "a reveal is not remembered"
