"""Login, sessions, CSRF, rate limits, tokens from the CLI, and the audit trail of reads."""

from __future__ import annotations

import asyncio
import re
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from search_api.accounts.store import UserStore
from search_api.app import create_app
from tests.conftest import TINY_BUNDLE, run_async, run_cli

PASSWORD = "a long enough password"


@pytest.fixture
def app_settings(settings: Settings, es: Elasticsearch) -> Settings:
    from indexer.load import load_bundle

    load_bundle(es, settings.index_prefix, TINY_BUNDLE)

    async def users() -> None:
        client = AsyncElasticsearch(settings.es_url)
        store = UserStore(client, settings)
        await store.add("jo", Role.JOURNALIST, PASSWORD)
        await store.add("root", Role.ADMIN, PASSWORD)
        await client.close()

    run_async(users())
    return settings


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def _login(client: TestClient, username: str, password: str = PASSWORD) -> object:
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf": _csrf(client), "next": "/"},
        follow_redirects=False,
    )


def test_login_sets_a_signed_httponly_session_and_logout_ends_it(client: TestClient) -> None:
    assert client.get("/").text.count("Public view") == 1
    response = _login(client, "jo")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "evidence_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/")
    assert "Signed in as jo (journalist)" in page.text
    assert page.context["caller"].access.role is Role.JOURNALIST
    assert client.get("/api/search").json()["total"] == 5, "journalists see restricted records"
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    out = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    assert "Public view" in client.get("/").text


def test_a_tampered_session_is_just_the_public_view(client: TestClient) -> None:
    _login(client, "jo")
    value = client.cookies["evidence_session"]
    client.cookies.clear()
    client.cookies.set("evidence_session", value[:-2] + ("00" if value[-2:] != "00" else "11"))
    assert client.get("/api/search").json()["total"] == 4


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "jo", "password": PASSWORD, "csrf": "x"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "expired" in response.text
    _login(client, "jo")
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 400
    assert "Signed in as jo" in client.get("/").text


def test_failed_logins_are_rate_limited(client: TestClient) -> None:
    for _ in range(5):
        failed = _login(client, "jo", "wrong password!")
        assert failed.status_code == 401, failed.text
    blocked = _login(client, "jo")
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "30"
    assert "Too many failed logins" in blocked.text


def test_reads_and_logins_are_in_the_audit_log(client: TestClient, app_settings: Settings) -> None:
    _login(client, "jo", "wrong password!")
    _login(client, "jo")
    hits = client.get("/api/search", params={"q": "wrists"}).json()["hits"]
    client.get(f"/api/records/{hits[0]['stable_id']}")
    client.get("/api/records/ph-probe")
    client.get("/api/export", params={"q": "wrists"})
    client.cookies.clear()
    _login(client, "root")
    events = client.get("/api/audit", params={"user": "jo"}).json()["events"]
    seen = [(e["action"], e["outcome"]) for e in reversed(events)]
    assert seen == [
        ("login", "failed"),
        ("login", "ok"),
        ("search", "ok"),
        ("record.view", "ok"),
        ("record.view", "not_found"),
        ("export", "ok"),
    ]
    search = next(e for e in events if e["action"] == "search")
    assert search["role"] == "journalist" and search["q"] == "wrists"
    assert search["record_ids"] == [hits[0]["stable_id"]] and search["total"] == 1
    assert search["client"] == "unknown", "TestClient's peer `testclient` is no IP address"
    views = client.get("/api/audit", params={"action": "audit.view"}).json()["events"]
    assert views and views[0]["user"] == "root"
    # Found by fuzzing: a `before` that is not a time was a 500.
    assert client.get("/api/audit", params={"before": "not a time"}).status_code == 400
    older = client.get("/api/audit", params={"before": events[0]["at"]}).json()["events"]
    assert older and all(e["at"] < events[0]["at"] for e in older)
    page = client.get("/audit", params={"user": "jo"})
    assert page.status_code == 200 and "record.view" in page.text


def test_a_failed_audit_write_fails_the_read(
    client: TestClient, es: Elasticsearch, app_settings: Settings
) -> None:
    client.get("/api/search")
    audit = f"{app_settings.index_prefix}-audit"
    es.indices.put_settings(index=audit, settings={"index.blocks.write": True})
    try:
        response = client.get("/api/search", params={"q": "wrists"})
        assert response.status_code == 503
        assert "audit log could not be written" in response.json()["detail"]
        assert client.get("/api/export").status_code == 503
    finally:
        es.indices.put_settings(index=audit, settings={"index.blocks.write": False})


def test_users_cli_adds_issues_and_revokes_tokens(
    client: TestClient, app_settings: Settings
) -> None:
    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return run_cli("search_api", app_settings, "users", *args, stdin=stdin)

    name = f"inv{uuid.uuid4().hex[:6]}"
    assert (
        cli(
            "add", name, "--role", "investigator", "--password-stdin", stdin=PASSWORD + "\n"
        ).returncode
        == 0
    )
    issued = cli("token", name)
    token = issued.stdout.strip().splitlines()[-1]
    assert token.startswith("ev_")
    listed = cli("list").stdout
    assert name in listed and token not in listed
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/search", headers=headers).json()["total"] == 5
    assert cli("revoke", name).returncode == 0
    assert client.get("/api/search", headers=headers).status_code == 401
    duplicate = cli("add", name, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert duplicate.returncode == 1 and "exists" in duplicate.stderr
    es = Elasticsearch(app_settings.es_url)
    stored = es.get(index=f"{app_settings.index_prefix}-users", id=name)["_source"]
    assert token not in str(stored) and PASSWORD not in str(stored)
    es.close()


def _bulk_requests(es: Elasticsearch) -> int:
    stats = es.nodes.stats(metric="indices", index_metric="bulk")
    return sum(node["indices"]["bulk"]["total_operations"] for node in stats["nodes"].values())


def test_concurrent_audit_events_are_group_committed_and_all_kept(
    settings: Settings, es: Elasticsearch
) -> None:
    """Fifty concurrent reads leave fifty events, written in far fewer bulk requests."""
    from evidence.access import AccessContext
    from search_api.audit import Auditor

    async def fifty_reads() -> None:
        client = AsyncElasticsearch(settings.es_url)
        auditor = Auditor(client, settings.index_prefix)
        access = AccessContext(Role.JOURNALIST, "jo")
        await auditor.record("search", access, "127.0.0.1")  # creates the index
        await asyncio.gather(
            *(
                auditor.record("record.view", access, "127.0.0.1", record_ids=[f"r{n}"])
                for n in range(50)
            )
        )
        await client.close()

    before = _bulk_requests(es)
    run_async(fifty_reads())
    requests = _bulk_requests(es) - before
    audit = f"{settings.index_prefix}-audit"
    es.indices.refresh(index=audit)
    views = es.search(index=audit, query={"term": {"action": "record.view"}}, size=100)
    assert sorted(h["_source"]["record_ids"][0] for h in views["hits"]["hits"]) == sorted(
        f"r{n}" for n in range(50)
    )
    assert 1 <= requests < 50
