"""The leak suite for paging cursors, as every role: a cursor works only for the role and
user it was made for (it carries page one's total), replaying one opens no further
point in time, and none can be read."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from indexer.load import load_bundle
from tests.conftest import ClientFactory, bearer_headers
from tests.integration.test_cursor_chains import _decodings, _open_contexts
from tests.integration.test_leaks import _all_ids, _assert_clean, _write_bundle

ROLES = list(Role)
SEARCH = {"collection": "canary", "size": 1}
Callers = dict[str, tuple[Role, dict[str, str]]]


@pytest.fixture(scope="module")
def canary_callers(
    base_settings: Settings, es_node: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, Callers]]:
    """The canary bundle, one account per role and a second journalist."""
    settings = base_settings.model_copy(update={"index_prefix": f"c{uuid.uuid4().hex[:12]}"})
    root = tmp_path_factory.mktemp("canary-cursors") / "bundle"
    _write_bundle(root)
    es = Elasticsearch(settings.es_url, request_timeout=60)
    report = load_bundle(es, settings.index_prefix, root)
    assert (report.indexed, report.rejections) == (12, [])

    accounts = {role.value: role for role in ROLES if role is not Role.PUBLIC}
    accounts["journalist2"] = Role.JOURNALIST
    made = bearer_headers(settings, accounts)
    callers: Callers = {"public": (Role.PUBLIC, {})}
    callers |= {name: (role, made[name]) for name, role in accounts.items()}
    try:
        yield settings, callers
    finally:
        es.indices.delete(index=",".join(es.indices.get(index=f"{settings.index_prefix}-*")))
        es.close()


def _page(client: TestClient, headers: dict[str, str], cursor: str | None = None) -> Any:
    response = client.get("/api/search", params=SEARCH | {"cursor": cursor}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_a_cursor_is_refused_for_any_other_role_or_user(
    canary_callers: tuple[Settings, Callers], make_client: ClientFactory, role: Role
) -> None:
    settings, callers = canary_callers
    maker = callers[role.value][1]
    with make_client(settings) as client:
        cursor = _page(client, maker)["next_cursor"]
        assert cursor
        assert _page(client, maker, cursor)["offset"] == 1
        others = [name for name in callers if name != role.value]
        assert len(others) == len(ROLES)
        for other in others:
            other_role, headers = callers[other]
            for path in ("/api/search", "/"):
                response = client.get(path, params=SEARCH | {"cursor": cursor}, headers=headers)
                assert response.status_code == 400, (other, path)
                assert "belongs to another search" in response.text
                _assert_clean(response.text, other_role, f"{path} with {role.value}'s cursor")


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_replaying_a_cursor_opens_no_further_point_in_time(
    canary_callers: tuple[Settings, Callers], make_client: ClientFactory, role: Role
) -> None:
    settings, callers = canary_callers
    headers = callers[role.value][1]
    es = Elasticsearch(settings.es_url)
    try:
        with make_client(settings) as client:
            before = _open_contexts(es, settings)
            first = _page(client, headers)
            second = _page(client, headers, first["next_cursor"])
            one_chain = _open_contexts(es, settings)
            assert one_chain > before
            for _ in range(10):
                assert _page(client, headers, first["next_cursor"])["hits"] == second["hits"]
            assert _open_contexts(es, settings) == one_chain
            cursor = second["next_cursor"]
            while cursor:
                cursor = _page(client, headers, cursor)["next_cursor"]
            assert _open_contexts(es, settings) == before
    finally:
        es.close()


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_a_cursor_is_opaque(
    canary_callers: tuple[Settings, Callers], make_client: ClientFactory, role: Role
) -> None:
    settings, callers = canary_callers
    headers = callers[role.value][1]
    tokens = []
    with make_client(settings) as client:
        for path in ("/api/search", "/api/timeline"):
            cursor = client.get(path, params=SEARCH, headers=headers).json()["next_cursor"]
            while cursor:
                tokens.append(cursor)
                page = client.get(path, params=SEARCH | {"cursor": cursor}, headers=headers)
                cursor = page.json()["next_cursor"]
    assert len(tokens) >= 3
    for token in tokens:
        for text in [token.encode(), *_decodings(token)]:
            for stable_id in _all_ids():
                assert stable_id.encode() not in text
                assert stable_id.split(":")[-1].encode() not in text
            assert b"canary" not in text.lower()
