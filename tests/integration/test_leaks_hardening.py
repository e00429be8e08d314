"""The leak suite, hardening part: for every role, every kind of answer (pages, API,
exports, media, errors) carries the security headers and `Cache-Control: no-store`, and
a session cookie replayed after its logout sees only what the public sees.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.ids import stable_id
from evidence.settings import Settings
from indexer.load import load_bundle
from search_api.app import create_app
from tests.conftest import bearer_headers
from tests.integration.test_leaks import _all_ids, _write_bundle, level_canary

PASSWORD = "a long enough password"
ROLES = (Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN)
ACCOUNTS = (Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN)
PUBLIC_PHOTO = stable_id("canary", "photo", "P-aaa")
SEALED_PHOTO = stable_id("canary", "photo", "P-ddd")
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
POLICY = (
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)


@pytest.fixture(scope="module")
def hardened(
    base_settings: Settings, es_node: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, dict[Role, dict[str, str]], Path]]:
    """The canary bundle, an account (password and token) per role; yields the settings,
    each role's API headers and the bundle's folder (a server path)."""
    settings = base_settings.model_copy(update={"index_prefix": f"h{uuid.uuid4().hex[:12]}"})
    root = tmp_path_factory.mktemp("canary") / "bundle"
    _write_bundle(root)
    es = Elasticsearch(settings.es_url, request_timeout=60)
    report = load_bundle(es, settings.index_prefix, root)
    assert (report.indexed, report.rejections) == (12, [])

    made = bearer_headers(settings, {role.value: role for role in ACCOUNTS}, PASSWORD)
    headers: dict[Role, dict[str, str]] = {Role.PUBLIC: {}}
    headers |= {role: made[role.value] for role in ACCOUNTS}
    try:
        yield settings, headers, root
    finally:
        es.indices.delete(index=",".join(es.indices.get(index=f"{settings.index_prefix}-*")))
        es.close()


@pytest.fixture(scope="module")
def client(
    hardened: tuple[Settings, dict[Role, dict[str, str]], Path],
) -> Iterator[TestClient]:
    with TestClient(create_app(hardened[0]), raise_server_exceptions=False) as test_client:
        yield test_client


def _assert_hardened(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url} ({response.status_code})"
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, f"{name} on {where}"
    directives = response.headers.get("cache-control", "").replace(" ", "").split(",")
    assert "no-store" in directives, f"no-store on {where}"
    policy = response.headers.get("content-security-policy", "")
    for directive in POLICY:
        assert directive in policy, f"{directive} on {where}"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where


def _csrf(client: TestClient, path: str = "/login") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


ANSWERS = [
    "/",
    "/?q=canary",
    f"/records/{PUBLIC_PHOTO}",
    "/timeline",
    "/chronologies",
    "/login",
    "/api/search?q=canary",
    f"/api/records/{PUBLIC_PHOTO}",
    "/api/timeline",
    "/api/export?format=csv",
    "/api/export?format=ndjson",
    f"/media/{PUBLIC_PHOTO}/preview",
    "/api/chronologies",
    "/teams",
    "/api/teams",
]
ERRORS = [
    (f"/api/records/{SEALED_PHOTO}x", 404),
    (f"/records/{SEALED_PHOTO}x", 404),
    ("/api/search?size=100000", 400),
    ("/?size=100000", 400),
    (f"/media/{SEALED_PHOTO}x/original", 404),
    ("/no/such/page", 404),
]


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value)
def test_every_answer_has_the_security_headers_and_no_store(
    client: TestClient, hardened: tuple[Settings, dict[Role, dict[str, str]], Path], role: Role
) -> None:
    _, headers, root = hardened
    for path in ANSWERS:
        response = client.get(path, headers=headers[role])
        signed_in_only = "chronologies" in path or "teams" in path
        expected = 401 if role is Role.PUBLIC and signed_in_only else 200
        assert response.status_code == expected, path
        _assert_hardened(response)
    for path, status in ERRORS:
        response = client.get(path, headers=headers[role])
        assert response.status_code == status, path
        _assert_hardened(response)
        assert str(root) not in response.text and str(Path.cwd()) not in response.text
    forbidden = client.get("/api/audit", headers=headers[role])
    assert forbidden.status_code == (200 if role is Role.ADMIN else 403)
    _assert_hardened(forbidden)


def test_a_bad_token_and_a_refused_form_have_the_headers(client: TestClient) -> None:
    bad = client.get("/api/search", headers={"Authorization": "Bearer ev_nope_nope"})
    assert bad.status_code == 401
    _assert_hardened(bad)
    refused = client.post("/login", data={"username": "x", "password": "y", "csrf": "forged"})
    assert refused.status_code == 400
    _assert_hardened(refused)


def _visible(role: Role) -> set[str]:
    return {record for record, level in _all_ids().items() if level <= role.ceiling}


@pytest.mark.parametrize("role", ACCOUNTS, ids=lambda role: role.value)
def test_a_cookie_replayed_after_logout_sees_only_public_records(
    hardened: tuple[Settings, dict[Role, dict[str, str]], Path], role: Role
) -> None:
    settings, _, _ = hardened
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as owner:
        login = owner.post(
            "/login",
            data={"username": role.value, "password": PASSWORD, "csrf": _csrf(owner)},
            follow_redirects=False,
        )
        assert login.status_code == 303
        stolen = owner.cookies["evidence_session"]
        before = owner.get("/api/search", params={"size": 50}).json()
        assert {hit["stable_id"] for hit in before["hits"]} == _visible(role)
        out = owner.post("/logout", data={"csrf": _csrf(owner, "/")}, follow_redirects=False)
        assert out.status_code == 303
    with TestClient(app, raise_server_exceptions=False) as thief:
        thief.cookies.set("evidence_session", stolen)
        found = thief.get("/api/search", params={"size": 50})
        assert found.status_code == 200
        assert {hit["stable_id"] for hit in found.json()["hits"]} == _visible(Role.PUBLIC)
        assert found.json()["total"] == len(_visible(Role.PUBLIC))
        bodies = [
            found.text,
            thief.get("/", params={"q": "canary"}).text,
            thief.get("/api/export", params={"q": "canary"}).text,
            thief.get("/api/timeline").text,
        ]
        for level in (Level.RESTRICTED, Level.CONFIDENTIAL, Level.SEALED):
            assert not any(level_canary(level) in body for body in bodies), level
        for record, level in _all_ids().items():
            expected = 200 if level is Level.PUBLIC else 404
            assert thief.get(f"/api/records/{record}").status_code == expected, record
        assert "Public view" in thief.get("/").text
        assert thief.get("/api/audit").status_code == 403
        assert thief.get("/api/chronologies").status_code == 401
