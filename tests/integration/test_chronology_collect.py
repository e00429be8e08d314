"""Adding events and records to a chronology in bulk: from the timeline's checkboxes
(one form, one CSRF POST) or the JSON twin; nothing added twice, what is added marked
on the timeline, the reader sent back where they were, and an id above the caller's
level refused exactly like an unknown one. Against the real node, SYNTHETIC demo corpus."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from elasticsearch import AsyncElasticsearch
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.settings import Settings
from search_api.accounts.store import UserStore
from search_api.app import create_app
from tests.conftest import bearer_headers, run_async

PASSWORD = "a long enough password"
# A level each role may not read (admins read all); public callers cannot keep any.
ABOVE = {
    Role.JOURNALIST: Level.CONFIDENTIAL,
    Role.INVESTIGATOR: Level.SEALED,
}


@pytest.fixture(scope="module")
def tokens(demo_corpus: Settings) -> dict[Role, dict[str, str]]:
    signed_in = (Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN)
    made = bearer_headers(demo_corpus, {f"collect-{r.value}": r for r in signed_in}, PASSWORD)
    return {Role.PUBLIC: {}} | {role: made[f"collect-{role.value}"] for role in signed_in}


@pytest.fixture(scope="module")
def client(demo_corpus: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as test_client:
        yield test_client


def _events(client: TestClient, headers: dict[str, str], **params: object) -> list[dict]:
    response = client.get("/api/timeline", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [entry["events"][0] for entry in response.json()["entries"]]


def _chronology(client: TestClient, headers: dict[str, str], title: str = "Bulk") -> str:
    created = client.post("/api/chronologies", json={"title": title}, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _collect(client: TestClient, headers: dict[str, str], chronology_id: str, **ids: list[str]):
    return client.post(f"/api/chronologies/{chronology_id}/collect", json=ids, headers=headers)


def test_events_and_records_are_added_at_once_and_never_twice(client, tokens) -> None:
    lawyer = tokens[Role.INVESTIGATOR]
    chronology_id = _chronology(client, lawyer)
    events = _events(client, lawyer, branch="215", type="photo", size=50)[:2]
    record = client.get("/api/search", params={"type": "filing", "size": 1}, headers=lawyer)
    hit = record.json()["hits"][0]
    event_ids = [e["event_id"] for e in events]
    first = _collect(
        client, lawyer, chronology_id, event_ids=event_ids, record_ids=[hit["stable_id"]]
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["added"] == [f"event:{i}" for i in event_ids] + [f"record:{hit['stable_id']}"]
    facts = body["chronology"]["facts"]
    assert len(facts) == 3
    from_record = next(f for f in facts if f["origin"] == f"record:{hit['stable_id']}")
    assert from_record["text"] == hit["title"]
    assert from_record["citations"][0]["stable_id"] == hit["stable_id"]
    assert from_record["date"] == (hit.get("date") or {}).get("text")

    again = _collect(client, lawyer, chronology_id, event_ids=[*event_ids, event_ids[0]])
    assert again.status_code == 200, again.text
    assert again.json()["added"] == []
    assert len(again.json()["chronology"]["facts"]) == 3
    old_route = client.post(
        f"/api/chronologies/{chronology_id}/events",
        json={"version": again.json()["chronology"]["version"], "event_id": event_ids[0]},
        headers=lawyer,
    )
    assert old_route.status_code == 200 and len(old_route.json()["facts"]) == 3
    assert _collect(client, lawyer, chronology_id).status_code == 400


def _form_token(client: TestClient, headers: dict[str, str], url: str) -> str:
    page = client.get(url, headers=headers).text
    match = re.search(r'name="csrf" value="([^"]*)"', page)
    assert match, page[:500]
    return match.group(1)


@pytest.fixture
def browser(demo_corpus: Settings, make_client) -> Iterator[TestClient]:
    """A logged-in investigator's browser (cookies, CSRF), as the form needs."""

    async def add() -> None:
        es = AsyncElasticsearch(demo_corpus.es_url)
        users = UserStore(es, demo_corpus)
        if await users.get("collect-browser") is None:
            await users.add("collect-browser", Role.INVESTIGATOR, PASSWORD)
        await es.close()

    run_async(add())
    with make_client(demo_corpus) as web:
        login = {"username": "collect-browser", "password": PASSWORD, "next": "/"}
        login["csrf"] = _form_token(web, {}, "/login")
        assert web.post("/login", data=login, follow_redirects=False).status_code == 303
        yield web


