"""The judged sets' shared client: an admin, who may see every judged record."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from search_api.accounts.store import UserStore
from search_api.app import create_app
from tests.conftest import run_async


@pytest.fixture(scope="module")
def admin(demo_corpus: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    async def token() -> str:
        from elasticsearch import AsyncElasticsearch

        es = AsyncElasticsearch(demo_corpus.es_url)
        users = UserStore(es, demo_corpus)
        if await users.get("judge") is None:
            await users.add("judge", Role.ADMIN, "a long enough password")
        value = (await users.issue_token("judge"))[1]
        await es.close()
        return value

    headers = {"Authorization": f"Bearer {run_async(token())}"}
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as client:
        yield client, headers
