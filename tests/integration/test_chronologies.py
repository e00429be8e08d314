"""Timelines and chronologies against the real node on the SYNTHETIC demo corpus."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from elasticsearch import AsyncElasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from search_api.accounts.store import UserStore
from search_api.app import create_app
from search_api.chronologies.export import read_csv, read_docx
from tests.conftest import run_async

PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def tokens(demo_corpus: Settings) -> dict[str, dict[str, str]]:
    async def make() -> dict[str, dict[str, str]]:
        client = AsyncElasticsearch(demo_corpus.es_url)
        users = UserStore(client, demo_corpus)
        headers = {}
        for name, role in (
            ("lawyer", Role.INVESTIGATOR),
            ("other", Role.JOURNALIST),
            ("boss", Role.ADMIN),
        ):
            if await users.get(name) is None:
                await users.add(name, role, PASSWORD)
            _, token = await users.issue_token(name)
            headers[name] = {"Authorization": f"Bearer {token}"}
        await client.close()
        return headers

    return run_async(make())


@pytest.fixture(scope="module")
def client(demo_corpus: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as test_client:
        yield test_client


def _timeline(client: TestClient, headers: dict[str, str], **params: object) -> dict:
    response = client.get("/api/timeline", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _sort_key(event: dict) -> tuple:
    date = event["date"]
    rank = {"day": 0, "month": 1, "year": 2, "range": 3}[date["precision"]] if date else 9
    return (date is None, date["earliest"] if date else "", rank)


def test_timeline_orders_fuzzy_dates_and_keeps_undated_last(client, tokens) -> None:
    events: list[dict] = []
    params: dict[str, object] = {"size": 200}
    while True:
        body = _timeline(client, tokens["lawyer"], **params)
        events += [event for entry in body["entries"] for event in entry["events"]]
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    assert len(events) == body["total"] == len({e["event_id"] for e in events})
    keys = [_sort_key(e) for e in events]
    assert keys == sorted(keys)
    assert {e["record_type"] for e in events} == {"photo", "testimony", "filing"}
    assert sum(b["count"] for b in body["years"]) + body["undated"] == body["total"]


def test_timeline_groups_frames_and_focuses_on_a_branch_or_case(client, tokens) -> None:
    body = _timeline(client, tokens["lawyer"], branch="215", type="photo", size=100)
    grouped = [entry for entry in body["entries"] if len(entry["events"]) > 1]
    assert grouped, "frames of one body are one entry"
    for entry in grouped:
        assert len({e["record_id"] for e in entry["events"]}) == len(entry["events"])
        assert entry["description"].endswith(")") and "frames of one body" in entry["description"]
    filings = _timeline(client, tokens["lawyer"], type="filing", size=200)
    case = next(e["case_no"] for en in filings["entries"] for e in en["events"] if e["case_no"])
    focused = _timeline(client, tokens["lawyer"], case=case)
    assert focused["total"] >= 1
    assert all(e["case_no"] == case for en in focused["entries"] for e in en["events"])


def test_the_timeline_forms_empty_fields_filter_nothing(client, tokens) -> None:
    """The filter form sends every field, filled or not: `facility=&person=&case=` must
    mean "no filter", not "match the empty value" (which matched nothing)."""
    lawyer = tokens["lawyer"]
    branch = _timeline(client, lawyer, branch="215")["total"]
    with_blanks = _timeline(client, lawyer, branch="215", facility="", person="", case="")
    assert branch > 0 and with_blanks["total"] == branch
    search = client.get("/api/search", params={"q": "", "facility": "", "court": " "})
    assert search.json()["total"] == client.get("/api/search").json()["total"] > 0


def test_a_facility_filter_takes_its_names_in_either_script(client, tokens) -> None:
    lawyer = tokens["lawyer"]
    by_id = _timeline(client, lawyer, facility="saydnaya")["total"]
    assert by_id > 0
    for written in ("Saydnaya", "صيدنايا", "SAYDNAYA prison"):
        assert _timeline(client, lawyer, facility=written)["total"] == by_id, written
    searched = client.get("/api/search", params={"facility": "Saydnaya"}, headers=lawyer)
    by_id_search = client.get("/api/search", params={"facility": "saydnaya"}, headers=lawyer)
    assert searched.json()["total"] == by_id_search.json()["total"] > 0


def test_a_branch_as_facility_finds_what_its_number_finds(client, tokens) -> None:
    """Issue 17 item 8 on the timeline: photos name the hospital as their facility and
    the branch only by number; the Facility filter for a branch must still find them."""
    lawyer = tokens["lawyer"]
    by_number = _timeline(client, lawyer, branch="215", type="photo")["total"]
    assert by_number > 0
    by_facility = _timeline(client, lawyer, facility="Branch 215", type="photo")["total"]
    assert by_facility == by_number


def test_person_and_case_filters_take_any_spelling_or_letter_case(client, tokens) -> None:
    """`anwar raslan`, `Anwar Raslan` and `أنور رسلان` are one person to the timeline, as
    to search (name keys); a case number is found whatever its letter case."""
    lawyer = tokens["lawyer"]
    totals = {
        written: _timeline(client, lawyer, person=written, size=1)["total"]
        for written in ("Anwar Raslan", "anwar raslan", "أنور رسلان", "ANWAR RASLAN")
    }
    assert len(set(totals.values())) == 1 and totals["Anwar Raslan"] > 0, totals
    assert _timeline(client, lawyer, person="Nobody Atall")["total"] == 0
    filings = _timeline(client, lawyer, type="filing", size=200)
    case = next(e["case_no"] for en in filings["entries"] for e in en["events"] if e["case_no"])
    exact = _timeline(client, lawyer, case=case)["total"]
    assert exact > 0
    assert _timeline(client, lawyer, case=case.lower())["total"] == exact
    assert _timeline(client, lawyer, case=case.upper())["total"] == exact


def test_public_timeline_holds_only_public_events(client, tokens) -> None:
    public = _timeline(client, {}, size=200)
    lawyer = _timeline(client, tokens["lawyer"], size=1)
    assert public["total"] < lawyer["total"]
    assert {e["confidentiality"] for en in public["entries"] for e in en["events"]} == {"public"}


def test_build_a_branch_215_chronology_with_disputed_facts_and_export_it(client, tokens) -> None:
    lawyer = tokens["lawyer"]
    created = client.post("/api/chronologies", json={"title": "Branch 215"}, headers=lawyer)
    assert created.status_code == 201
    chronology_id = created.json()["id"]
    version = client.get(f"/api/chronologies/{chronology_id}", headers=lawyer).json()["version"]
    timeline = _timeline(client, lawyer, branch="215", type="photo", size=50)
    picked = [timeline["entries"][0]["events"][0]]
    for kind in ("testimony", "filing"):
        other = _timeline(client, lawyer, type=kind, size=5)["entries"][0]["events"][0]
        picked.append(other)
    for event in picked:
        response = client.post(
            f"/api/chronologies/{chronology_id}/events",
            json={"version": version, "event_id": event["event_id"]},
            headers=lawyer,
        )
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    fact = {
        "date": "circa:2012-03",
        "text": "Detainees from Branch 215 moved to Hospital 601",
        "citations": [{"stable_id": picked[0]["record_id"], "quote": "moved"}],
        "status": "disputed",
        "material": "yes",
        "issues": ["transfer"],
        "note": "check",
    }
    response = client.post(
        f"/api/chronologies/{chronology_id}/facts",
        json={"version": version, "fact": fact},
        headers=lawyer,
    )
    assert response.status_code == 200, response.text
    chronology = response.json()
    assert len(chronology["facts"]) == 4
    disputed = [f for f in chronology["facts"] if f["status"] == "disputed"]
    assert (
        len(disputed) == 1
        and disputed[0]["citations"][0]["sha256"] == picked[0]["citation"]["sha256"]
    )

    stale = client.post(
        f"/api/chronologies/{chronology_id}/facts",
        json={"version": version, "fact": fact | {"text": "late edit"}},
        headers=lawyer,
    )
    assert stale.status_code == 409
    assert "Someone else changed this chronology" in stale.json()["detail"]

    facts = chronology["facts"]
    exported = client.get(
        f"/api/chronologies/{chronology_id}/export", params={"format": "csv"}, headers=lawyer
    )
    rows = read_csv(exported.text)
    assert [r["fact"] for r in rows] == [f["text"] for f in facts]
    for row, original in zip(rows, facts, strict=True):
        for citation in original["citations"]:
            assert citation["stable_id"] in row["citations"]
            if citation["sha256"]:
                assert citation["sha256"] in row["citations"]
        assert row["status"] == original["status"]
    as_json = client.get(
        f"/api/chronologies/{chronology_id}/export", params={"format": "json"}, headers=lawyer
    ).json()
    assert as_json["facts"] == facts
    docx = client.get(
        f"/api/chronologies/{chronology_id}/export", params={"format": "docx"}, headers=lawyer
    )
    assert docx.headers["content-type"].startswith("application/vnd.openxmlformats")
    table = read_docx(docx.content)
    assert [r["Fact"].split("\n")[0] for r in table] == [f["text"] for f in facts]
    for row, original in zip(table, facts, strict=True):
        for citation in original["citations"]:
            assert f"{citation['title']} ({citation['stable_id']})" in row["Sources"]
    html = client.get(
        f"/api/chronologies/{chronology_id}/export", params={"format": "html"}, headers=lawyer
    ).text
    assert "Appendix: cited records and their SHA-256" in html
    for original in facts:
        for citation in original["citations"]:
            assert citation["stable_id"] in html


def test_same_day_facts_reorder_and_other_dates_do_not(client, tokens) -> None:
    lawyer = tokens["lawyer"]
    chronology_id = client.post(
        "/api/chronologies", json={"title": "Order"}, headers=lawyer
    ).json()["id"]
    version = client.get(f"/api/chronologies/{chronology_id}", headers=lawyer).json()["version"]
    for text, date in (
        ("second", "2012-03-14"),
        ("first", "2012-03-14"),
        ("undated", None),
        ("month only", "2012-03"),
        ("year only", "2012"),
    ):
        body = client.post(
            f"/api/chronologies/{chronology_id}/facts",
            json={"version": version, "fact": {"date": date, "text": text}},
            headers=lawyer,
        ).json()
        version = body["version"]
    assert [f["text"] for f in body["facts"]] == [
        "year only",
        "month only",
        "second",
        "first",
        "undated",
    ]
    first = next(f for f in body["facts"] if f["text"] == "first")
    moved = client.post(
        f"/api/chronologies/{chronology_id}/facts/{first['fact_id']}/move",
        json={"version": version, "direction": "up"},
        headers=lawyer,
    ).json()
    assert [f["text"] for f in moved["facts"]] == [
        "year only",
        "month only",
        "first",
        "second",
        "undated",
    ]
    month = next(f for f in moved["facts"] if f["text"] == "month only")
    refused = client.post(
        f"/api/chronologies/{chronology_id}/facts/{month['fact_id']}/move",
        json={"version": moved["version"], "direction": "down"},
        headers=lawyer,
    )
    assert refused.status_code == 400


def test_chronologies_are_private_to_their_owner_and_need_a_login(client, tokens) -> None:
    chronology_id = client.post(
        "/api/chronologies", json={"title": "Mine"}, headers=tokens["lawyer"]
    ).json()["id"]
    assert (
        client.get(f"/api/chronologies/{chronology_id}", headers=tokens["other"]).status_code == 404
    )
    assert (
        client.get(f"/api/chronologies/{chronology_id}", headers=tokens["boss"]).status_code == 200
    )
    assert client.post("/api/chronologies", json={"title": "x"}).status_code == 401
    listed = client.get("/api/chronologies", headers=tokens["other"]).json()
    assert chronology_id not in json.dumps(listed)


def test_a_journalist_cannot_cite_what_they_cannot_see(client, tokens) -> None:
    lawyer_view = _timeline(client, tokens["lawyer"], confidentiality="confidential", size=1)
    hidden = lawyer_view["entries"][0]["events"][0]["record_id"]
    other = tokens["other"]
    chronology_id = client.post("/api/chronologies", json={"title": "J"}, headers=other).json()[
        "id"
    ]
    version = client.get(f"/api/chronologies/{chronology_id}", headers=other).json()["version"]
    response = client.post(
        f"/api/chronologies/{chronology_id}/facts",
        json={"version": version, "fact": {"text": "x", "citations": [{"stable_id": hidden}]}},
        headers=other,
    )
    assert response.status_code == 404
