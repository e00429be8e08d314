"""The original of a graphic photo opens to a browser only with the reveal ticket of its
record page's "Show image" form: a short-lived HMAC for that record and that caller.
A shared, bookmarked or cross-site address of the original is a 403 that sends the
reader to the record page; an expired or forged ticket, or one for another record or
another caller, is refused too. Programs (Bearer tokens) and non-graphic images need no
ticket. A record the caller may not see stays the same 404, ticket or not."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient
from PIL import Image

from evidence.access import Level, Role
from evidence.ids import stable_id
from evidence.settings import Settings
from search_api import media
from search_api.app import create_app
from search_api.routes.render import CSRF_COOKIE
from tests.conftest import bearer_headers
from tests.integration.test_originals import audit_events, load

COLLECTION = "reveal-tickets"
LEVELS = {Level.PUBLIC: 10, Level.RESTRICTED: 60, Level.CONFIDENTIAL: 110, Level.SEALED: 160}
PLAIN = stable_id(COLLECTION, "photo", "P-plain")
ABSENT = stable_id(COLLECTION, "photo", "P-never-loaded")
PASSWORD = "a long enough password"
SIGNED_IN = (Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_HERE = re.compile(r"next=[^\"]*")
_TICKET = re.compile(r'/media/[^"?]+/original\?ticket=([^"&]+)"')


def _photo_id(level: Level) -> str:
    return stable_id(COLLECTION, "photo", f"P-{level.label}")


class Site:
    """The app, its settings, a browser (cookie jar) per role, Bearer headers per role,
    and each photo's SHA-256."""

    def __init__(self, settings: Settings, digests: dict[str, str]) -> None:
        self.settings = settings
        self.digests = digests
        self.secret = settings.secret_key.get_secret_value()
        self.app = create_app(settings)
        self.bearer = bearer_headers(settings, {role.value: role for role in SIGNED_IN})
        self.opened: list[TestClient] = []

    def browser(self, role: Role, username: str | None = None) -> TestClient:
        """A browser of its own (its own cookies, its own app on the same indices): a
        visitor, or one signed in with the login form (as `username`, else the role's
        account)."""
        client = TestClient(create_app(self.settings), raise_server_exceptions=False)
        client.__enter__()
        self.opened.append(client)
        if role is not Role.PUBLIC:
            token = _CSRF.search(client.get("/login").text)
            assert token
            login = client.post(
                "/login",
                data={"username": username or role.value, "password": PASSWORD}
                | {"csrf": token.group(1)}
                | {"next": "/"},
                follow_redirects=False,
            )
            assert login.status_code == 303, login.text
        else:
            client.get("/login")  # a visitor's CSRF cookie, as any page sets it
        return client

    def reveal(self, client: TestClient, record_id: str) -> tuple[int, str, str | None]:
        """Press "Show image" on the record page: the answer and the ticket it carries."""
        token = _CSRF.search(client.get(f"/records/{record_id}").text)
        assert token
        page = client.post(f"/records/{record_id}", data={"csrf": token.group(1)})
        found = _TICKET.search(page.text)
        return page.status_code, page.text, found.group(1) if found else None


