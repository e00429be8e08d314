"""Notes and tags on the SYNTHETIC demo corpus: written on a record page, in bulk from
search results and through the API; a facet and filter of search and the export; notes
searched by their authors and teams only."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.ids import stable_id
from evidence.settings import Settings
from indexer.load import load_bundle
from search_api.app import create_app
from tests.conftest import TINY_BUNDLE, bearer_headers

Headers = dict[str, str]


@dataclass(frozen=True)
class People:
    client: TestClient
    team: str
    investigator: Headers
    journalist: Headers  # in the team
    outsider: Headers  # a journalist in no team
    names: dict[str, str]


@pytest.fixture(scope="module")
def people(demo_corpus: Settings) -> Iterator[People]:
    suffix = uuid.uuid4().hex[:6]
    roles = {
        "boss": Role.ADMIN,
        "investigator": Role.INVESTIGATOR,
        "journalist": Role.JOURNALIST,
        "outsider": Role.JOURNALIST,
    }
    names = {short: f"{short}-{suffix}" for short in roles}
    made = bearer_headers(demo_corpus, {names[s]: r for s, r in roles.items()})
    headers = {short: made[names[short]] for short in roles}
    team = f"notes-{suffix}"
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as client:
        boss = headers["boss"]
        assert client.post("/api/teams", json={"id": team, "name": "x"}, headers=boss).is_success
        for member in ("investigator", "journalist"):
            client.put(
                f"/api/teams/{team}/members/{names[member]}", json={"role": "viewer"}, headers=boss
            )
        yield People(
            client,
            team,
            headers["investigator"],
            headers["journalist"],
            headers["outsider"],
            names,
        )


def _records(people: People, headers: Headers, **params: str) -> list[dict]:
    found = people.client.get(
        "/api/search", params={"mode": "keyword", "size": "10"} | params, headers=headers
    )
    assert found.status_code == 200, found.text
    return found.json()["hits"]


def _public(people: People) -> list[str]:
    return [h["stable_id"] for h in _records(people, people.journalist, confidentiality="public")]


def test_a_tag_is_a_facet_a_filter_and_an_export_for_its_writer_alone(people: People) -> None:
    client = people.client
    chosen = _public(people)[:3]
    tag = f"Transfer {uuid.uuid4().hex[:4]}"
    tagged = client.post(
        "/api/tags", json={"tag": tag, "record_ids": chosen}, headers=people.journalist
    )
    assert tagged.status_code == 201, tagged.text
    again = client.post(
        "/api/tags",
        json={"tag": f"  {tag.upper()} ", "record_ids": chosen[:1]},
        headers=people.journalist,
    )
    assert again.status_code == 201
    found = client.get(
        "/api/search", params={"mode": "keyword", "tag": tag.lower()}, headers=people.journalist
    ).json()
    assert found["total"] == 3 and {h["stable_id"] for h in found["hits"]} == set(chosen)
    facet = next(f for f in found["facets"] if f["name"] == "tag")
    assert [(v["value"], v["count"], v["selected"]) for v in facet["values"]] == [(tag, 3, True)]
    narrowed = client.get(
        "/api/search",
        params={"mode": "keyword", "tag": tag, "q": "SYNTHETIC"},
        headers=people.journalist,
    ).json()
    assert narrowed["total"] <= 3
    export = client.get(
        "/api/export", params={"mode": "keyword", "tag": tag}, headers=people.journalist
    )
    assert export.status_code == 200 and export.text.count("\n") == 4  # header and 3 rows
    for other in (people.outsider, people.investigator):
        theirs = client.get(
            "/api/search", params={"mode": "keyword", "tag": tag}, headers=other
        ).json()
        assert theirs["total"] == 0
        # Their own typed filter is shown back, counting nothing.
        values = [v for f in theirs["facets"] if f["name"] == "tag" for v in f["values"]]
        assert [(v["value"], v["count"]) for v in values] == [(tag, 0)]
    page = client.get("/", params={"mode": "keyword"}, headers=people.journalist).text
    assert "Your tags" in page and tag in page


def test_notes_keep_at_least_the_records_level_and_reach_the_team(people: People) -> None:
    client = people.client
    record = _public(people)[0]
    private = client.post(
        f"/api/records/{record}/notes",
        json={"text": "Cross-check the body number (SYNTHETIC)"},
        headers=people.investigator,
    )
    assert private.status_code == 201 and private.json()["level"] == "public"
    raised = client.post(
        f"/api/records/{record}/notes",
        json={
            "text": "Source met in Gaziantep (SYNTHETIC)",
            "team": people.team,
            "level": "confidential",
        },
        headers=people.investigator,
    )
    assert raised.status_code == 201 and raised.json()["level"] == "confidential"
    shared = client.post(
        f"/api/records/{record}/notes",
        json={"text": "Ask the family about the date (SYNTHETIC)", "team": people.team},
        headers=people.investigator,
    )
    assert shared.status_code == 201
    too_high = client.post(
        f"/api/records/{record}/notes",
        json={"text": "x", "level": "sealed"},
        headers=people.investigator,
    )
    assert too_high.status_code == 400 and "above your own role" in too_high.json()["detail"]
    not_mine = client.post(
        f"/api/records/{record}/notes",
        json={"text": "x", "team": "no-such"},
        headers=people.investigator,
    )
    assert not_mine.status_code == 404
    read = lambda h: {  # noqa: E731
        n["text"]
        for n in client.get(f"/api/records/{record}/annotations", headers=h).json()["notes"]
    }
    assert read(people.investigator) >= {
        "Cross-check the body number (SYNTHETIC)",
        "Source met in Gaziantep (SYNTHETIC)",
        "Ask the family about the date (SYNTHETIC)",
    }
    assert read(people.journalist) == {"Ask the family about the date (SYNTHETIC)"}
    assert read(people.outsider) == set()
    searched = client.get("/api/notes", params={"q": "family"}, headers=people.journalist).json()
    assert [n["text"] for n in searched["notes"]] == ["Ask the family about the date (SYNTHETIC)"]
    assert (
        client.get("/api/notes", params={"q": "Gaziantep"}, headers=people.journalist).json()[
            "total"
        ]
        == 0
    )
    assert (
        client.get("/api/notes", params={"q": "family"}, headers=people.outsider).json()["total"]
        == 0
    )
    page = client.get("/notes", params={"q": "Gaziantep"}, headers=people.investigator).text
    assert "Source met in Gaziantep" in page


def test_a_record_you_cannot_see_takes_no_note_and_shows_none(people: People) -> None:
    client = people.client
    hidden = _records(people, people.investigator, confidentiality="confidential")
    assert hidden, "the demo corpus has confidential records"
    record = hidden[0]["stable_id"]
    for attempt in (
        client.post(f"/api/records/{record}/notes", json={"text": "x"}, headers=people.journalist),
        client.post(f"/api/records/{record}/tags", json={"tag": "x"}, headers=people.journalist),
        client.post(
            "/api/tags",
            json={"tag": "x", "record_ids": [_public(people)[0], record]},
            headers=people.journalist,
        ),
        client.get(f"/api/records/{record}/annotations", headers=people.journalist),
    ):
        assert attempt.status_code == 404 and record in attempt.json()["detail"]
    # Nothing of the refused bulk tag was written.
    assert (
        client.get("/api/search", params={"tag": "x"}, headers=people.journalist).json()["total"]
        == 0
    )


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]*)"', page)
    assert match
    return match.group(1)


def test_tagging_from_the_results_and_the_record_page(people: People) -> None:
    client = people.client
    page = client.get("/", params={"mode": "keyword", "q": "Branch"}, headers=people.journalist)
    assert 'formaction="/tags/bulk"' in page.text
    chosen = [h["stable_id"] for h in _records(people, people.journalist, q="Branch")][:2]
    tag = f"bus-{uuid.uuid4().hex[:4]}"
    done = client.post(
        "/tags/bulk",
        data={"csrf": _csrf(page.text), "record_id": chosen, "tag": tag, "next": "/?q=Branch"},
        headers=people.journalist,
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/?q=Branch"
    assert (
        client.get("/api/search", params={"tag": tag}, headers=people.journalist).json()["total"]
        == 2
    )
    record_page = client.get(f"/records/{chosen[0]}", headers=people.journalist).text
    assert tag in record_page and "Add note" in record_page
    noted = client.post(
        f"/records/{chosen[0]}/notes",
        data={"csrf": _csrf(record_page), "text": "Seen on the list (SYNTHETIC)"},
        headers=people.journalist,
        follow_redirects=False,
    )
    assert noted.status_code == 303
    shown = client.get(f"/records/{chosen[0]}", headers=people.journalist).text
    assert "Seen on the list (SYNTHETIC)" in shown
    note_id = re.search(r"/annotations/(nt-[0-9a-f]+)/delete", shown)
    assert note_id
    empty = client.post(
        f"/records/{chosen[0]}/tags",
        data={"csrf": _csrf(shown), "tag": "   "},
        headers=people.journalist,
    )
    assert empty.status_code == 400
    nothing = client.post(
        "/tags/bulk", data={"csrf": _csrf(shown), "tag": "x"}, headers=people.journalist
    )
    assert nothing.status_code == 400 and "Select at least one record" in nothing.text
    # Only the writer deletes a note: anyone else is told there is none.
    other = client.post(
        f"/annotations/{note_id.group(1)}/delete",
        data={"csrf": _csrf(shown)},
        headers=people.outsider,
    )
    assert other.status_code == 404
    deleted = client.post(
        f"/annotations/{note_id.group(1)}/delete",
        data={"csrf": _csrf(shown), "next": f"/records/{chosen[0]}"},
        headers=people.journalist,
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert (
        "Seen on the list"
        not in client.get(f"/records/{chosen[0]}", headers=people.journalist).text
    )


def test_writes_and_reads_are_audited(people: People) -> None:
    client = people.client
    record = _public(people)[1]
    client.post(f"/api/records/{record}/notes", json={"text": "audited"}, headers=people.journalist)
    client.get(f"/api/records/{record}/annotations", headers=people.journalist)
    client.get("/api/notes", params={"q": "audited"}, headers=people.journalist)
    boss = bearer_headers(
        client.app.state.settings, {f"auditor-{uuid.uuid4().hex[:6]}": Role.ADMIN}
    )
    admin = next(iter(boss.values()))
    user = people.names["journalist"]
    actions = {
        e["action"]
        for e in client.get(
            "/api/audit", params={"user": user, "size": "200"}, headers=admin
        ).json()["events"]
    }
    assert {"note.add", "notes.view", "notes.search"} <= actions


def test_a_visitor_keeps_no_notes(people: People) -> None:
    record = _public(people)[0]
    assert people.client.post(f"/api/records/{record}/notes", json={"text": "x"}).status_code == 401
    assert people.client.get("/api/notes").status_code == 401
    assert people.client.get("/notes").status_code == 401


def test_a_record_raised_above_a_role_takes_its_notes_and_tags_with_it(
    demo_corpus: Settings, tmp_path: Path
) -> None:
    """A journalist's note and tag on a public record stay at public; when a reload
    raises the record to confidential, no journalist finds them, counts them or reads
    them any more: what they may see of a note is decided when they read."""
    settings = demo_corpus.model_copy(update={"index_prefix": f"t{uuid.uuid4().hex[:12]}"})
    bundle = tmp_path / "tiny"
    shutil.copytree(TINY_BUNDLE, bundle)
    record = stable_id("tiny-caesar", "photo", "T-0001")
    with Elasticsearch(settings.es_url, request_timeout=60) as node:
        try:
            assert load_bundle(node, settings.index_prefix, bundle).rejections == []
            made = bearer_headers(
                settings, {"boss": Role.ADMIN, "amal": Role.JOURNALIST, "omar": Role.JOURNALIST}
            )
            with TestClient(create_app(settings), raise_server_exceptions=False) as client:
                boss, amal, omar = made["boss"], made["amal"], made["omar"]
                client.post("/api/teams", json={"id": "desk", "name": "Desk"}, headers=boss)
                for name in ("amal", "omar"):
                    client.put(
                        f"/api/teams/desk/members/{name}", json={"role": "viewer"}, headers=boss
                    )
                noted = client.post(
                    f"/api/records/{record}/notes",
                    json={"text": "wrists photographed twice", "team": "desk"},
                    headers=amal,
                )
                assert noted.status_code == 201, noted.text
                client.post(
                    "/api/tags",
                    json={"tag": "wrists", "team": "desk", "record_ids": [record]},
                    headers=amal,
                )
                for reader in (amal, omar):
                    assert client.get("/api/notes?q=wrists", headers=reader).json()["total"] == 1
                    assert client.get("/api/search?tag=wrists", headers=reader).json()["total"] == 1
                photos = bundle / "photos.csv"
                rows = photos.read_text().splitlines()
                rows[1] = rows[1].replace(",,true", ",confidential,true")
                photos.write_text("\n".join(rows) + "\n")
                assert load_bundle(node, settings.index_prefix, bundle).rejections == []
                for reader in (amal, omar):
                    assert client.get("/api/notes?q=wrists", headers=reader).json() == {
                        "total": 0,
                        "notes": [],
                    }
                    assert client.get("/api/search?tag=wrists", headers=reader).json()["total"] == 0
                    gone = client.get(f"/api/records/{record}/annotations", headers=reader)
                    assert gone.status_code == 404
        finally:
            names = node.indices.get(index=f"{settings.index_prefix}-*", expand_wildcards="all")
            node.indices.delete(index=",".join(names))
