"""Shared fixtures: one real Elasticsearch node per session, a fresh index prefix per test.

The node is started when absent (see `evidence.devnode`). If it cannot be reached the
fixtures raise, so every test that needs it errors: the suite fails, it never skips.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.devnode import NodeInfo, RedisInfo, ensure_redis, ensure_running
from evidence.settings import Settings
from indexer.demo import generate
from indexer.load import LoadOptions, load_bundle
from search_api.accounts.store import UserStore
from search_api.app import create_app

T = TypeVar("T")
FIXTURES = Path(__file__).parent / "fixtures"
TINY_BUNDLE = FIXTURES / "bundles" / "tiny"


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even while Playwright holds a loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def es_node(base_settings: Settings) -> NodeInfo:
    """A real node: reused when one answers, started otherwise. Never skipped."""
    return ensure_running(base_settings)


@pytest.fixture(scope="session")
def redis_server(base_settings: Settings) -> RedisInfo:
    """A real Redis at EVIDENCE_REDIS_URL: reused when one answers, started otherwise."""
    return ensure_redis(base_settings)


@pytest.fixture
def settings(base_settings: Settings, es_node: NodeInfo) -> Settings:
    """Settings with an index prefix no other test or parallel run shares."""
    return base_settings.model_copy(update={"index_prefix": f"t{uuid.uuid4().hex[:12]}"})


@pytest.fixture
def es(settings: Settings) -> Iterator[Elasticsearch]:
    """A client for the test's own indices, which are deleted afterwards."""
    client = Elasticsearch(settings.es_url, request_timeout=30)
    yield client
    names = list(client.indices.get(index=f"{settings.index_prefix}-*", expand_wildcards="all"))
    if names:
        client.indices.delete(index=",".join(names))
    client.close()


@pytest.fixture
def tiny_loaded(es: Elasticsearch, settings: Settings) -> Settings:
    """The tiny synthetic bundle, loaded under the test's prefix."""
    report = load_bundle(es, settings.index_prefix, TINY_BUNDLE)
    assert (report.indexed, report.rejected) == (5, 0), report.rejections
    return settings


@contextmanager
def demo_indices(
    base_settings: Settings, root: Path, scale: str, bundles: tuple[str, ...]
) -> Iterator[Settings]:
    """Generate the SYNTHETIC demo at `scale`, load `bundles` under a fresh prefix, and
    delete those indices afterwards."""
    settings = base_settings.model_copy(update={"index_prefix": f"d{uuid.uuid4().hex[:12]}"})
    generate(root, scale=scale, seed=7)
    client = Elasticsearch(settings.es_url, request_timeout=120)
    try:
        options = LoadOptions.from_settings(settings)  # worker processes, as a real load
        for name in bundles:
            report = load_bundle(client, settings.index_prefix, root / name, options=options)
            assert report.rejections == []
        yield settings
    finally:
        names = client.indices.get(index=f"{settings.index_prefix}-*")
        if names:
            client.indices.delete(index=",".join(names))
        client.close()


@pytest.fixture(scope="session")
def demo_corpus(
    base_settings: Settings, es_node: NodeInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """The small SYNTHETIC demo corpus, loaded once per session under its own prefix."""
    bundles = ("caesar", "atlas", "testimonies", "filings")
    with demo_indices(base_settings, tmp_path_factory.mktemp("demo"), "small", bundles) as loaded:
        yield loaded


def run_cli(
    module: str,
    settings: Settings,
    *args: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE ARGS` as a user runs it, against the test's own prefix, with no
    other EVIDENCE_ variable from the environment leaking in."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    clean |= {"ELASTICSEARCH_URL": settings.es_url, "EVIDENCE_INDEX_PREFIX": settings.index_prefix}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env=clean | (env or {}),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


ClientFactory = Callable[[Settings], AbstractContextManager[TestClient]]


@pytest.fixture
def make_client() -> ClientFactory:
    """Named test clients come from here, so every test builds the app the same way."""

    def factory(settings: Settings) -> AbstractContextManager[TestClient]:
        return TestClient(create_app(settings), raise_server_exceptions=False)

    return factory


def bearer_headers(
    settings: Settings, accounts: dict[str, Role], password: str = "a long enough password"
) -> dict[str, dict[str, str]]:
    """Create `accounts` (name -> role) and the headers that act as each (a bearer token).
    All at once: each write waits for the index's next refresh, so one by one they
    would wait a second each."""

    async def make() -> dict[str, dict[str, str]]:
        client = AsyncElasticsearch(settings.es_url)
        users = UserStore(client, settings.index_prefix)
        try:
            await asyncio.gather(*(users.add(n, r, password) for n, r in accounts.items()))
            tokens = await asyncio.gather(*(users.issue_token(name) for name in accounts))
        finally:
            await client.close()
        return {
            name: {"Authorization": f"Bearer {token}"}
            for name, (_, token) in zip(accounts, tokens, strict=True)
        }

    return run_async(make())


def role_headers(settings: Settings) -> dict[Role, dict[str, str]]:
    """An account named after each signed-in role, and the headers that act as it; a
    visitor sends none."""
    signed_in = (Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN)
    made = bearer_headers(settings, {role.value: role for role in signed_in})
    return {Role.PUBLIC: {}} | {role: made[role.value] for role in signed_in}