@pytest.fixture(scope="module")
def site(
    base_settings: Settings, es_node: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """A graphic photo at every level and a public photo that is not graphic."""
    tmp = tmp_path_factory.mktemp("reveal-tickets")
    settings = base_settings.model_copy(
        update={"index_prefix": f"t{uuid.uuid4().hex[:12]}", "originals_dir": tmp / "originals"}
    )
    root = tmp / "bundle"
    (root / "media").mkdir(parents=True)
    (root / "collection.yaml").write_text(
        f"id: {COLLECTION}\ntitle: Reveal tickets test (SYNTHETIC)\nsynthetic: true\n"
    )
    rows = ["photo_id,file,findings,confidentiality,graphic"]
    photos = [(f"P-{level.label}", level.label, shade, "") for level, shade in LEVELS.items()]
    for name, level, shade, graphic in [*photos, ("P-plain", "public", 200, "false")]:
        Image.new("L", (64, 64), shade).save(root / f"media/{name}.jpg", format="JPEG")
        rows.append(f"{name},media/{name}.jpg,SYNTHETIC findings,{level},{graphic}")
    (root / "photos.csv").write_text("\n".join(rows) + "\n")
    load(settings, root)
    digests = {
        stable_id(COLLECTION, "photo", path.stem): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in Path(root, "media").iterdir()
    }
    built = Site(settings, digests)
    es = Elasticsearch(settings.es_url, request_timeout=60)
    try:
        with TestClient(built.app):
            yield built
    finally:
        for client in built.opened:
            client.__exit__(None, None, None)
        es.indices.delete(index=",".join(es.indices.get(index=f"{settings.index_prefix}-*")))
        es.close()


def _originals(client: TestClient, record_id: str, ticket: str | None = None) -> list[object]:
    query = {"ticket": ticket} if ticket is not None else {}
    return [
        client.get(f"/media/{record_id}/original", params=query),
        client.get(f"/records/{record_id}/original", params=query),
    ]


def test_a_graphic_original_without_a_ticket_is_refused_to_a_signed_in_browser(
    site: Site,
) -> None:
    client = site.browser(Role.JOURNALIST)
    photo = _photo_id(Level.PUBLIC)
    image, download = _originals(client, photo)
    assert image.status_code == 403  # type: ignore[attr-defined]
    assert "graphic" in image.json()["detail"]  # type: ignore[attr-defined]
    assert download.status_code == 403  # type: ignore[attr-defined]
    assert download.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    assert f'href="/records/{photo}"' in download.text  # type: ignore[attr-defined]
    page = client.get(f"/records/{photo}")
    assert f"/records/{photo}/original" not in page.text, "no download link before a reveal"
    assert f"/media/{photo}/original" not in page.text


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.JOURNALIST], ids=lambda r: r.value)
def test_the_ticket_of_the_reveal_opens_the_original_to_that_caller(site: Site, role: Role) -> None:
    client = site.browser(role)
    photo = _photo_id(Level.PUBLIC)
    status, text, ticket = site.reveal(client, photo)
    assert status == 200 and ticket, text
    assert f'href="/records/{photo}/original?ticket={ticket}"' in text
    for got in _originals(client, photo, ticket):
        assert got.status_code == 200  # type: ignore[attr-defined]
        assert hashlib.sha256(got.content).hexdigest() == site.digests[photo]  # type: ignore[attr-defined]
    # The same address in another browser (a shared link) opens nothing.
    other = site.browser(Role.INVESTIGATOR if role is Role.JOURNALIST else Role.PUBLIC)
    for got in _originals(other, photo, ticket):
        assert got.status_code == 403  # type: ignore[attr-defined]


def test_expired_forged_and_misdirected_tickets_are_refused(site: Site) -> None:
    client = site.browser(Role.INVESTIGATOR)
    photo, other = _photo_id(Level.PUBLIC), _photo_id(Level.RESTRICTED)
    holder = media.ticket_holder(Role.INVESTIGATOR.value, None)
    assert holder
    good = media.reveal_ticket(site.secret, holder, photo)
    expiry, _, mac = good.partition(".")
    refused = {
        "expired": media.reveal_ticket(site.secret, holder, photo, time.time() - 700),
        "forged": f"{expiry}.{'0' * len(mac)}",
        "extended": f"{int(expiry) + 3600}.{mac}",
        "another secret": media.reveal_ticket("not the secret", holder, photo),
        "another record": media.reveal_ticket(site.secret, holder, other),
        "another user": media.reveal_ticket(site.secret, "user:journalist", photo),
        "garbage": "x",
        "not ASCII digits": f"\u00b2{expiry[1:]}.{mac}",
    }
    for why, ticket in refused.items():
        for got in _originals(client, photo, ticket):
            assert got.status_code == 403, why  # type: ignore[attr-defined]
    for got in _originals(client, photo, good):
        assert got.status_code == 200  # type: ignore[attr-defined]


