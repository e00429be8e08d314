"""Hardening of the web layer, through the real app and node: whose address the audit
log keeps, the login back-off, equal scrypt work for every login, sessions that logout
ends, security headers on every answer, and blocking work kept off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import httpx2 as httpx
import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from indexer.load import load_bundle
from search_api.accounts.store import UserStore
from search_api.app import create_app
from search_api.chronologies import export as chronology_export
from tests.conftest import run_async, served_app

PASSWORD = "a long enough password"
TITLES = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-3+4", "@SUM(A1)"]


def _write_bundle(root: Path) -> None:
    """Filings whose titles a spreadsheet would run as formulas, plus a restricted one."""
    (root / "filings").mkdir(parents=True)
    (root / "collection.yaml").write_text(
        "id: hard\ntitle: Hardening bundle (SYNTHETIC)\n"
        "default_confidentiality: public\nsynthetic: true\n"
    )
    for n, title in enumerate(TITLES):
        quoted = title.replace("'", "''")
        (root / "filings" / f"f{n}.md").write_text(
            f"---\nfiling_id: F-{n}\ncourt: Court {n}\ntitle: '{quoted}'\ndoc_type: order\n"
            f"date_issued: 2020-01-0{n + 1}\nconfidentiality: public\n---\nformula text {n}\n"
        )
    (root / "filings" / "hidden.md").write_text(
        "---\nfiling_id: F-hidden\ncourt: Court H\ndoc_type: order\n"
        "date_issued: 2020-02-01\nconfidentiality: restricted\n---\nrestricted text\n"
    )


@pytest.fixture
def app_settings(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> Iterator[tuple[Settings, dict[str, str]]]:
    """The bundle loaded, and users jo (journalist), root (admin), gone (disabled); with
    10.0.0.0/8 as the trusted proxies. Yields the settings and root's API token."""
    _write_bundle(tmp_path / "bundle")
    report = load_bundle(es, settings.index_prefix, tmp_path / "bundle")
    assert (report.indexed, report.rejections) == (5, [])

    async def users() -> str:
        client = AsyncElasticsearch(settings.es_url)
        store = UserStore(client, settings)
        await store.add("jo", Role.JOURNALIST, PASSWORD)
        await store.add("root", Role.ADMIN, PASSWORD)
        await store.add("gone", Role.INVESTIGATOR, PASSWORD)
        await store.revoke("gone")
        _, token = await store.issue_token("root")
        await client.close()
        return token

    token = run_async(users())
    proxied = settings.model_copy(update={"trusted_proxies": "10.0.0.0/8,fd00::/8"})
    yield proxied, {"Authorization": f"Bearer {token}"}


def _client(settings: Settings, peer: str = "192.0.2.10") -> TestClient:
    return TestClient(create_app(settings), raise_server_exceptions=False, client=(peer, 50000))


def _csrf(client: TestClient, path: str = "/login") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def _login(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf": _csrf(client), "next": "/"},
        follow_redirects=False,
    )


def _clients_in_audit(client: TestClient, admin: dict[str, str], action: str) -> list[str]:
    events = client.get("/api/audit", params={"action": action}, headers=admin).json()["events"]
    return [event["client"] for event in reversed(events)]


# Finding 1: X-Forwarded-For from anyone.


def test_forwarded_for_is_believed_only_from_a_trusted_proxy_and_only_an_ip(
    app_settings: tuple[Settings, dict[str, str]],
) -> None:
    settings, admin = app_settings
    asked = [
        ("10.0.0.1", "198.51.100.7, 10.0.0.2"),  # trusted: the right-most untrusted hop
        ("10.0.0.1", "<b>html</b>"),  # trusted, but not an address: the peer
        ("10.0.0.1", "198.51.100.7, <b>x</b>, 10.0.0.2"),  # a bad hop before a good one
        ("10.0.0.1", "10.1.1.1"),  # only proxies: the peer
        ("192.0.2.66", "198.51.100.9"),  # not a proxy: the peer, whatever it forwards
        ("fd00::1", "2001:db8::5"),
    ]
    for peer, forwarded in asked:
        with _client(settings, peer) as client:
            client.get(
                "/api/search", params={"q": "formula"}, headers={"X-Forwarded-For": forwarded}
            )
    with _client(settings) as client:
        seen = _clients_in_audit(client, admin, "search")
    assert seen == ["198.51.100.7", "10.0.0.1", "10.0.0.1", "10.0.0.1", "192.0.2.66", "2001:db8::5"]


