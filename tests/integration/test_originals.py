"""Originals are content-addressed: a record's image is the stored file whose SHA-256 is
the record's own, whatever other bundles hold under the same name; previews are made
off the event loop."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import pytest
from elasticsearch import Elasticsearch
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image, ImageStat

from evidence.access import Role
from evidence.ids import stable_id
from evidence.indices import type_alias
from evidence.originals import keep_original, stored_path
from evidence.settings import Settings
from indexer.load import LoadOptions, load_bundle
from search_api import media
from search_api.app import create_app
from search_api.routes.render import CSRF_COOKIE
from tests.conftest import role_headers

SEALED_ID = stable_id("shared", "photo", "P-sealed")
PUBLIC_ID = stable_id("shared", "photo", "P-public")


def write_photo_bundle(root: Path, collection: str, photos: list[dict[str, Any]]) -> None:
    """A bundle of photos: each `{"id", "file", "level", "shade"}` is a grey 64x64 JPEG
    of that shade (0-255) at that file path, with that confidentiality."""
    (root / "media").mkdir(parents=True)
    (root / "collection.yaml").write_text(
        f"id: {collection}\ntitle: Originals test (SYNTHETIC)\nsynthetic: true\n"
    )
    rows = ["photo_id,file,findings,confidentiality"]
    for photo in photos:
        Image.new("L", (64, 64), photo["shade"]).save(root / photo["file"], format="JPEG")
        rows.append(f"{photo['id']},{photo['file']},SYNTHETIC findings,{photo['level']}")
    (root / "photos.csv").write_text("\n".join(rows) + "\n")


def load(settings: Settings, root: Path) -> None:
    """Load a bundle as the CLI does, into the test's own originals store."""
    es = Elasticsearch(settings.es_url, request_timeout=60)
    try:
        options = LoadOptions(originals_dir=settings.originals_dir)
        report = load_bundle(es, settings.index_prefix, root, options=options)
    finally:
        es.close()
    assert report.rejections == [], report.rejections


def revealed(client: TestClient, record_id: str) -> dict[str, str]:
    """The query a visitor's browser sends for a graphic original after "Show image" on
    its record page: a reveal ticket for this client's CSRF cookie (any page sets it).
    Requests with a Bearer token ignore it."""
    if CSRF_COOKIE not in client.cookies:
        client.get("/login")
    settings: Settings = cast(FastAPI, client.app).state.settings
    holder = media.ticket_holder(None, client.cookies[CSRF_COOKIE])
    assert holder
    ticket = media.reveal_ticket(settings.secret_key.get_secret_value(), holder, record_id)
    return {"ticket": ticket}


def audit_events(es: Elasticsearch, settings: Settings, action: str) -> list[dict[str, Any]]:
    index = f"{settings.index_prefix}-audit"
    es.indices.refresh(index=index)
    hits = es.search(index=index, query={"term": {"action": action}}, size=100)["hits"]["hits"]
    return [hit["_source"] for hit in hits]


def tamper(settings: Settings, sha256: str, content: bytes | None) -> None:
    """Overwrite a stored original in place (as someone with write access to the store
    could), or delete it when `content` is None."""
    path = stored_path(settings.originals_dir, sha256)
    if content is None:
        path.unlink()
        return
    path.chmod(0o644)
    path.write_bytes(content)


@pytest.fixture
def store_settings(settings: Settings, es: Elasticsearch, tmp_path: Path) -> Settings:
    """The test's own prefix and its own originals store (its `es` fixture deletes the
    indices afterwards)."""
    return settings.model_copy(update={"originals_dir": tmp_path / "originals"})


@pytest.fixture
def two_bundles(store_settings: Settings, tmp_path: Path) -> Settings:
    """As reproduced: two bundles with the same collection id, each holding `media/secret.jpg`:
    in the first a sealed photo (white), in the second a public photo (black). The sealed
    bundle's folder sorts first, as the old path lookup tried folders in path order."""
    sealed = {"id": "P-sealed", "file": "media/secret.jpg", "level": "sealed", "shade": 255}
    public = {"id": "P-public", "file": "media/secret.jpg", "level": "public", "shade": 0}
    write_photo_bundle(tmp_path / "a-sealed", "shared", [sealed])
    write_photo_bundle(tmp_path / "b-public", "shared", [public])
    load(store_settings, tmp_path / "a-sealed")
    load(store_settings, tmp_path / "b-public")
    return store_settings


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_public_photo_is_served_its_own_file_never_a_sealed_one_of_the_same_name(
    two_bundles: Settings, tmp_path: Path
) -> None:
    sealed_bytes = (tmp_path / "a-sealed" / "media" / "secret.jpg").read_bytes()
    headers = role_headers(two_bundles)
    with TestClient(create_app(two_bundles), raise_server_exceptions=False) as client:
        claimed = client.get(f"/api/records/{PUBLIC_ID}").json()["sha256"]
        for role in Role:
            original = client.get(
                f"/media/{PUBLIC_ID}/original",
                params=revealed(client, PUBLIC_ID),
                headers=headers[role],
            )
            assert original.status_code == 200, role
            assert _sha256(original.content) == claimed, role
            assert original.content != sealed_bytes, role
            assert original.headers["content-type"] == "image/jpeg"
            preview = client.get(f"/media/{PUBLIC_ID}/preview", headers=headers[role])
            assert preview.status_code == 200, role
            # The public photo is black, the sealed one white: the preview is the public one.
            mean = ImageStat.Stat(Image.open(io.BytesIO(preview.content)).convert("L")).mean[0]
            assert mean < 64, (role, mean)
        # The sealed photo is still served to the one role that may see it, as itself.
        admin = client.get(f"/media/{SEALED_ID}/original", headers=headers[Role.ADMIN])
        assert admin.status_code == 200 and admin.content == sealed_bytes
        assert client.get(f"/media/{SEALED_ID}/original").status_code == 404


