"""Notes and tags in the leak suite, for every role.

Every signed-in role, in one team, writes on every canary record it may see: a note and a
tag shared with the team that carry the record's level canary, the same again naming the
record's protected people (for roles that read them), and a note marked protected. An
outsider (a journalist in no team) writes nothing. Then every role reads everything
there is to read: each record's notes and tags (JSON and page), the notes search for
every canary word, the search page and API with the tag facet and each tag as a filter,
and the export. None may show a note, tag, count or record above the reader's role, or
a protected name below investigator; the outsider sees nothing of the team's.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.ids import stable_id
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import bearer_headers, loaded_once, role_headers
from tests.integration.test_leaks import (
    CODES,
    PROTECTED_KINDS,
    QUERIES,
    _all_ids,
    _assert_clean,
    _visible,
    _write_bundle,
    level_canary,
    protected_canary,
)
from tests.integration.test_leaks_teams import _names_of

TEAM = "canary-notes"
WRITERS = [Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN]
OUTSIDER = "outsider"


def _level_of(record_id: str) -> Level:
    return _all_ids()[record_id]


def _code(record_id: str) -> str:
    return CODES[_level_of(record_id)]


def _tag(role: Role, record_id: str) -> str:
    """A tag naming who wrote it and the level of the record it marks."""
    return f"tag {role.value} {_code(record_id)}"


@dataclass(frozen=True)
class Noted:
    client: TestClient
    headers: dict[Role | str, dict[str, str]]


@pytest.fixture(scope="module")
def noted(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Noted]:
    root = tmp_path_factory.mktemp("canary-notes") / "bundle"
    _write_bundle(root)
    with loaded_once(base_settings, redis_db, root) as (settings, report):
        assert (report.indexed, report.rejections) == (12, [])
        headers: dict[Role | str, dict[str, str]] = dict(role_headers(settings))
        headers[OUTSIDER] = bearer_headers(settings, {OUTSIDER: Role.JOURNALIST})[OUTSIDER]
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            _write(client, headers)
            yield Noted(client, headers)


def _write(client: TestClient, headers: dict[Role | str, dict[str, str]]) -> None:
    admin = headers[Role.ADMIN]
    assert client.post("/api/teams", json={"id": TEAM, "name": "Canary"}, headers=admin).is_success
    for role in WRITERS:
        member = client.put(
            f"/api/teams/{TEAM}/members/{role.value}", json={"role": "viewer"}, headers=admin
        )
        assert member.status_code == 200, member.text
    writes: list[tuple[str, dict[str, Any], dict[str, str]]] = []
    for role in WRITERS:
        reads_names = role.ceiling >= Level.CONFIDENTIAL
        marks: dict[str, list[str]] = {}
        for record_id in sorted(_visible(role)):
            # The level canary, and the record's protected names for roles that read them.
            said = _names_of(record_id) if reads_names else [level_canary(_level_of(record_id))]
            note: dict[str, Any] = {"text": f"{role.value} notes " + " ".join(said), "team": TEAM}
            if reads_names:
                note["protected"] = record_id.startswith("ph-")  # marked, or found named
            writes.append((f"/api/records/{record_id}/notes", note, headers[role]))
            for tag in [_tag(role, record_id), *said]:  # each canary said is a tag too
                marks.setdefault(tag, []).append(record_id)
        writes += [  # one request per tag, as from the results
            ("/api/tags", {"tag": tag, "team": TEAM, "record_ids": ids}, headers[role])
            for tag, ids in marks.items()
        ]
    # Each write waits for the next refresh: many at once wait for the same one.
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda w: client.post(w[0], json=w[1], headers=w[2]), writes))
    assert [a.status_code for a in answers] == [201] * len(writes), [
        a.text for a in answers if a.status_code != 201
    ]


@pytest.mark.parametrize("role", WRITERS, ids=lambda r: r.value)
def test_each_records_notes_and_tags_leak_nothing(noted: Noted, role: Role) -> None:
    client, headers = noted.client, noted.headers[role]
    for record_id in sorted(_all_ids()):
        answer = client.get(f"/api/records/{record_id}/annotations", headers=headers)
        page = client.get(f"/records/{record_id}", headers=headers)
        if record_id not in _visible(role):
            unknown = client.get("/api/records/ph-0000000000000000000/annotations", headers=headers)
            assert answer.status_code == unknown.status_code == 404
            assert page.status_code == 404
            continue
        assert answer.status_code == 200, answer.text
        _assert_clean(answer.text, role, f"annotations of {record_id}")
        _assert_clean(page.text, role, f"record page {record_id}")
        body = answer.json()
        writers = {a["author"] for a in body["notes"] + body["tags"]}
        # Everyone in the team who may see this record wrote on it, and nobody else.
        assert writers == {r.value for r in WRITERS if record_id in _visible(r)}
        levels = {Level.parse(a["level"]) for a in body["notes"] + body["tags"]}
        assert max(levels) <= role.ceiling
        protected = [a for a in body["notes"] + body["tags"] if a["protected"]]
        # Investigators' and admins' words name each testimony's and photo's people, so
        # they are kept protected; a journalist reads none of them.
        names_people = not record_id.startswith("fi-")
        assert bool(protected) == (role.ceiling >= Level.CONFIDENTIAL and names_people)


@pytest.mark.parametrize("role", WRITERS, ids=lambda r: r.value)
def test_the_notes_search_leaks_nothing_for_any_word(noted: Noted, role: Role) -> None:
    client, headers = noted.client, noted.headers[role]
    for q in dict.fromkeys(QUERIES):
        for path in ("/api/notes", "/notes"):
            answer = client.get(
                path,
                params={"q": q, "size": "100"} if path == "/api/notes" else {"q": q},
                headers=headers,
            )
            assert answer.status_code == 200, (path, q, answer.text[:200])
            _assert_clean(answer.text, role, f"{path}?q={q}", typed=q)
    everything = client.get("/api/notes", params={"size": "100"}, headers=headers).json()
    assert {n["record_id"] for n in everything["notes"]} == _visible(role)
    assert everything["total"] == len(everything["notes"])


@pytest.mark.parametrize("role", WRITERS, ids=lambda r: r.value)
def test_the_tag_facet_and_filter_count_only_what_the_role_may_see(
    noted: Noted, role: Role
) -> None:
    client, headers = noted.client, noted.headers[role]
    found = client.get("/api/search", params={"mode": "keyword"}, headers=headers)
    assert found.status_code == 200
    _assert_clean(found.text, role, "search with the tag facet")
    facets = {f["name"]: f for f in found.json()["facets"]}
    counts = {v["value"]: v["count"] for v in facets["tag"]["values"]}
    for writer in WRITERS:
        for code in CODES.values():
            tag = f"tag {writer.value} {code}"
            marked = {i for i in _visible(writer) if _code(i) == code}
            expected = len(marked & _visible(role))
            assert counts.get(tag, 0) == expected, (tag, counts)
            filtered = client.get(
                "/api/search", params={"mode": "keyword", "tag": tag}, headers=headers
            )
            assert filtered.json()["total"] == expected, tag
            _assert_clean(filtered.text, role, f"search tag={tag}")
            export = client.get(
                "/api/export", params={"mode": "keyword", "tag": tag}, headers=headers
            )
            assert export.text.count("\n") - 1 == expected, tag
    page = client.get("/?mode=keyword", headers=headers)
    _assert_clean(page.text, role, "search page with the tag facet")


def test_a_tag_naming_a_protected_person_stays_with_investigators(noted: Noted) -> None:
    """The admin tagged the restricted testimony with its witness's name, shared with a
    team holding a journalist: the journalist never sees that tag, by facet or filter."""
    witness = protected_canary("wit", Level.RESTRICTED)
    journalist = noted.headers[Role.JOURNALIST]
    found = noted.client.get("/api/search", params={"tag": witness}, headers=journalist)
    assert found.json()["total"] == 0
    investigator = noted.headers[Role.INVESTIGATOR]
    seen = noted.client.get("/api/search", params={"tag": witness}, headers=investigator)
    assert seen.json()["total"] == 1
    record = stable_id("canary", "testimony", "T-bbb")
    tags = noted.client.get(f"/api/records/{record}/annotations", headers=investigator).json()
    by_admin = [t for t in tags["tags"] if t["author"] == "admin" and t["tag"] == witness]
    assert by_admin and by_admin[0]["protected"], "a tag naming a protected person is kept so"


def test_a_sealed_records_tags_reveal_nothing_below_admin(noted: Noted) -> None:
    sealed_tag = f"tag admin {CODES[Level.SEALED]}"
    for role in (Role.JOURNALIST, Role.INVESTIGATOR):
        headers = noted.headers[role]
        found = noted.client.get("/api/search", params={"tag": sealed_tag}, headers=headers)
        assert found.json()["total"] == 0
        tags = {f["name"]: f for f in found.json()["facets"]}.get("tag", {"values": []})
        assert [v for v in tags["values"] if v["value"] == sealed_tag and v["count"]] == []
        notes = noted.client.get(
            "/api/notes", params={"q": level_canary(Level.SEALED)}, headers=headers
        ).json()
        assert notes == {"total": 0, "notes": []}


def test_someone_outside_the_team_and_a_visitor_see_none_of_it(noted: Noted) -> None:
    client = noted.client
    outsider = noted.headers[OUTSIDER]
    public_photo = stable_id("canary", "photo", "P-aaa")
    theirs = client.get(f"/api/records/{public_photo}/annotations", headers=outsider).json()
    assert theirs == {"notes": [], "tags": []}
    assert client.get("/api/notes", headers=outsider).json() == {"total": 0, "notes": []}
    facets = client.get("/api/search", headers=outsider).json()["facets"]
    assert "tag" not in {f["name"] for f in facets}
    tagged = client.get("/api/search", params={"tag": "tag admin aaa"}, headers=outsider)
    assert tagged.json()["total"] == 0
    for path in (f"/api/records/{public_photo}/annotations", "/api/notes"):
        assert client.get(path).status_code == 401
    visitor_search = client.get("/api/search", params={"tag": "tag admin aaa"})
    assert visitor_search.status_code == 200 and visitor_search.json()["total"] == 0
    page = client.get(f"/records/{public_photo}").text
    assert "Notes and tags" not in page and "admin notes" not in page


def test_nobody_deletes_what_another_wrote(noted: Noted) -> None:
    client = noted.client
    public_photo = stable_id("canary", "photo", "P-aaa")
    admin_notes = client.get(
        f"/api/records/{public_photo}/annotations", headers=noted.headers[Role.ADMIN]
    ).json()["notes"]
    theirs = next(n for n in admin_notes if n["author"] == "journalist")
    refused = client.delete(f"/api/annotations/{theirs['id']}", headers=noted.headers[Role.ADMIN])
    unknown = client.delete(
        "/api/annotations/nt-0000000000000000", headers=noted.headers[Role.ADMIN]
    )
    assert refused.status_code == unknown.status_code == 404
    assert refused.json()["detail"].replace(theirs["id"], "ID") == unknown.json()["detail"].replace(
        "nt-0000000000000000", "ID"
    )


def test_protected_kinds_are_all_written(noted: Noted) -> None:
    """The canary bundle's every protected kind is in some investigator's note, so the
    checks above look for each of them."""
    investigator = noted.headers[Role.INVESTIGATOR]
    everything = noted.client.get("/api/notes", params={"size": "100"}, headers=investigator).text
    for kind in PROTECTED_KINDS:
        assert protected_canary(kind, Level.RESTRICTED) in everything, kind