def test_the_reveal_is_audited_and_a_refused_original_writes_nothing(site: Site) -> None:
    """`image.reveal` is written by "Show image" (the deliberate act) and by the ticketed
    image; a link followed without a ticket writes no entry in the follower's name."""
    bearer_headers(site.settings, {"witness": Role.JOURNALIST})
    client = site.browser(Role.JOURNALIST, "witness")
    photo = _photo_id(Level.PUBLIC)
    for got in _originals(client, photo):
        assert got.status_code == 403  # type: ignore[attr-defined]
    es = Elasticsearch(site.settings.es_url, request_timeout=30)
    try:
        for action in ("image.reveal", "original.download"):
            mine = [e for e in audit_events(es, site.settings, action) if e["user"] == "witness"]
            assert mine == [], action
        _, _, ticket = site.reveal(client, photo)
        [revealed] = [
            e for e in audit_events(es, site.settings, "image.reveal") if e["user"] == "witness"
        ]
        assert revealed["record_ids"] == [photo] and revealed["outcome"] == "ok"
        assert site.digests[photo] in revealed["params"]
        for got in _originals(client, photo, ticket):
            assert got.status_code == 200  # type: ignore[attr-defined]
        for action in ("image.reveal", "original.download"):
            mine = [e for e in audit_events(es, site.settings, action) if e["user"] == "witness"]
            assert len(mine) == (2 if action == "image.reveal" else 1), action
    finally:
        es.close()


def test_a_graphic_ticket_for_a_visitor_is_bound_to_its_browser(site: Site) -> None:
    visitor = site.browser(Role.PUBLIC)
    photo = _photo_id(Level.PUBLIC)
    cookie = visitor.cookies.get(CSRF_COOKIE)
    assert cookie
    ticket = media.reveal_ticket(site.secret, f"browser:{cookie}x", photo)
    for got in _originals(visitor, photo, ticket):
        assert got.status_code == 403  # type: ignore[attr-defined]


def test_a_non_graphic_image_needs_no_ticket(site: Site) -> None:
    visitor = site.browser(Role.PUBLIC)
    for got in _originals(visitor, PLAIN):
        assert got.status_code == 200  # type: ignore[attr-defined]
    page = visitor.get(f"/records/{PLAIN}")
    assert f'href="/records/{PLAIN}/original"' in page.text
    assert f'src="/media/{PLAIN}/original"' in page.text


@pytest.mark.parametrize("role", SIGNED_IN, ids=lambda r: r.value)
def test_a_program_with_a_bearer_token_needs_no_ticket(site: Site, role: Role) -> None:
    program = site.browser(Role.PUBLIC)
    photo = _photo_id(role.ceiling)
    for path in (f"/media/{photo}/original", f"/records/{photo}/original"):
        got = program.get(path, headers=site.bearer[role.value])
        assert got.status_code == 200, path
        assert hashlib.sha256(got.content).hexdigest() == site.digests[photo]


def _shape(response: object, record_id: str) -> tuple[int, str, str]:
    status = response.status_code  # type: ignore[attr-defined]
    content_type = response.headers["content-type"]  # type: ignore[attr-defined]
    body = response.text.replace(record_id, "RECORD")  # type: ignore[attr-defined]
    # The language links name the address asked for, query string and all.
    return status, content_type, _HERE.sub("", _CSRF.sub("", body))


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_a_hidden_record_is_the_same_404_with_or_without_a_ticket(site: Site, role: Role) -> None:
    """A valid ticket for a record the caller may not see changes nothing: the access
    check comes before the ticket's."""
    client = site.browser(role)
    cookie = client.cookies.get(CSRF_COOKIE)
    holder = media.ticket_holder(None if role is Role.PUBLIC else role.value, cookie)
    assert holder
    hidden = [_photo_id(level) for level in LEVELS if level > role.ceiling]
    for path in ("/media/{}/original", "/records/{}/original"):
        answers = set()
        for record_id in [ABSENT, *hidden]:
            ticket = media.reveal_ticket(site.secret, holder, record_id)
            for query in ({}, {"ticket": ticket}, {"ticket": "forged"}):
                got = client.get(path.format(record_id), params=query)
                answers.add(_shape(got, record_id))
        assert len(answers) == 1, (role, path, answers)
        assert next(iter(answers))[0] == 404


def test_no_download_link_on_a_record_without_an_image_file(
    demo_corpus: Settings,
) -> None:
    """A filing has a SHA-256 (of its document) but no stored image to download."""
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as client:
        filings = client.get("/api/search", params={"type": "filing", "size": "20"}).json()
        with_digest = [
            h["stable_id"]
            for h in filings["hits"]
            if client.get(f"/api/records/{h['stable_id']}").json().get("sha256")
        ]
        assert with_digest, "the demo corpus has filings with a SHA-256"
        for record_id in with_digest[:3]:
            page = client.get(f"/records/{record_id}")
            assert page.status_code == 200
            assert "/original" not in page.text
            assert "Download the original" not in page.text
