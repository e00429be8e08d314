"""Leak suite, media: for every role, the original and the preview of a record the role
may not see, of one that does not exist, and of a visible record whose stored original
is missing or altered, are the same 404: the answer tells nothing about which it was."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.ids import stable_id
from evidence.settings import Settings
from search_api.app import create_app
from tests.integration.test_originals import (
    load,
    revealed,
    role_headers,
    tamper,
    write_photo_bundle,
)

ROLES = list(Role)
LEVELS = {Level.PUBLIC: 10, Level.RESTRICTED: 60, Level.CONFIDENTIAL: 110, Level.SEALED: 160}
ABSENT = stable_id("media-leaks", "photo", "P-never-loaded")
ALTERED = stable_id("media-leaks", "photo", "P-altered")
MISSING = stable_id("media-leaks", "photo", "P-missing")


def _photo_id(level: Level) -> str:
    return stable_id("media-leaks", "photo", f"P-{level.label}")


@pytest.fixture(scope="module")
def media(
    base_settings: Settings, es_node: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    """A photo at every level, and two public photos whose stored originals are then
    altered and deleted."""
    tmp = tmp_path_factory.mktemp("media-leaks")
    settings = base_settings.model_copy(
        update={"index_prefix": f"m{uuid.uuid4().hex[:12]}", "originals_dir": tmp / "originals"}
    )
    photos = [
        {"id": f"P-{level.label}", "file": f"media/{level.label}.jpg", "level": level.label}
        | {"shade": shade}
        for level, shade in LEVELS.items()
    ]
    photos += [
        {"id": "P-altered", "file": "media/altered.jpg", "level": "public", "shade": 200},
        {"id": "P-missing", "file": "media/missing.jpg", "level": "public", "shade": 220},
    ]
    root = tmp / "bundle"
    write_photo_bundle(root, "media-leaks", photos)
    load(settings, root)
    for name, damage in (("altered", b"SYNTHETIC other bytes"), ("missing", None)):
        digest = hashlib.sha256((root / "media" / f"{name}.jpg").read_bytes()).hexdigest()
        tamper(settings, digest, damage)
    headers = role_headers(settings)
    es = Elasticsearch(settings.es_url, request_timeout=60)
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, headers
    finally:
        es.indices.delete(index=",".join(es.indices.get(index=f"{settings.index_prefix}-*")))
        es.close()


def _answer(
    client: TestClient, headers: dict[str, str], record_id: str, variant: str
) -> tuple[int, str, str]:
    # As after "Show image": the ticket a visitor's browser needs for a graphic original
    # (a valid one, for this record: it changes nothing for a record the role may not see).
    ticket = revealed(client, record_id)
    response = client.get(f"/media/{record_id}/{variant}", params=ticket, headers=headers)
    body = response.text.replace(record_id, "RECORD")
    return response.status_code, response.headers["content-type"], body


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("variant", ["original", "preview"])
def test_hidden_absent_and_mismatched_media_are_the_same_404(
    media: tuple[TestClient, dict[Role, dict[str, str]]], role: Role, variant: str
) -> None:
    client, headers = media
    hidden = [_photo_id(level) for level in LEVELS if level > role.ceiling]
    unavailable = [ABSENT, ALTERED, MISSING, *hidden]
    answers = {
        record_id: _answer(client, headers[role], record_id, variant) for record_id in unavailable
    }
    expected = (404, "application/json", '{"detail":"No image for RECORD."}')
    assert answers == dict.fromkeys(unavailable, expected)
    for level in LEVELS:
        if level <= role.ceiling:
            status, content_type, _ = _answer(client, headers[role], _photo_id(level), variant)
            assert (status, content_type) == (200, "image/jpeg"), level
