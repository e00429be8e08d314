"""Teams and shared chronologies in the leak suite, for every role.

An admin builds a chronology citing every canary record, writes each record's protected
names into the facts' notes and comments, edits and deletes facts (so the history holds
every level), and shares it with a team holding a journalist and an investigator as
editors. Each member then reads it every way there is: JSON, the editor page, the
history (JSON and page), every export with authors, the listing and the teams. None may
show a record above the reader's role, a protected name below investigator, or a count
or position that says such a fact exists; writes aimed at a fact the reader cannot see
are answered as for one that does not exist.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.ids import stable_id
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import loaded_once, role_headers
from tests.integration.test_leaks import (
    CODES,
    _all_ids,
    _assert_clean,
    _visible,
    _write_bundle,
    level_canary,
    protected_canary,
)

TEAM = "canary-team"
MEMBERS = [Role.JOURNALIST, Role.INVESTIGATOR]
READERS = [*MEMBERS, Role.ADMIN]
# The fact deleted after it was written: its history must stay with those who may see it.
DELETED = stable_id("canary", "filing", "F-ddd")


def _names_of(record_id: str) -> list[str]:
    """The protected names a canary record holds, and its level's canary."""
    for level, code in CODES.items():
        if record_id == stable_id("canary", "photo", f"P-{code}"):
            return [protected_canary("vic", level), level_canary(level)]
        if record_id == stable_id("canary", "testimony", f"T-{code}"):
            kinds = ("wit", "con", "plc", "per")
            return [protected_canary(k, level) for k in kinds] + [level_canary(level)]
        if record_id == stable_id("canary", "filing", f"F-{code}"):
            return [level_canary(level)]
    raise AssertionError(record_id)


@dataclass(frozen=True)
class Shared:
    client: TestClient
    headers: dict[Role, dict[str, str]]
    chronology_id: str
    fact_of: dict[str, str]  # record id -> fact id
    entries: list[dict]  # the admin's view of the history


@contextmanager
def canary_chronology(
    base_settings: Settings, redis_db: str, root: Path, update: dict[str, Any] | None = None
) -> Iterator[Shared]:
    """The canary bundle loaded in `root` and the admin's shared canary chronology, with
    the app's settings changed by `update`."""
    _write_bundle(root)
    with loaded_once(base_settings, redis_db, root) as (loaded, report):
        assert (report.indexed, report.rejections) == (12, [])
        settings = loaded.model_copy(update=update or {})
        headers = role_headers(settings)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield _build(client, headers)


@pytest.fixture(scope="module")
def shared(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Shared]:
    root = tmp_path_factory.mktemp("canary-teams") / "bundle"
    with canary_chronology(base_settings, redis_db, root) as built:
        yield built