@pytest.fixture
def served(app_settings: tuple[Settings, dict[str, str]]) -> Iterator[str]:
    """`python -m search_api serve` as deployed, on a loopback port, trusting no proxy."""
    settings, _ = app_settings
    env = {
        "ELASTICSEARCH_URL": settings.es_url,
        "EVIDENCE_INDEX_PREFIX": settings.index_prefix,
        "EVIDENCE_SECRET_KEY": "s" * 32,
    }
    with served_app(env) as url:
        yield url


def test_the_served_app_keeps_the_peer_address_whatever_a_loopback_client_forwards(
    served: str, app_settings: tuple[Settings, dict[str, str]]
) -> None:
    """uvicorn believed X-Forwarded-For from any loopback peer and kept any string."""
    _, admin = app_settings
    for forwarded in ("<script>alert(1)</script>", "203.0.113.50"):
        httpx.get(f"{served}/api/search", headers={"X-Forwarded-For": forwarded}, timeout=30)
    events = httpx.get(
        f"{served}/api/audit", params={"action": "search"}, headers=admin, timeout=30
    ).json()["events"]
    assert [event["client"] for event in events] == ["127.0.0.1", "127.0.0.1"]


# Finding 2: five failures locked the account, and the address, for everyone.


def test_failed_logins_slow_down_only_that_address_for_that_username(
    app_settings: tuple[Settings, dict[str, str]],
) -> None:
    settings, admin = app_settings
    with _client(settings, "203.0.113.1") as attacker:
        for _ in range(5):
            assert _login(attacker, "jo", "wrong password!").status_code == 401
        refused = _login(attacker, "jo")
        assert refused.status_code == 429, "even the right password waits out the back-off"
        assert _login(attacker, "root").status_code == 303, "another username from there"
    with _client(settings, "198.51.100.20") as newsroom:
        assert _login(newsroom, "jo").status_code == 303, "jo, from her own address"
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many failed logins" in refused.text and "<form" in refused.text, "a page"
    with _client(settings, "10.0.0.9") as proxy:
        # Behind the newsroom's proxy, each forwarded client counts on its own.
        forwarded = {"X-Forwarded-For": "203.0.113.1"}
        proxy.headers.update(forwarded)
        assert _login(proxy, "jo").status_code == 429
        proxy.headers.update({"X-Forwarded-For": "198.51.100.21"})
        assert _login(proxy, "jo").status_code == 303
    with _client(settings) as client:
        outcomes = client.get("/api/audit", params={"action": "login"}, headers=admin).json()
    rate_limited = [e for e in outcomes["events"] if e["outcome"] == "rate_limited"]
    assert {e["client"] for e in rate_limited} == {"203.0.113.1"}


def test_the_back_off_doubles_with_each_failure_and_a_success_clears_it(
    settings: Settings, es: Elasticsearch
) -> None:
    from search_api.accounts.sessions import LoginBackoff  # new here: old code fails alone

    async def waits() -> tuple[list[int], int, int, int]:
        client = AsyncElasticsearch(settings.es_url)
        backoff = LoginBackoff(client, settings.index_prefix)
        seen = []
        for n in range(8):
            await backoff.failed("203.0.113.1", "Jo", now=1000 + n)
            seen.append(await backoff.wait_seconds("203.0.113.1", "jo", now=1000 + n))
        other = await backoff.wait_seconds("203.0.113.2", "jo", now=1008)
        # A day later the row is forgotten: the next failure is the first again.
        await backoff.failed("203.0.113.1", "jo", now=1008 + 86_401)
        forgotten = await backoff.wait_seconds("203.0.113.1", "jo", now=1008 + 86_401)
        for _ in range(6):
            await backoff.failed("2001:db8::1", "jo", now=5000)
        await backoff.succeeded("2001:db8::1", "jo")
        cleared = await backoff.wait_seconds("2001:db8::2", "jo", now=5000)
        await client.close()
        return seen, other, forgotten, cleared

    seen, other, forgotten, cleared = run_async(waits())
    assert seen == [0, 0, 0, 0, 30, 60, 120, 240]
    assert other == 0 and forgotten == 0
    assert cleared == 0, "the same /64, and the success cleared it"