def test_the_timeline_form_adds_ticked_events_marks_them_and_returns(browser) -> None:
    here = "/timeline?q=&branch=215&facility=&person=&case=&date_from=&date_to="
    page = browser.get(here).text
    assert 'form id="collect"' in page and 'form="collect"' in page
    ticked = re.findall(r'form="collect" name="event_id" value="([^"]+)"', page)[:2]
    assert len(ticked) == 2, "two events to tick"
    csrf = _form_token(browser, {}, here)
    title = "Branch 215 from the timeline"
    form = {"csrf": csrf, "chronology_id": "", "title": title, "event_id": ticked, "next": here}
    added = browser.post("/chronologies/collect", data=form, follow_redirects=False)
    assert added.status_code == 303, added.text
    assert added.headers["location"] == here
    marked = browser.get(here).text
    for event_id in ticked:
        entry = re.search(rf'data-event-id="{event_id}">.*?</li>', marked, re.S)
        assert entry and f"In chronology {title}" in entry.group(0), event_id
    chronology_id = re.search(r'<option value="(ch-[0-9a-f]+)"[^>]*>' + title, marked)
    assert chronology_id, "the new chronology is offered"
    form |= {"chronology_id": chronology_id.group(1), "title": ""}
    twice = browser.post("/chronologies/collect", data=form, follow_redirects=False)
    assert twice.status_code == 303
    facts = browser.get(f"/api/chronologies/{chronology_id.group(1)}").json()["facts"]
    assert sorted(f["origin"] for f in facts) == sorted(f"event:{i}" for i in ticked)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "timeline"])