def _build(client: TestClient, headers: dict[Role, dict[str, str]]) -> Shared:
    admin = headers[Role.ADMIN]
    assert client.post("/api/teams", json={"id": TEAM, "name": "Canary"}, headers=admin).is_success
    for role in MEMBERS:
        member = client.put(
            f"/api/teams/{TEAM}/members/{role.value}", json={"role": "editor"}, headers=admin
        )
        assert member.status_code == 200, member.text
    created = client.post("/api/chronologies", json={"title": "Canary chronology"}, headers=admin)
    chronology_id = created.json()["id"]
    base = f"/api/chronologies/{chronology_id}"
    collected = client.post(
        base + "/collect", json={"record_ids": sorted(_all_ids())}, headers=admin
    )
    assert collected.status_code == 200, collected.text
    chronology = collected.json()["chronology"]
    fact_of = {f["citations"][0]["stable_id"]: f["fact_id"] for f in chronology["facts"]}
    assert set(fact_of) == set(_all_ids())
    version = chronology["version"]
    for record_id, fact_id in sorted(fact_of.items()):
        fact = next(f for f in chronology["facts"] if f["fact_id"] == fact_id)
        names = " ".join(_names_of(record_id))
        edit = {
            "text": f"{fact['text']}; named {names}",
            "date": "2013",  # one date for all: their positions among them are numbered
            "note": f"Compare {names}",
            "citations": [{"stable_id": record_id}],
        }
        edited = client.put(
            f"{base}/facts/{fact_id}", json={"version": version, "fact": edit}, headers=admin
        )
        assert edited.status_code == 200, edited.text
        version = edited.json()["version"]
        commented = client.post(
            f"{base}/facts/{fact_id}/comments", json={"text": f"Ask about {names}"}, headers=admin
        )
        assert commented.status_code == 200, commented.text
        version = commented.json()["version"]
    first = min(fact_of.values())
    moved = client.post(
        f"{base}/facts/{first}/move", json={"version": version, "direction": "down"}, headers=admin
    )
    assert moved.status_code == 200, moved.text
    version = moved.json()["version"]
    deleted = client.delete(f"{base}/facts/{fact_of[DELETED]}?version={version}", headers=admin)
    assert deleted.status_code == 200, deleted.text
    shared = client.post(base + "/shares", json={"team": TEAM, "role": "editor"}, headers=admin)
    assert shared.status_code == 200, shared.text
    entries = client.get(base + "/history", headers=admin).json()["entries"]
    return Shared(client, headers, chronology_id, fact_of, entries)


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _everything(shared: Shared, role: Role) -> dict[str, str]:
    """Every way a member reads the shared chronology, by where."""
    client, headers = shared.client, shared.headers[role]
    base = f"/api/chronologies/{shared.chronology_id}"
    read = {
        "JSON": client.get(base, headers=headers),
        "listing": client.get("/api/chronologies", headers=headers),
        "teams": client.get("/api/teams", headers=headers),
        "history JSON": client.get(base + "/history", headers=headers),
        "editor page": client.get(f"/chronologies/{shared.chronology_id}", headers=headers),
        "history page": client.get(
            f"/chronologies/{shared.chronology_id}/history", headers=headers
        ),
        "list page": client.get("/chronologies", headers=headers),
    }
    for format_ in ("csv", "json", "html", "docx"):
        read[f"{format_} export"] = client.get(
            f"{base}/export?format={format_}&authors=true", headers=headers
        )
    for where, response in read.items():
        assert response.status_code == 200, (where, response.text)
    texts = {where: response.text for where, response in read.items() if "docx" not in where}
    texts["docx export"] = _docx_text(read["docx export"].content)
    return texts


@pytest.mark.parametrize("role", READERS, ids=lambda r: r.value)
def test_every_way_of_reading_a_shared_chronology_leaks_nothing(shared: Shared, role) -> None:
    for where, text in _everything(shared, role).items():
        _assert_clean(text, role, f"shared chronology {where}")


@pytest.mark.parametrize("role", READERS, ids=lambda r: r.value)
def test_each_member_sees_exactly_the_facts_their_role_may(shared: Shared, role) -> None:
    base = f"/api/chronologies/{shared.chronology_id}"
    chronology = shared.client.get(base, headers=shared.headers[role]).json()
    cited = {c["stable_id"] for f in chronology["facts"] for c in f["citations"]}
    assert cited == _visible(role) - {DELETED}
    # Nothing counts what a teammate cited above the reader's role, and positions among
    # facts on a date are numbered among those shown.
    assert chronology["hidden_facts"] == 0
    by_day: dict[tuple, list[int]] = {}
    for fact in chronology["facts"]:
        by_day.setdefault((fact["earliest"], fact["precision"]), []).append(fact["order"])
    assert all(orders == list(range(len(orders))) for orders in by_day.values())
    assert set(chronology["comments"]) == {f["fact_id"] for f in chronology["facts"]}
    history = shared.client.get(base + "/history", headers=shared.headers[role]).json()["entries"]
    shown_facts = {e["fact_id"] for e in history}
    expected = {shared.fact_of[r] for r in _visible(role)}
    assert shown_facts == expected
    assert any(e["action"] == "delete" for e in history) == (DELETED in _visible(role))


def test_protected_names_reach_the_investigator_in_notes_and_comments(shared: Shared) -> None:
    headers = shared.headers[Role.INVESTIGATOR]
    chronology = shared.client.get(
        f"/api/chronologies/{shared.chronology_id}", headers=headers
    ).json()
    witness = stable_id("canary", "testimony", "T-ccc")
    fact = next(f for f in chronology["facts"] if f["citations"][0]["stable_id"] == witness)
    assert protected_canary("wit", Level.CONFIDENTIAL) in fact["note"]
    (comment,) = chronology["comments"][fact["fact_id"]]
    assert protected_canary("wit", Level.CONFIDENTIAL) in comment["text"]