# Finding 3: unknown users answered faster; scrypt on the event loop.


class ScryptCalls:
    """Every call of `hashlib.scrypt` in threads started while watching, and whether an
    event loop was running in the thread that made it (profiling, not a stand-in)."""

    def __init__(self) -> None:
        self.on_event_loop: list[bool] = []

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call" and arg is hashlib.scrypt:
            self.on_event_loop.append(asyncio._get_running_loop() is not None)

    def __enter__(self) -> ScryptCalls:
        threading.setprofile(self._profile)  # type: ignore[arg-type]
        return self

    def __exit__(self, *_: object) -> None:
        threading.setprofile(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("username", "password", "status"),
    [
        ("jo", PASSWORD, 303),
        ("jo", "wrong password!", 401),
        ("nobody", "wrong password!", 401),
        ("gone", PASSWORD, 401),
        ("Not A Valid Name!", "wrong password!", 401),
    ],
)
def test_every_login_costs_one_scrypt_off_the_event_loop(
    app_settings: tuple[Settings, dict[str, str]], username: str, password: str, status: int
) -> None:
    """Known, unknown, disabled and malformed usernames all verify one password hash
    with the same parameters, so timing does not tell them apart; none blocks the loop."""
    settings, _ = app_settings
    with ScryptCalls() as scrypt, _client(settings) as client:
        csrf = _csrf(client)
        assert scrypt.on_event_loop == []
        response = client.post(
            "/login",
            data={"username": username, "password": password, "csrf": csrf},
            follow_redirects=False,
        )
    assert response.status_code == status
    assert scrypt.on_event_loop == [False]


# Finding 6: a cookie outlived its logout.


def test_a_session_cookie_replayed_after_logout_is_a_visitor(
    app_settings: tuple[Settings, dict[str, str]],
) -> None:
    settings, _ = app_settings
    with _client(settings) as client:
        assert _login(client, "jo").status_code == 303
        cookie = client.cookies["evidence_session"]
        assert client.get("/api/search").json()["total"] == 5
        with _client(settings, "192.0.2.99") as thief:
            thief.cookies.set("evidence_session", cookie)
            assert thief.get("/api/search").json()["total"] == 5, "live until logout"
            out = client.post("/logout", data={"csrf": _csrf(client, "/")}, follow_redirects=False)
            assert out.status_code == 303
            assert thief.get("/api/search").json()["total"] == 4, "the restricted one is gone"
            assert "Public view" in thief.get("/").text
        assert _login(client, "jo").status_code == 303, "a new login is a new session"
        assert client.get("/api/search").json()["total"] == 5


# Finding 5: formulas in CSV exports.


def test_no_csv_cell_starts_a_formula(app_settings: tuple[Settings, dict[str, str]]) -> None:
    settings, _ = app_settings
    with _client(settings) as client:
        export = client.get("/api/export", params={"format": "csv"})
        ndjson = client.get("/api/export", params={"format": "ndjson"}).text
        assert _login(client, "jo").status_code == 303
        made = client.post("/api/chronologies", json={"title": "=cmd|' /C calc'!A0"}).json()
        chronology = client.get(f"/api/chronologies/{made['id']}").json()
        for text in TITLES:
            fact = {"text": text, "note": "\tnote", "tags": ["-tag"]}
            chronology = client.post(
                f"/api/chronologies/{made['id']}/facts",
                json={"version": chronology["version"], "fact": fact},
            ).json()
        chronology_csv = client.get(
            f"/api/chronologies/{made['id']}/export", params={"format": "csv"}
        ).text
    assert export.status_code == 200
    titles = sorted(row["title"] for row in chronology_export.read_csv(export.text))
    assert titles == sorted("'" + title for title in TITLES)
    assert '"title": "+1+2"' in ndjson, "JSON exports keep the text as it is"
    rows = chronology_export.read_csv(chronology_csv)
    assert sorted(row["fact"] for row in rows) == sorted("'" + title for title in TITLES)
    assert {row["note"] for row in rows} == {"'\tnote"} and {row["tags"] for row in rows} == {
        "'-tag"
    }


# Finding 7: DOCX rendered on the event loop.


