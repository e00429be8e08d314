"""Watched searches in the leak suite, and issue 21's "what is new" after a bundle loads.

Canaries at every level are loaded, every signed-in role watches them, and a second
bundle with new canaries at every level loads from the command line: the evaluation job
it queues counts, for each owner, only the new records their role may see now, and a
webhook hears a count and an address, never a record.
"""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import (
    bearer_headers,
    loaded_once,
    role_headers,
    run_cli,
    run_jobs,
    set_role,
    settings_env,
)
from tests.integration.test_leaks import _assert_clean, _write_bundle

SIGNED_IN = [Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN]
PROTECTED_WORD = "canaryvicaaa"  # the protected victim name of a public photo


class _Receiver(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Receiver.bodies.append(self.rfile.read(length))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


@pytest.fixture(scope="module")
def watched(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    receiver: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """Every role watches `canary` (the journalist also a protected name, the demoted
    investigator with a webhook); then a second canary bundle loads and is counted."""
    root = tmp_path_factory.mktemp("watch-canaries")
    _write_bundle(root / "first")
    shutil.copytree(root / "first", root / "second")
    yaml = (root / "second" / "collection.yaml").read_text().replace("id: canary", "id: canarytwo")
    (root / "second" / "collection.yaml").write_text(yaml)
    with loaded_once(base_settings, redis_db, root / "first") as (loaded, report):
        assert report.indexed == 12
        settings = loaded.model_copy(update={"watch_webhooks": True})
        headers = role_headers(settings)
        headers[Role.PUBLIC] = bearer_headers(settings, {"demoted": Role.INVESTIGATOR})["demoted"]
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            ids: dict[str, str] = {}
            for role in SIGNED_IN:
                made = client.post(
                    "/api/watches",
                    json={"name": "canaries", "search": "/?q=canary"},
                    headers=headers[role],
                )
                assert made.status_code == 201, made.text
                assert made.json()["new"] == 0
                ids[role.value] = made.json()["id"]
            protected = client.post(
                "/api/watches",
                json={"name": "a name", "search": f"q={PROTECTED_WORD}"},
                headers=headers[Role.JOURNALIST],
            )
            ids["protected"] = protected.json()["id"]
            hooked = client.post(
                "/api/watches",
                json={"name": "canaries", "search": "canary", "webhook": receiver},
                headers=headers[Role.PUBLIC],
            )
            assert hooked.status_code == 201, hooked.text
            ids["demoted"] = hooked.json()["id"]
            env = settings_env(settings)
            loaded_second = run_cli(
                "indexer",
                settings,
                "load",
                str(root / "second"),
                "--report",
                str(root / "report.ndjson"),
                env=env,
            )
            assert loaded_second.returncode == 0, loaded_second.stderr
            run_jobs(settings)  # the evaluation the load queued
            yield {"client": client, "headers": headers, "ids": ids, "settings": settings}


def _new_since_in_second(client: TestClient, headers: dict[str, str]) -> int:
    found = client.get(
        "/api/search",
        params={"q": "canary", "collection": "canarytwo", "mode": "keyword"},
        headers=headers,
    )
    return int(found.json()["total"])


@pytest.mark.parametrize("role", SIGNED_IN, ids=lambda r: r.value)
def test_each_owner_counts_only_the_new_records_they_may_see(watched, role: Role) -> None:
    client, headers, ids = watched["client"], watched["headers"], watched["ids"]
    mine = client.get("/api/watches", headers=headers[role]).json()["watches"]
    watch = next(w for w in mine if w["id"] == ids[role.value])
    levels = sum(1 for level in Level if level <= role.ceiling)
    # "canary" is a word of the filings' court, one filing a level.
    assert watch["new"] == _new_since_in_second(client, headers[role]) == levels
    page = client.get("/watch", headers=headers[role])
    _assert_clean(page.text.replace(PROTECTED_WORD, ""), role, "/watch")
    header_count = sum(w["new"] for w in mine)
    assert f"{header_count} new" in client.get("/", headers=headers[role]).text
    opened = client.post(f"/api/watches/{watch['id']}/open", headers=headers[role]).json()
    new = client.get(
        "/api/search" + opened["search"].removeprefix("/") + "&size=50",
        headers=headers[role],
    ).json()
    assert new["total"] == watch["new"]
    allowed = {level.label for level in Level if level <= role.ceiling}
    assert {hit["confidentiality"] for hit in new["hits"]} <= allowed
    assert {hit["collection"] for hit in new["hits"]} == {"canarytwo"}
    assert client.get(f"/api/watches/{watch['id']}", headers=headers[role]).json()["new"] == 0


def test_a_protected_name_counts_for_a_journalist_what_their_search_finds(watched) -> None:
    client, headers, ids = watched["client"], watched["headers"], watched["ids"]
    journalist = headers[Role.JOURNALIST]
    watch = client.get(f"/api/watches/{ids['protected']}", headers=journalist).json()
    single = client.get("/api/search" + watch["new_search"].removeprefix("/"), headers=journalist)
    assert watch["new"] == single.json()["total"]
    _assert_clean(json.dumps(single.json()), Role.JOURNALIST, "the protected watch", PROTECTED_WORD)


def test_a_watch_is_its_owners_alone(watched) -> None:
    client, headers, ids = watched["client"], watched["headers"], watched["ids"]
    target = ids[Role.ADMIN.value]
    for role in (Role.JOURNALIST, Role.INVESTIGATOR):
        assert client.get(f"/api/watches/{target}", headers=headers[role]).status_code == 404
        assert client.post(f"/api/watches/{target}/open", headers=headers[role]).status_code == 404
        assert client.delete(f"/api/watches/{target}", headers=headers[role]).status_code == 404
    assert client.post("/api/watches", json={"name": "x", "search": "canary"}).status_code == 401
    assert client.get("/watch").status_code == 401


def test_a_webhook_hears_a_count_and_an_address_never_a_record(watched) -> None:
    bodies = [json.loads(body) for body in _Receiver.bodies]
    assert bodies, "the webhook was not called"
    assert all(set(body) == {"watch", "new_count", "url"} for body in bodies)
    mine = [body for body in bodies if body["watch"] == watched["ids"]["demoted"]]
    assert [body["new_count"] for body in mine] == [3]
    assert mine[0]["url"].endswith("/watch")
    assert all(b"canary" not in body for body in _Receiver.bodies)


def test_a_demoted_owner_sees_no_count_made_with_their_old_role(watched) -> None:
    client, headers, settings = watched["client"], watched["headers"], watched["settings"]
    demoted = headers[Role.PUBLIC]
    assert "3 new" in client.get("/", headers=demoted).text
    set_role(settings, "demoted", Role.JOURNALIST)
    page = client.get("/", headers=demoted).text
    assert "3 new" not in page and "2 new" not in page
    live = client.get(f"/api/watches/{watched['ids']['demoted']}", headers=demoted).json()
    assert live["new"] == 2