def test_a_journalist_reads_withheld_names_where_the_admin_wrote_them(shared: Shared) -> None:
    """The journalist may see the restricted testimony; its witness's name is withheld
    from the admin's note, text and comment, and the fact is still there."""
    headers = shared.headers[Role.JOURNALIST]
    chronology = shared.client.get(
        f"/api/chronologies/{shared.chronology_id}", headers=headers
    ).json()
    witness = stable_id("canary", "testimony", "T-bbb")
    fact = next(f for f in chronology["facts"] if f["citations"][0]["stable_id"] == witness)
    assert fact["note"].startswith("Compare ") and level_canary(Level.RESTRICTED) in fact["note"]
    assert protected_canary("wit", Level.RESTRICTED) not in fact["note"]
    (comment,) = chronology["comments"][fact["fact_id"]]
    assert comment["text"].startswith("Ask about ")


def _message(response, fact_id: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()["detail"].replace(fact_id, "ID")


def test_writes_at_a_fact_the_journalist_cannot_see_are_as_for_an_unknown_one(
    shared: Shared,
) -> None:
    client, headers = shared.client, shared.headers[Role.JOURNALIST]
    base = f"/api/chronologies/{shared.chronology_id}"
    hidden = shared.fact_of[stable_id("canary", "testimony", "T-ccc")]
    unknown = "f-000000000000"
    version = client.get(base, headers=headers).json()["version"]
    visible_record = stable_id("canary", "photo", "P-aaa")
    fact = {"text": "mine", "citations": [{"stable_id": visible_record}]}

    def attempts(fact_id: str) -> list[tuple[int, str]]:
        return [
            _message(
                client.put(
                    f"{base}/facts/{fact_id}",
                    json={"version": version, "fact": fact},
                    headers=headers,
                ),
                fact_id,
            ),
            _message(
                client.delete(f"{base}/facts/{fact_id}?version={version}", headers=headers), fact_id
            ),
            _message(
                client.post(
                    f"{base}/facts/{fact_id}/move",
                    json={"version": version, "direction": "up"},
                    headers=headers,
                ),
                fact_id,
            ),
            _message(
                client.post(
                    f"{base}/facts/{fact_id}/comments", json={"text": "x"}, headers=headers
                ),
                fact_id,
            ),
        ]

    assert attempts(hidden) == attempts(unknown)
    assert all(status == 404 for status, _ in attempts(hidden))
    hidden_entries = [e["entry_id"] for e in shared.entries if e["fact_id"] == hidden]
    assert hidden_entries
    for entry_id in [*hidden_entries, "h-000000000000"]:
        restored = client.post(
            f"{base}/history/{entry_id}/restore", json={"version": version}, headers=headers
        )
        assert restored.status_code == 404
        assert restored.json()["detail"] == f"No history entry {entry_id}."
    one = client.get(f"{base}/history?fact={hidden}", headers=headers).json()["entries"]
    assert one == []
    # Nothing was changed by any of it.
    assert client.get(base, headers=headers).json()["version"] == version


def test_a_journalists_edit_keeps_what_they_cannot_see(shared: Shared) -> None:
    """An editor below the sources of some facts changes the chronology: the facts they
    cannot see stay as they were, for those who can."""
    client, journalist = shared.client, shared.headers[Role.JOURNALIST]
    base = f"/api/chronologies/{shared.chronology_id}"
    before = client.get(base, headers=shared.headers[Role.ADMIN]).json()["facts"]
    version = client.get(base, headers=journalist).json()["version"]
    added = client.post(
        f"{base}/facts",
        json={"version": version, "fact": {"text": "Journalist's own fact (SYNTHETIC)"}},
        headers=journalist,
    )
    assert added.status_code == 200, added.text
    after = client.get(base, headers=shared.headers[Role.ADMIN]).json()["facts"]
    kept = {f["fact_id"]: f for f in after}
    for fact in before:
        assert kept[fact["fact_id"]]["text"] == fact["text"]
        assert kept[fact["fact_id"]]["note"] == fact["note"]
    assert len(after) == len(before) + 1


def test_a_visitor_and_someone_outside_the_team_learn_nothing(shared: Shared) -> None:
    client = shared.client
    base = f"/api/chronologies/{shared.chronology_id}"
    for path in (base, base + "/history", f"{base}/export?format=csv", "/api/teams"):
        assert client.get(path).status_code == 401, path
    page = client.get(f"/chronologies/{shared.chronology_id}")
    assert page.status_code == 401 and not re.search(r"canary[a-z]{3}", page.text.lower())