class Renders:
    """Threads in which `to_docx` ran, and whether an event loop was running there."""

    def __init__(self) -> None:
        self.on_event_loop: list[bool] = []

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code is chronology_export.to_docx.__code__:
            self.on_event_loop.append(asyncio._get_running_loop() is not None)

    def __enter__(self) -> Renders:
        threading.setprofile(self._profile)  # type: ignore[arg-type]
        return self

    def __exit__(self, *_: object) -> None:
        threading.setprofile(None)  # type: ignore[arg-type]


def test_docx_is_rendered_off_the_event_loop(
    app_settings: tuple[Settings, dict[str, str]],
) -> None:
    settings, _ = app_settings
    with Renders() as renders, _client(settings) as client:
        assert _login(client, "jo").status_code == 303
        made = client.post("/api/chronologies", json={"title": "For court"}).json()
        docx = client.get(f"/api/chronologies/{made['id']}/export", params={"format": "docx"})
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert renders.on_event_loop == [False]


# Findings 4 and 7: headers on every answer, the unexpected 500 too, and no server path.


def _unexpected_failure(path: Path) -> Callable[[], None]:
    def fail() -> None:
        raise OSError(f"[Errno 13] Permission denied: '{path}'")

    return fail


def test_an_unexpected_error_has_the_headers_and_shows_no_server_path(
    app_settings: tuple[Settings, dict[str, str]], tmp_path: Path
) -> None:
    """The real app and error handler, with one route added that fails as a broken disk
    would: Starlette answers that 500 outside every middleware."""
    settings, _ = app_settings
    app = create_app(settings)
    app.add_api_route("/broken", _unexpected_failure(tmp_path / "secret"))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken")
    assert response.status_code == 500
    assert str(tmp_path) not in response.text and "Errno" not in response.text
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_static_assets_may_be_cached_and_still_carry_the_headers(
    app_settings: tuple[Settings, dict[str, str]],
) -> None:
    settings, _ = app_settings
    with _client(settings) as client:
        css = client.get("/static/style.css")
        html = client.get(f"/api/chronologies/{uuid.uuid4().hex}/export?format=html")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")
    assert css.headers["x-frame-options"] == "DENY"
    assert html.status_code == 401 and html.headers["cache-control"] == "no-store"


def test_the_printable_chronology_allows_no_script_at_all(
    app_settings: tuple[Settings, dict[str, str]],
) -> None:
    settings, _ = app_settings
    with _client(settings) as client:
        assert _login(client, "jo").status_code == 303
        made = client.post("/api/chronologies", json={"title": "Print me"}).json()
        printable = client.get(f"/api/chronologies/{made['id']}/export", params={"format": "html"})
    policy = printable.headers["content-security-policy"]
    assert printable.status_code == 200 and "<style>" in printable.text
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy
    assert printable.headers["cache-control"] == "no-store"


def test_ended_sessions_and_forgotten_back_offs_are_deleted(
    settings: Settings, es: Elasticsearch
) -> None:
    """The index does not grow with every login and every address ever tried."""
    from search_api.accounts.security import new_session
    from search_api.accounts.sessions import LoginBackoff, SessionStore

    ended, live = new_session("jo", now=time.time() - 9 * 3600), new_session("jo")

    async def open_twice() -> tuple[bool, bool]:
        client = AsyncElasticsearch(settings.es_url)
        await SessionStore(client, settings.index_prefix).open(ended)
        backoff = LoginBackoff(client, settings.index_prefix)
        await backoff.failed("203.0.113.1", "jo", now=time.time() - 2 * 86_400)
        await backoff.failed("203.0.113.2", "jo")
        await client.indices.refresh(index=f"{settings.index_prefix}-sessions")
        another_process = SessionStore(client, settings.index_prefix)
        await another_process.open(live)
        states = await another_process.live(ended, now=0), await another_process.live(live)
        await client.close()
        return states

    ended_kept, live_kept = run_async(open_twice())
    assert (ended_kept, live_kept) == (False, True)
    es.indices.refresh(index=f"{settings.index_prefix}-sessions")
    kinds = [
        hit["_source"]["kind"]
        for hit in es.search(index=f"{settings.index_prefix}-sessions")["hits"]["hits"]
    ]
    assert sorted(kinds) == ["backoff", "session"], "the recent back-off and the live session"