def test_the_form_returns_only_to_a_page_of_this_site(browser, target: str) -> None:
    events = re.findall(r'name="event_id" value="([^"]+)"', browser.get("/timeline").text)
    csrf = _form_token(browser, {}, "/timeline")
    form = {"csrf": csrf, "title": "Return", "event_id": events[:1], "next": target}
    added = browser.post("/chronologies/collect", data=form, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == "/"


def test_nothing_ticked_is_refused_and_makes_no_chronology(browser) -> None:
    csrf = _form_token(browser, {}, "/timeline")
    before = browser.get("/api/chronologies").json()
    form = {"csrf": csrf, "title": "Empty", "next": "/timeline"}
    refused = browser.post("/chronologies/collect", data=form, follow_redirects=False)
    assert refused.status_code == 400 and "Select at least one" in refused.text
    assert browser.get("/api/chronologies").json() == before


def test_the_form_refuses_without_csrf(browser) -> None:
    events = re.findall(r'name="event_id" value="([^"]+)"', browser.get("/timeline").text)
    form = {"csrf": "forged", "title": "Forged", "event_id": events[:1], "next": "/timeline"}
    refused = browser.post("/chronologies/collect", data=form, follow_redirects=False)
    assert refused.status_code == 400 and "expired" in refused.text, refused.status_code


def _hidden_ids(client: TestClient, tokens, role: Role) -> tuple[str, str]:
    """An event and a record only roles above `role` may see."""
    admin = tokens[Role.ADMIN]
    above = ABOVE[role].label
    event = _events(client, admin, confidentiality=above, size=1)[0]
    return event["event_id"], event["record_id"]


def _answer(response) -> tuple[int, str]:
    return response.status_code, response.text


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_an_id_above_the_callers_level_is_refused_like_an_unknown_one(
    client, tokens, role: Role
) -> None:
    headers = tokens[role]
    if role is Role.PUBLIC:
        chronology_id = _chronology(client, tokens[Role.ADMIN], "not theirs")
    else:
        chronology_id = _chronology(client, headers, f"leak {role.value}")
    unknown_event, unknown_record = "ev-does-not-exist-0000", "ph-does-not-exist-0000"
    if role in ABOVE:
        hidden_event, hidden_record = _hidden_ids(client, tokens, role)
    else:  # public: anything; admin: nothing is above, so unknown ids twice
        hidden_event, hidden_record = (
            _hidden_ids(client, tokens, Role.INVESTIGATOR)
            if role is Role.PUBLIC
            else (unknown_event, unknown_record)
        )
    for field, hidden, unknown in (
        ("event_ids", hidden_event, unknown_event),
        ("record_ids", hidden_record, unknown_record),
    ):
        seen = _collect(client, headers, chronology_id, **{field: [hidden]})
        made_up = _collect(client, headers, chronology_id, **{field: [unknown]})
        expected = 401 if role is Role.PUBLIC else 404
        assert seen.status_code == made_up.status_code == expected, (seen.text, made_up.text)
        assert seen.text.replace(hidden, "ID") == made_up.text.replace(unknown, "ID")
    if role is not Role.PUBLIC:
        facts = client.get(f"/api/chronologies/{chronology_id}", headers=headers).json()["facts"]
        assert facts == [], "a refused add adds nothing"


def test_the_timeline_and_editor_speak_arabic(browser) -> None:
    """The timeline, the bulk form and the editor in Arabic; event dates written as
    people write them, never `circa:` (record titles are the record pages' concern)."""
    browser.cookies.set("evidence_lang", "ar")
    timeline = browser.get("/timeline?branch=215").text
    assert '<html lang="ar" dir="rtl">' in timeline
    for label in ("الخط الزمني", "أضف المحدَّد إلى التسلسل الزمني…", "الشخص (بأي تهجئة)"):
        assert label in timeline, label
    dates = re.findall(r'<span class="date">([^<]*)</span>', timeline)
    assert dates and not any("circa" in d for d in dates), dates
    assert "Add selected" not in timeline
    csrf = _form_token(browser, {}, "/chronologies")
    made = browser.post(
        "/chronologies", data={"csrf": csrf, "title": "عربي"}, follow_redirects=False
    )
    editor = browser.get(made.headers["location"]).text
    for label in ("أضف واقعة", "التاريخ", "المصادر", "تصدير:"):
        assert label in editor, label


def test_a_record_page_adds_its_record_and_then_says_where_it_is(browser) -> None:
    """Issue 17: "nothing can be added from … a record page"."""
    hit = browser.get("/api/search", params={"type": "testimony", "size": 1}).json()["hits"][0]
    here = f"/records/{hit['stable_id']}?q=detention"
    page = browser.get(here).text
    assert f'name="record_id" value="{hit["stable_id"]}"' in page
    form = {"csrf": _form_token(browser, {}, here), "title": "From a record page"}
    form |= {"record_id": hit["stable_id"], "next": here}
    added = browser.post("/chronologies/collect", data=form, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == here
    assert "In chronology From a record page" in browser.get(here).text


def test_search_results_add_ticked_records_and_mark_them(browser) -> None:
    """Issue 17: "nothing can be added from search results"."""
    here = "/?q=Saydnaya&type=filing"
    page = browser.get(here).text
    assert page.count('form id="collect"') == 1
    ticked = re.findall(r'form="collect" name="record_id" value="([^"]+)"', page)[:2]
    assert len(ticked) == 2, "a checkbox on each result"
    form = {"csrf": _form_token(browser, {}, here), "title": "From search results"}
    form |= {"record_id": ticked, "next": here}
    added = browser.post("/chronologies/collect", data=form, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == here
    marked = browser.get(here).text
    for record_id in ticked:
        card = re.search(rf'data-stable-id="{record_id}">.*?</article>', marked, re.S)
        assert card and "In chronology From search results" in card.group(0), record_id


def test_a_public_reader_gets_no_chronology_form(demo_corpus: Settings, make_client) -> None:
    with make_client(demo_corpus) as web:
        page = web.get("/?q=Saydnaya").text
    assert 'form id="collect"' not in page and 'form="collect"' not in page


def test_an_admin_adds_in_bulk_only_to_their_own_chronologies(client, tokens) -> None:
    """An admin may open a journalist's chronology; adding sealed records to it would show
    the journalist "cites records outside your access", so bulk adds are refused there,
    and the admin's pages offer only the admin's own chronologies."""
    journalist, admin = tokens[Role.JOURNALIST], tokens[Role.ADMIN]
    theirs = _chronology(client, journalist, "The journalist's own")
    sealed = _events(client, admin, confidentiality=Level.SEALED.label, size=1)[0]
    refused = _collect(client, admin, theirs, record_ids=[sealed["record_id"]])
    assert refused.status_code == 404, refused.text
    facts = client.get(f"/api/chronologies/{theirs}", headers=journalist).json()["facts"]
    assert facts == []
    page = client.get("/?q=Saydnaya", headers=admin).text
    assert f'value="{theirs}"' not in page


def test_a_refused_add_leaves_no_new_chronology_behind(browser) -> None:
    csrf = _form_token(browser, {}, "/timeline")
    before = browser.get("/api/chronologies").json()
    form = {"csrf": csrf, "title": "Never made", "event_id": ["ev-nonexistent"], "next": "/"}
    refused = browser.post("/chronologies/collect", data=form, follow_redirects=False)
    assert refused.status_code == 404
    assert browser.get("/api/chronologies").json() == before
