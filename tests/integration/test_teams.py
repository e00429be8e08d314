"""Teams and shared chronologies against the real node on the SYNTHETIC demo corpus: a
three-person team builds one chronology, with its history, comments and exports."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.indices import chronologies_index
from evidence.settings import Settings
from search_api.app import create_app
from search_api.chronologies.export import read_csv, read_docx
from tests.conftest import bearer_headers

Headers = dict[str, str]


@dataclass(frozen=True)
class Team:
    client: TestClient
    id: str
    boss: Headers  # admin
    lawyer: Headers  # investigator, editor
    paralegal: Headers  # journalist, editor
    researcher: Headers  # journalist, viewer
    outsider: Headers  # journalist, in no team
    names: dict[str, str]


@pytest.fixture(scope="module")
def team(demo_corpus: Settings) -> Iterator[Team]:
    suffix = uuid.uuid4().hex[:6]
    roles = {
        "boss": Role.ADMIN,
        "lawyer": Role.INVESTIGATOR,
        "paralegal": Role.JOURNALIST,
        "researcher": Role.JOURNALIST,
        "outsider": Role.JOURNALIST,
    }
    names = {short: f"{short}-{suffix}" for short in roles}
    made = bearer_headers(demo_corpus, {names[s]: r for s, r in roles.items()})
    headers = {short: made[names[short]] for short in roles}
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as client:
        team_id = f"case-{suffix}"
        created = client.post(
            "/api/teams",
            json={"id": team_id, "name": "Koblenz (SYNTHETIC)"},
            headers=headers["boss"],
        )
        assert created.status_code == 201, created.text
        for short, role in (
            ("lawyer", "editor"),
            ("paralegal", "editor"),
            ("researcher", "viewer"),
        ):
            added = client.put(
                f"/api/teams/{team_id}/members/{names[short]}",
                json={"role": role},
                headers=headers["boss"],
            )
            assert added.status_code == 200, added.text
        yield Team(client, team_id, names=names, **headers)


def _ids(team: Team, headers: Headers, **params: str) -> list[str]:
    found = team.client.get("/api/search", params={"size": "20"} | params, headers=headers)
    assert found.status_code == 200, found.text
    return [hit["stable_id"] for hit in found.json()["hits"]]


def _chronology(team: Team, owner: Headers, share: str | None = "editor") -> str:
    created = team.client.post("/api/chronologies", json={"title": "Branch 215"}, headers=owner)
    assert created.status_code == 201, created.text
    chronology_id: str = created.json()["id"]
    if share:
        shared = team.client.post(
            f"/api/chronologies/{chronology_id}/shares",
            json={"team": team.id, "role": share},
            headers=owner,
        )
        assert shared.status_code == 200, shared.text
    return chronology_id


def _read(team: Team, chronology_id: str, headers: Headers) -> dict:
    read = team.client.get(f"/api/chronologies/{chronology_id}", headers=headers)
    assert read.status_code == 200, read.text
    return read.json()


def _add(team: Team, chronology_id: str, headers: Headers, text: str, cite: str = "") -> dict:
    version = _read(team, chronology_id, headers)["version"]
    fact = {"text": text, "date": "2012-05"} | (
        {"citations": [{"stable_id": cite}]} if cite else {}
    )
    added = team.client.post(
        f"/api/chronologies/{chronology_id}/facts",
        json={"version": version, "fact": fact},
        headers=headers,
    )
    assert added.status_code == 200, added.text
    return added.json()


def test_only_admins_make_teams_and_members_see_their_own(team: Team) -> None:
    client = team.client
    refused = client.post("/api/teams", json={"id": "mine", "name": "x"}, headers=team.lawyer)
    assert refused.status_code == 403
    assert client.post("/api/teams", json={"id": "x", "name": "x"}).status_code == 401
    bad = client.post("/api/teams", json={"id": "Not An Id", "name": "x"}, headers=team.boss)
    assert bad.status_code == 400 and "lower-case" in bad.json()["detail"]
    again = client.post("/api/teams", json={"id": team.id, "name": "x"}, headers=team.boss)
    assert again.status_code == 400 and "exists" in again.json()["detail"]
    unknown = client.put(
        f"/api/teams/{team.id}/members/nobody-{uuid.uuid4().hex[:6]}",
        json={"role": "editor"},
        headers=team.boss,
    )
    assert unknown.status_code == 404
    mine = client.get("/api/teams", headers=team.paralegal).json()["teams"]
    assert [t["id"] for t in mine] == [team.id]
    members = {m["username"]: m["role"] for m in mine[0]["members"]}
    assert members == {
        team.names["lawyer"]: "editor",
        team.names["paralegal"]: "editor",
        team.names["researcher"]: "viewer",
    }
    assert client.get("/api/teams", headers=team.outsider).json()["teams"] == []
    assert client.get(f"/api/teams/{team.id}", headers=team.outsider).status_code == 404
    assert client.get(f"/api/teams/{team.id}", headers=team.researcher).status_code == 200


def test_a_shared_chronology_is_read_by_the_team_and_no_one_else(team: Team) -> None:
    chronology_id = _chronology(team, team.lawyer)
    for member, right in ((team.paralegal, "editor"), (team.researcher, "viewer")):
        assert _read(team, chronology_id, member)["right"] == right
        listed = team.client.get("/api/chronologies", headers=member).json()
        assert {c["id"]: c["right"] for c in listed}[chronology_id] == right
    outsider = team.client.get(f"/api/chronologies/{chronology_id}", headers=team.outsider)
    unknown = team.client.get("/api/chronologies/ch-0000000000000000", headers=team.outsider)
    assert outsider.status_code == unknown.status_code == 404
    listed = team.client.get("/api/chronologies", headers=team.outsider).json()
    assert chronology_id not in {c["id"] for c in listed}


def test_a_viewer_reads_and_comments_but_cannot_edit(team: Team) -> None:
    chronology_id = _chronology(team, team.lawyer)
    fact_id = _add(team, chronology_id, team.lawyer, "Transfer to Branch 215")["facts"][0][
        "fact_id"
    ]
    viewer = team.researcher
    version = _read(team, chronology_id, viewer)["version"]
    write = {"version": version, "fact": {"text": "x"}}
    client = team.client
    for response in (
        client.post(f"/api/chronologies/{chronology_id}/facts", json=write, headers=viewer),
        client.put(
            f"/api/chronologies/{chronology_id}/facts/{fact_id}", json=write, headers=viewer
        ),
        client.patch(
            f"/api/chronologies/{chronology_id}",
            json={"version": version, "title": "mine"},
            headers=viewer,
        ),
        client.delete(
            f"/api/chronologies/{chronology_id}/facts/{fact_id}?version={version}", headers=viewer
        ),
        client.post(
            f"/api/chronologies/{chronology_id}/collect",
            json={"record_ids": _ids(team, viewer)[:1]},
            headers=viewer,
        ),
    ):
        assert response.status_code == 403, response.text
        assert "only its editors" in response.json()["detail"]
    commented = client.post(
        f"/api/chronologies/{chronology_id}/facts/{fact_id}/comments",
        json={"text": "Which transfer order is this from?"},
        headers=viewer,
    )
    assert commented.status_code == 200, commented.text
    thread = commented.json()["comments"][fact_id]
    assert [(c["author"], c["text"]) for c in thread] == [
        (team.names["researcher"], "Which transfer order is this from?")
    ]
    # An editor shares nothing: sharing and deleting are the owner's.
    editor_share = client.post(
        f"/api/chronologies/{chronology_id}/shares",
        json={"team": team.id, "role": "viewer"},
        headers=team.paralegal,
    )
    assert editor_share.status_code == 403
    page = client.get(f"/chronologies/{chronology_id}", headers=viewer).text
    assert "Add a fact" not in page and "Delete this chronology" not in page
    assert "Which transfer order is this from?" in page and "Add comment" in page


def test_two_editors_at_once_one_gets_409_and_merges_after_reloading(team: Team) -> None:
    chronology_id = _chronology(team, team.lawyer)
    fact = _add(team, chronology_id, team.lawyer, "Arrest at a checkpoint")["facts"][0]
    fact_id = fact["fact_id"]
    client = team.client
    seen = _read(team, chronology_id, team.paralegal)["version"]
    assert _read(team, chronology_id, team.lawyer)["version"] == seen
    first = client.put(
        f"/api/chronologies/{chronology_id}/facts/{fact_id}",
        json={
            "version": seen,
            "fact": {"text": "Arrest at the Mezzeh checkpoint", "date": "2012-05"},
        },
        headers=team.paralegal,
    )
    assert first.status_code == 200, first.text
    second = client.post(
        f"/api/chronologies/{chronology_id}/facts",
        json={"version": seen, "fact": {"text": "Held at Branch 215", "date": "2012-06"}},
        headers=team.lawyer,
    )
    assert second.status_code == 409 and "Reload" in second.json()["detail"]
    merged = _add(team, chronology_id, team.lawyer, "Held at Branch 215")
    texts = {f["text"] for f in merged["facts"]}
    assert texts == {"Arrest at the Mezzeh checkpoint", "Held at Branch 215"}
    by_text = {f["text"]: f for f in merged["facts"]}
    edited = by_text["Arrest at the Mezzeh checkpoint"]
    assert (edited["added_by"], edited["changed_by"]) == (
        team.names["lawyer"],
        team.names["paralegal"],
    )
    assert by_text["Held at Branch 215"]["added_by"] == team.names["lawyer"]


def test_history_says_who_changed_what_and_restores_a_fact(team: Team) -> None:
    client = team.client
    chronology_id = _chronology(team, team.lawyer)
    fact_id = _add(team, chronology_id, team.lawyer, "First wording")["facts"][0]["fact_id"]
    version = _read(team, chronology_id, team.paralegal)["version"]
    edited = client.put(
        f"/api/chronologies/{chronology_id}/facts/{fact_id}",
        json={"version": version, "fact": {"text": "Second wording", "status": "disputed"}},
        headers=team.paralegal,
    )
    assert edited.status_code == 200
    version = edited.json()["version"]
    deleted = client.delete(
        f"/api/chronologies/{chronology_id}/facts/{fact_id}?version={version}",
        headers=team.paralegal,
    )
    assert deleted.status_code == 200 and deleted.json()["facts"] == []
    entries = client.get(
        f"/api/chronologies/{chronology_id}/history", headers=team.researcher
    ).json()["entries"]
    assert [(e["action"], e["by"]) for e in entries] == [
        ("delete", team.names["paralegal"]),
        ("edit", team.names["paralegal"]),
        ("add", team.names["lawyer"]),
    ]
    delete, edit, add = entries
    assert (edit["before"]["text"], edit["after"]["text"]) == ("First wording", "Second wording")
    assert add["before"] is None and delete["after"] is None
    one_fact = client.get(
        f"/api/chronologies/{chronology_id}/history?fact={fact_id}", headers=team.lawyer
    ).json()["entries"]
    assert [e["entry_id"] for e in one_fact] == [e["entry_id"] for e in entries]
    # A viewer restores nothing; an editor restores the first wording.
    version = deleted.json()["version"]
    restore = f"/api/chronologies/{chronology_id}/history/{add['entry_id']}/restore"
    assert (
        client.post(restore, json={"version": version}, headers=team.researcher).status_code == 403
    )
    restored = client.post(restore, json={"version": version}, headers=team.lawyer)
    assert restored.status_code == 200, restored.text
    (fact,) = restored.json()["facts"]
    assert (fact["fact_id"], fact["text"], fact["status"]) == (fact_id, "First wording", "unsure")
    assert fact["changed_by"] == team.names["lawyer"]
    latest = client.get(f"/api/chronologies/{chronology_id}/history", headers=team.lawyer)
    assert latest.json()["entries"][0]["action"] == "restore"
    stale = client.post(restore, json={"version": version}, headers=team.lawyer)
    assert stale.status_code == 409
    page = client.get(f"/chronologies/{chronology_id}/history", headers=team.researcher).text
    assert "Second wording" in page and team.names["paralegal"] in page
    assert "Restore this version" not in page
    assert (
        "Restore this version"
        in client.get(f"/chronologies/{chronology_id}/history", headers=team.lawyer).text
    )


def test_exports_can_say_who_added_and_who_changed_each_fact(team: Team) -> None:
    client = team.client
    chronology_id = _chronology(team, team.lawyer)
    fact_id = _add(team, chronology_id, team.lawyer, "Detention order")["facts"][0]["fact_id"]
    version = _read(team, chronology_id, team.paralegal)["version"]
    client.put(
        f"/api/chronologies/{chronology_id}/facts/{fact_id}",
        json={"version": version, "fact": {"text": "Detention order no. 1 (SYNTHETIC)"}},
        headers=team.paralegal,
    )
    export = f"/api/chronologies/{chronology_id}/export"
    plain = read_csv(client.get(export + "?format=csv", headers=team.researcher).text)
    assert "added_by" not in plain[0]
    (row,) = read_csv(client.get(export + "?format=csv&authors=true", headers=team.researcher).text)
    assert (row["added_by"], row["changed_by"]) == (team.names["lawyer"], team.names["paralegal"])
    docx = client.get(export + "?format=docx&authors=true", headers=team.researcher).content
    (docx_row,) = read_docx(docx)
    assert f"Added by {team.names['lawyer']}" in docx_row["Fact"]
    assert f"Last changed by {team.names['paralegal']}" in docx_row["Fact"]
    html = client.get(export + "?format=html&authors=true", headers=team.researcher).text
    assert f"Last changed by {team.names['paralegal']}" in html
    as_json = client.get(export + "?format=json", headers=team.researcher).json()
    assert as_json["facts"][0]["changed_by"] == team.names["paralegal"]


def test_leaving_the_team_or_unsharing_closes_the_chronology(team: Team) -> None:
    client = team.client
    chronology_id = _chronology(team, team.lawyer)
    extra = f"temp-{uuid.uuid4().hex[:6]}"
    assert (
        client.post(
            "/api/teams", json={"id": extra, "name": "Temporary"}, headers=team.boss
        ).status_code
        == 201
    )
    client.put(
        f"/api/teams/{extra}/members/{team.names['outsider']}",
        json={"role": "editor"},
        headers=team.boss,
    )
    client.put(
        f"/api/teams/{extra}/members/{team.names['lawyer']}",
        json={"role": "viewer"},
        headers=team.boss,
    )
    # The owner shares with a team they are in; a team they are not in is unknown.
    foreign = client.post(
        f"/api/chronologies/{chronology_id}/shares",
        json={"team": "no-such-team", "role": "viewer"},
        headers=team.lawyer,
    )
    assert foreign.status_code == 404
    shared = client.post(
        f"/api/chronologies/{chronology_id}/shares",
        json={"team": extra, "role": "editor"},
        headers=team.lawyer,
    )
    assert shared.status_code == 200
    assert {s["team"] for s in shared.json()["shares"]} == {team.id, extra}
    assert _read(team, chronology_id, team.outsider)["right"] == "editor"
    removed = client.delete(
        f"/api/teams/{extra}/members/{team.names['outsider']}", headers=team.boss
    )
    assert removed.status_code == 200
    assert (
        client.get(f"/api/chronologies/{chronology_id}", headers=team.outsider).status_code == 404
    )
    assert _read(team, chronology_id, team.paralegal)["right"] == "editor"
    unshared = client.delete(
        f"/api/chronologies/{chronology_id}/shares/{team.id}", headers=team.lawyer
    )
    assert unshared.status_code == 200
    assert (
        client.get(f"/api/chronologies/{chronology_id}", headers=team.paralegal).status_code == 404
    )
    assert client.delete(f"/api/teams/{extra}", headers=team.boss).status_code == 204


def test_every_team_change_and_share_is_audited(team: Team) -> None:
    chronology_id = _chronology(team, team.lawyer)
    events = team.client.get(
        "/api/audit", params={"action": "chronology.share", "size": "50"}, headers=team.boss
    ).json()["events"]
    shares = [json.loads(e["params"]) for e in events]
    assert {"chronology": chronology_id, "team": team.id, "role": "editor"} in shares
    member_events = team.client.get(
        "/api/audit", params={"action": "team.member_set", "size": "200"}, headers=team.boss
    ).json()["events"]
    assert {json.loads(e["params"])["username"] for e in member_events} >= {
        team.names["lawyer"],
        team.names["paralegal"],
        team.names["researcher"],
    }


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]*)"', page)
    assert match, page[:300]
    return match.group(1)


def test_the_teams_page_and_forms(team: Team) -> None:
    client = team.client
    page = client.get("/teams", headers=team.boss)
    assert page.status_code == 200 and "New team" in page.text and team.id in page.text
    new_id = f"form-{uuid.uuid4().hex[:6]}"
    made = client.post(
        "/teams",
        data={"csrf": _csrf(page.text), "team_id": new_id, "name": "Made by form"},
        headers=team.boss,
        follow_redirects=False,
    )
    assert made.status_code == 303
    added = client.post(
        f"/teams/{new_id}/members",
        data={"csrf": _csrf(page.text), "username": team.names["outsider"], "role": "editor"},
        headers=team.boss,
        follow_redirects=False,
    )
    assert added.status_code == 303
    bad_role = client.post(
        f"/teams/{new_id}/members",
        data={"csrf": _csrf(page.text), "username": team.names["outsider"], "role": "owner"},
        headers=team.boss,
    )
    assert bad_role.status_code == 400 and "viewer or editor" in bad_role.text
    forged = client.post(
        "/teams", data={"csrf": "forged", "team_id": "x1", "name": "x"}, headers=team.boss
    )
    assert forged.status_code == 400 and "expired" in forged.text
    mine = client.get("/teams", headers=team.outsider).text
    assert "Made by form" in mine and "New team" not in mine
    refused = client.post(
        "/teams",
        data={"csrf": _csrf(mine), "team_id": "x2", "name": "x"},
        headers=team.outsider,
    )
    assert refused.status_code == 403 and "Only admins" in refused.text
    assert (
        client.post(
            f"/teams/{new_id}/delete",
            data={"csrf": _csrf(page.text)},
            headers=team.boss,
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert new_id not in client.get("/teams", headers=team.boss).text


def test_comment_share_and_restore_forms(team: Team) -> None:
    client = team.client
    chronology_id = _chronology(team, team.lawyer, share=None)
    page = client.get(f"/chronologies/{chronology_id}", headers=team.lawyer).text
    assert "Share with a team" in page and team.id in page
    shared = client.post(
        f"/chronologies/{chronology_id}/share",
        data={"csrf": _csrf(page), "team": team.id, "role": "viewer"},
        headers=team.lawyer,
        follow_redirects=False,
    )
    assert shared.status_code == 303
    assert _read(team, chronology_id, team.researcher)["right"] == "viewer"
    fact_id = _add(team, chronology_id, team.lawyer, "Seen at Saydnaya")["facts"][0]["fact_id"]
    viewer_page = client.get(f"/chronologies/{chronology_id}", headers=team.researcher).text
    commented = client.post(
        f"/chronologies/{chronology_id}/comments",
        data={"csrf": _csrf(viewer_page), "fact_id": fact_id, "text": "Source?"},
        headers=team.researcher,
        follow_redirects=False,
    )
    assert commented.status_code == 303
    blank = client.post(
        f"/chronologies/{chronology_id}/comments",
        data={"csrf": _csrf(viewer_page), "fact_id": fact_id, "text": "  "},
        headers=team.researcher,
    )
    assert blank.status_code == 400 and "needs some text" in blank.text
    history = client.get(f"/chronologies/{chronology_id}/history", headers=team.lawyer).text
    entry = re.search(r"/history/(h-[0-9a-f]+)/restore", history)
    assert entry
    stale = client.post(
        f"/chronologies/{chronology_id}/history/{entry.group(1)}/restore",
        data={"csrf": _csrf(history), "version": "1.1"},
        headers=team.lawyer,
    )
    assert stale.status_code == 409 and "Reload" in stale.text
    unshared = client.post(
        f"/chronologies/{chronology_id}/share",
        data={"csrf": _csrf(page), "team": team.id, "role": "none"},
        headers=team.lawyer,
        follow_redirects=False,
    )
    assert unshared.status_code == 303
    assert client.get(f"/chronologies/{chronology_id}", headers=team.researcher).status_code == 404


def test_a_chronologies_index_made_before_teams_takes_shares(demo_corpus: Settings) -> None:
    """An installation upgraded from before teams has a chronologies index with strict
    mappings and none of the new fields: its first share must still be written."""
    settings = demo_corpus.model_copy(update={"index_prefix": f"t{uuid.uuid4().hex[:12]}"})
    before_teams = {
        "title": {"type": "keyword"},
        "owner": {"type": "keyword"},
        "created": {"type": "date"},
        "updated": {"type": "date"},
        "facts": {"type": "object", "enabled": False},
    }
    with Elasticsearch(settings.es_url) as node:
        node.indices.create(
            index=chronologies_index(settings.index_prefix),
            mappings={"dynamic": "strict", "properties": before_teams},
        )
        try:
            headers = bearer_headers(settings, {"owner": Role.ADMIN})["owner"]
            with TestClient(create_app(settings), raise_server_exceptions=False) as client:
                client.post("/api/teams", json={"id": "old-team", "name": "x"}, headers=headers)
                made = client.post("/api/chronologies", json={"title": "old"}, headers=headers)
                assert made.status_code == 201, made.text
                shared = client.post(
                    f"/api/chronologies/{made.json()['id']}/shares",
                    json={"team": "old-team", "role": "viewer"},
                    headers=headers,
                )
                assert shared.status_code == 200, shared.text
        finally:
            names = node.indices.get(index=f"{settings.index_prefix}-*", expand_wildcards="all")
            node.indices.delete(index=",".join(names))
