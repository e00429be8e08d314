"""API processes remember the tokens they verified (issue 25: the token search was a
fixed millisecond on every read), and a revocation made anywhere still fails the very
next request in every process: each request compares the revocation generation in
Redis. With Redis away nothing is remembered and every request searches again."""

from __future__ import annotations

from contextlib import AbstractContextManager, ExitStack

import httpx2 as httpx
import pytest
from elasticsearch import Elasticsearch

from evidence.access import Role
from evidence.devnode import ensure_redis, stop_redis
from evidence.indices import audit_index, users_index
from evidence.settings import Settings
from tests.conftest import bearer_headers, run_cli, served_app, settings_env

ACCOUNT = "reporter"


def _served(settings: Settings) -> AbstractContextManager[str]:
    return served_app(settings_env(settings) | {"EVIDENCE_SECRET_KEY": "s" * 32})


def _status(url: str, headers: dict[str, str]) -> int:
    return httpx.get(
        f"{url}/api/search", params={"q": "x"}, headers=headers, timeout=30
    ).status_code


def _token_searches(es: Elasticsearch, settings: Settings) -> int:
    """Searches the users index has answered: one per token looked up."""
    stats = es.indices.stats(index=users_index(settings.index_prefix), metric="search")
    return int(stats["_all"]["total"]["search"]["query_total"])


def _token_id(settings: Settings) -> str:
    listed = run_cli("search_api", settings, "users", "list")
    line = next(line for line in listed.stdout.splitlines() if line.startswith(ACCOUNT))
    return line.split("tokens:")[1].split()[0].strip(",")


@pytest.mark.parametrize("what", ["token", "account"])
def test_a_revocation_fails_the_very_next_request_in_every_process(
    tiny_loaded: Settings, es: Elasticsearch, what: str
) -> None:
    settings = tiny_loaded
    headers = bearer_headers(settings, {ACCOUNT: Role.JOURNALIST})[ACCOUNT]
    with ExitStack() as stack:
        urls = [stack.enter_context(_served(settings)) for _ in range(2)]
        assert [_status(url, headers) for url in urls] == [200, 200]
        searched = _token_searches(es, settings)
        assert [_status(url, headers) for url in urls * 3] == [200] * 6
        assert _token_searches(es, settings) == searched, "each process kept what it verified"

        only = ["--token", _token_id(settings)] if what == "token" else []
        revoked = run_cli("search_api", settings, "users", "revoke", ACCOUNT, *only)
        assert revoked.returncode == 0, revoked.stderr
        assert [_status(url, headers) for url in urls] == [401, 401]


def test_a_lowered_role_applies_from_the_very_next_request_in_every_process(
    tiny_loaded: Settings,
) -> None:
    settings = tiny_loaded
    headers = bearer_headers(settings, {ACCOUNT: Role.ADMIN})[ACCOUNT]
    with ExitStack() as stack:
        urls = [stack.enter_context(_served(settings)) for _ in range(2)]
        audit = [httpx.get(f"{url}/api/audit", headers=headers, timeout=30) for url in urls * 2]
        assert [answer.status_code for answer in audit] == [200] * 4
        lowered = run_cli("search_api", settings, "users", "role", ACCOUNT, "--role", "journalist")
        assert lowered.returncode == 0, lowered.stderr
        audit = [httpx.get(f"{url}/api/audit", headers=headers, timeout=30) for url in urls]
        assert [answer.status_code for answer in audit] == [403, 403]
        assert [_status(url, headers) for url in urls] == [200, 200]


def test_with_redis_away_every_request_searches_and_a_revocation_holds(
    tiny_loaded: Settings, es: Elasticsearch, scratch_redis: Settings
) -> None:
    ensure_redis(scratch_redis)
    settings = tiny_loaded.model_copy(update={"redis_url": scratch_redis.redis_url})
    headers = bearer_headers(settings, {ACCOUNT: Role.JOURNALIST})[ACCOUNT]
    with _served(settings) as url:
        assert [_status(url, headers) for _ in range(3)] == [200] * 3
        searched = _token_searches(es, settings)
        assert _status(url, headers) == 200
        assert _token_searches(es, settings) == searched

        stop_redis(scratch_redis, kill=True)
        assert [_status(url, headers) for _ in range(3)] == [200] * 3
        assert _token_searches(es, settings) == searched + 3, "nothing trusted from memory"

        revoked = run_cli("search_api", settings, "users", "revoke", ACCOUNT)
        assert revoked.returncode == 1
        assert "Redis did not answer" in revoked.stderr, revoked.stderr
        es.indices.refresh(index=audit_index(settings.index_prefix))
        logged = es.search(
            index=audit_index(settings.index_prefix), query={"term": {"action": "admin.revoke"}}
        )
        assert logged["hits"]["total"]["value"] == 1, "a stored revocation is in the log"
        assert _status(url, headers) == 401

        # Redis back, with the counter it had: the process forgot what it verified
        # while Redis was away, so the old generation vouches for nothing.
        ensure_redis(scratch_redis)
        assert _status(url, headers) == 401
