"""List search in the leak suite: a roster holding every canary, run as every role.

A list runs each entry as the role's keyword search would, so its totals, its counts
per collection and type, and its top records are that search's, over only what the role
may see (the search's own leak suite shows that no hidden record or protected name
shapes them); and a list is read only by its owner, with the role it ran with.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import bearer_headers, loaded_once, role_headers, run_jobs, set_role
from tests.integration.test_leaks import QUERIES, _assert_clean, _visible, _write_bundle

ENTRIES = [q for q in dict.fromkeys(QUERIES) if q] + ["Z-aaa", '"canary transcript"', "215"]
SIGNED_IN = [Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN]


@pytest.fixture(scope="module")
def lists(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], Settings]]:
    root = tmp_path_factory.mktemp("canary-lists") / "bundle"
    _write_bundle(root)
    with loaded_once(base_settings, redis_db, root) as (settings, report):
        assert (report.indexed, report.rejections) == (12, [])
        headers = role_headers(settings)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, headers, settings


def run_list(
    client: TestClient, settings: Settings, headers: dict[str, str], entries: list[str]
) -> str:
    """Send `entries` as pasted text, run the queue, and return the list's id once done."""
    sent = client.post("/api/list-searches", data={"text": "\n".join(entries)}, headers=headers)
    assert sent.status_code == 202, sent.text
    list_id: str = sent.json()["id"]
    run_jobs(settings)
    status = client.get(f"/api/list-searches/{list_id}", headers=headers).json()
    assert status["status"] == "done", status
    return list_id


def all_results(
    client: TestClient, list_id: str, headers: dict[str, str], size: int = 7
) -> list[dict[str, Any]]:
    """Every result, page by page: small pages by default, so paging is crossed often."""
    results: list[dict[str, Any]] = []
    after = None
    while True:
        page = client.get(
            f"/api/list-searches/{list_id}/results",
            params={"size": size} | ({"after": after} if after is not None else {}),
            headers=headers,
        ).json()
        results += page["results"]
        after = page["next_after"]
        if after is None:
            return results


def _without_what_was_typed(result: dict[str, Any]) -> str:
    """The result as JSON, less the entry as typed and its search link: the owner's own
    words, which may spell a canary they do not have the right to find."""
    return json.dumps({k: v for k, v in result.items() if k not in {"text", "search"}})


def test_a_visitor_cannot_run_a_list(lists) -> None:
    client, _, _ = lists
    refused = client.post("/api/list-searches", data={"text": "canary"})
    assert refused.status_code == 401
    assert client.get("/lists").status_code == 401


@pytest.mark.parametrize("role", SIGNED_IN, ids=lambda r: r.value)
def test_every_entry_counts_and_shows_only_what_the_role_may_see(lists, role: Role) -> None:
    client, headers, settings = lists
    list_id = run_list(client, settings, headers[role], ENTRIES)
    results = all_results(client, list_id, headers[role])
    assert [r["text"] for r in results] == ENTRIES
    visible = _visible(role)
    for result in results:
        single = client.get(
            "/api/search" + result["search"].removeprefix("/"), headers=headers[role]
        ).json()
        assert result["total"] == single["total"], result["text"]
        assert sum(result["types"].values()) == result["total"]
        assert sum(result["collections"].values()) == result["total"]
        assert {r["stable_id"] for r in result["top"]} <= visible
        _assert_clean(_without_what_was_typed(result), role, f"list entry {result['text']}")
    status = client.get(f"/api/list-searches/{list_id}", headers=headers[role]).json()
    assert status["records"] == sum(r["total"] for r in results)
    for path in (f"/lists/{list_id}", f"/lists/{list_id}?matched=true"):
        page = client.get(path, headers=headers[role])
        assert page.status_code == 200
        _assert_clean(_drop_typed(page.text), role, path)
    export = client.get(f"/api/list-searches/{list_id}/export", headers=headers[role])
    assert export.status_code == 200
    _assert_clean(_drop_typed(export.text), role, "the list's CSV")


def _drop_typed(text: str) -> str:
    for entry in sorted(ENTRIES, key=len, reverse=True):
        text = text.replace(entry, "").replace(json.dumps(entry)[1:-1], "")
    return text


def test_a_list_is_its_owners_alone(lists) -> None:
    client, headers, settings = lists
    list_id = run_list(client, settings, headers[Role.INVESTIGATOR], ["canary"])
    for role in (Role.JOURNALIST, Role.ADMIN):
        for path in ("", "/results", "/export"):
            other = client.get(f"/api/list-searches/{list_id}{path}", headers=headers[role])
            assert other.status_code == 404, (role, path, other.text)
        assert client.get(f"/lists/{list_id}", headers=headers[role]).status_code == 404
        cancel = client.post(f"/api/list-searches/{list_id}/cancel", headers=headers[role])
        assert cancel.status_code == 404
        mine = client.get("/api/list-searches", headers=headers[role]).json()
        assert list_id not in {row["id"] for row in mine["list_searches"]}


def test_an_owner_whose_role_was_lowered_must_run_the_list_again(lists) -> None:
    """Results kept from when the owner could see more are not shown to them now."""
    client, _, settings = lists
    demoted = bearer_headers(settings, {"demoted": Role.INVESTIGATOR})["demoted"]
    list_id = run_list(client, settings, demoted, ["canaryvicaaa", "canaryccc"])
    before = all_results(client, list_id, demoted)
    assert before[0]["top"], "the investigator finds the protected name"
    set_role(settings, "demoted", Role.JOURNALIST)
    for path in ("", "/results", "/export"):
        refused = client.get(f"/api/list-searches/{list_id}{path}", headers=demoted)
        assert refused.status_code == 409, (path, refused.text)
        _assert_clean(refused.text, Role.JOURNALIST, path)
    assert client.get(f"/lists/{list_id}", headers=demoted).status_code == 409