@pytest.mark.parametrize("damage", ["altered", "missing"])
def test_a_tampered_or_missing_stored_original_is_a_404_and_an_audit_event(
    two_bundles: Settings, es: Elasticsearch, damage: str
) -> None:
    with TestClient(create_app(two_bundles), raise_server_exceptions=False) as client:
        claimed = client.get(f"/api/records/{PUBLIC_ID}").json()["sha256"]
        tamper(two_bundles, claimed, b"not the photo" if damage == "altered" else None)
        for variant in ("original", "preview"):
            response = client.get(
                f"/media/{PUBLIC_ID}/{variant}", params=revealed(client, PUBLIC_ID)
            )
            assert response.status_code == 404, variant
            assert response.json() == {"detail": f"No image for {PUBLIC_ID}."}
    events = audit_events(es, two_bundles, "image.unavailable")
    assert len(events) == 2
    assert {event["outcome"] for event in events} == {"not_found"}
    assert all(event["record_ids"] == [PUBLIC_ID] for event in events)


def _open_writer(pipe: Path, deadline: float) -> int:
    """The write end of a named pipe, once a reader holds it open (polled: opening the
    write end without blocking fails while nobody reads)."""
    while True:
        try:
            return os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def test_a_preview_is_made_off_the_event_loop(store_settings: Settings, tmp_path: Path) -> None:
    """The stored original is replaced by a named pipe, so making the preview waits, in
    the middle of reading the file, until this test writes the image into it. While it
    waits, `/healthz` is asked and answers: had the preview been read on the event loop,
    no other request could be answered until the image arrived, and the image is only
    written after `/healthz` has answered."""
    photo = {"id": "P-slow", "file": "media/slow.jpg", "level": "public", "shade": 90}
    write_photo_bundle(tmp_path / "bundle", "slow", [photo])
    load(store_settings, tmp_path / "bundle")
    image = (tmp_path / "bundle" / "media" / "slow.jpg").read_bytes()
    pipe = stored_path(store_settings.originals_dir, _sha256(image))
    pipe.unlink()
    os.mkfifo(pipe)
    order: list[str] = []
    record_id = stable_id("slow", "photo", "P-slow")
    with (
        TestClient(create_app(store_settings), raise_server_exceptions=False) as client,
        ThreadPoolExecutor(2) as pool,
    ):
        preview = pool.submit(client.get, f"/media/{record_id}/preview")
        # Watchdogs, not measurements: they only stop a broken build from hanging.
        writer = _open_writer(pipe, time.monotonic() + 120)
        try:
            health = pool.submit(client.get, "/healthz")
            answered = health.result(timeout=120)
            order.append("healthz answered")
        finally:
            os.set_blocking(writer, True)
            os.write(writer, image)  # lets the preview go on, whatever happened
            os.close(writer)
            order.append("image written")
        assert answered.status_code == 200
        assert preview.result(timeout=120).status_code == 200
    assert order == ["healthz answered", "image written"]


def test_a_preview_is_never_decoded_from_an_image_over_the_cap(
    store_settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    """A record from an older load, when 200 megapixels were allowed, may name a larger
    image: its original is still served byte for byte, but no preview is decoded."""
    photo = {"id": "P-big", "file": "media/big.jpg", "level": "public", "shade": 30}
    write_photo_bundle(tmp_path / "bundle", "older", [photo])
    load(store_settings, tmp_path / "bundle")
    big = tmp_path / "big.png"
    Image.new("1", (8000, 8000)).save(big)
    digest = keep_original(store_settings.originals_dir, big)
    record_id = stable_id("older", "photo", "P-big")
    es.update(
        index=type_alias(store_settings.index_prefix, "photo"),
        id=record_id,
        doc={"sha256": digest, "source": {"media_type": "image/png"}},
        refresh=True,
    )
    with TestClient(create_app(store_settings), raise_server_exceptions=False) as client:
        preview = client.get(f"/media/{record_id}/preview")
        assert preview.status_code == 404
        assert preview.json() == {"detail": f"No image for {record_id}."}
        original = client.get(f"/media/{record_id}/original", params=revealed(client, record_id))
        assert original.status_code == 200 and original.content == big.read_bytes()
    [event] = audit_events(es, store_settings, "image.unavailable")
    reason = json.loads(event["params"])["reason"]
    assert reason == "image is 8000 x 8000 = 64 megapixels; at most 50"
