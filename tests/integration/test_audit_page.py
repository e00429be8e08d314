"""The audit page answers "who exported what": actions chosen from a list, a date range,
the blank fields a form sends, and the page in Arabic. Leaks: admins only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from evidence.access import Role
from evidence.indices import audit_index, plain_index_body
from evidence.settings import Settings
from search_api.audit import ACTIONS
from tests.conftest import ClientFactory, role_headers


def _event(at: str, action: str, q: str, **more: Any) -> dict[str, Any]:
    return {
        "at": at,
        "user": "witness",
        "role": "journalist",
        "action": action,
        "outcome": "ok",
        "client": "127.0.0.1",
        "params": "{}",
        "q": q,
        "record_ids": [],
        "total": None,
    } | more


@pytest.fixture
def logged(settings: Settings, es: Elasticsearch) -> dict[Role, dict[str, str]]:
    """Events on three days, of two actions; headers for every role."""
    index = audit_index(settings.index_prefix)
    es.indices.create(index=index, **plain_index_body("audit"))
    events = [
        _event("2024-05-01T23:59:59.999+00:00", "export", "day-one-export"),
        _event("2024-05-02T00:00:00.000+00:00", "export", "day-two-export", total=49),
        _event(
            "2024-05-02T12:00:00.000+00:00", "search", "day-two-search", record_ids=["a"], total=7
        ),
        _event("2024-05-03T00:00:00.000+00:00", "export", "day-three-export"),
    ]
    operations: list[dict[str, Any]] = []
    for event in events:
        operations += [{"create": {"_index": index}}, event]
    assert not es.bulk(operations=operations, refresh=True)["errors"]
    return role_headers(settings)


def _markers(text: str) -> list[str]:
    return sorted(set(re.findall(r"day-\w+-\w+", text)))


def test_actions_are_chosen_from_the_list_of_actions_the_code_writes(
    settings: Settings, logged: dict[Role, dict[str, str]], make_client: ClientFactory
) -> None:
    with make_client(settings) as client:
        page = client.get("/audit", headers=logged[Role.ADMIN])
        chosen = client.get("/audit?action=export", headers=logged[Role.ADMIN])
        unknown = client.get("/api/audit?action=exports", headers=logged[Role.ADMIN])
    assert page.status_code == 200
    select = re.search(r'<select name="action">(.*?)</select>', page.text, re.S)
    assert select, "the action is a list, not a text box"
    assert re.findall(r'<option value="([^"]*)"', select.group(1)) == ["", *ACTIONS]
    assert '<input name="action"' not in page.text
    assert '<option value="export" selected>Export of search results</option>' in chosen.text
    assert _markers(chosen.text) == ["day-one-export", "day-three-export", "day-two-export"]
    assert unknown.status_code == 400 and "action" in unknown.json()["detail"]


def test_a_date_range_keeps_whole_days_and_blank_fields_filter_nothing(
    settings: Settings, logged: dict[Role, dict[str, str]], make_client: ClientFactory
) -> None:
    admin = logged[Role.ADMIN]
    blank = "action=&user=&since=&until=&record=&client="
    with make_client(settings) as client:
        day_two = client.get("/api/audit?since=2024-05-02&until=2024-05-02", headers=admin)
        from_two = client.get("/audit?since=2024-05-02&action=export", headers=admin)
        everything = client.get(f"/audit?{blank}", headers=admin)
        backwards = client.get("/audit?since=2024-05-03&until=2024-05-01", headers=admin)
    assert day_two.status_code == 200, day_two.text
    assert sorted(e["q"] for e in day_two.json()["events"]) == ["day-two-export", "day-two-search"]
    assert _markers(from_two.text) == ["day-three-export", "day-two-export"]
    assert 'name="since" type="date" value="2024-05-02"' in from_two.text
    assert everything.status_code == 200
    assert len(_markers(everything.text)) == 4
    assert backwards.status_code == 400
    assert "The end date is before the start date." in backwards.text


def test_the_last_possible_day_is_a_range_not_a_crash(
    settings: Settings, logged: dict[Role, dict[str, str]], make_client: ClientFactory
) -> None:
    with make_client(settings) as client:
        page = client.get("/audit?since=2024-05-02&until=9999-12-31", headers=logged[Role.ADMIN])
    assert page.status_code == 200
    assert len(_markers(page.text)) == 3


def test_the_records_column_says_what_an_event_counted(
    settings: Settings, logged: dict[Role, dict[str, str]], make_client: ClientFactory
) -> None:
    """A search shows the ids it returned out of its total, an export the rows it counted,
    and an event that counted nothing a dash, never a misleading 0."""
    with make_client(settings) as client:
        text = client.get("/audit", headers=logged[Role.ADMIN]).text
    rows = {q: row for row in text.split("<tr>") for q in _markers(row)}
    assert 'data-label="Records">49</td>' in rows["day-two-export"]
    assert 'data-label="Records">1 of 7</td>' in rows["day-two-search"]
    assert 'data-label="Records">—</td>' in rows["day-three-export"]


def test_the_audit_page_reads_in_arabic(
    settings: Settings, logged: dict[Role, dict[str, str]], make_client: ClientFactory
) -> None:
    with make_client(settings) as client:
        client.cookies.set("evidence_lang", "ar")
        text = client.get("/audit?action=export", headers=logged[Role.ADMIN]).text
    assert '<html lang="ar" dir="rtl">' in text
    assert "<h1>سجل التدقيق</h1>" in text
    assert '<option value="export" selected>تصدير نتائج البحث</option>' in text
    assert "٤٩" in text  # the total, in the reader's digits
    for english in ("Who", "Outcome", "Filter", "Older events", "When (UTC)"):
        assert f">{english}<" not in text


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR])
def test_only_admins_read_the_log_whatever_the_filters(
    settings: Settings,
    logged: dict[Role, dict[str, str]],
    make_client: ClientFactory,
    role: Role,
) -> None:
    query = "?action=export&since=2024-05-01&until=2024-05-03"
    with make_client(settings) as client:
        api = client.get("/api/audit" + query, headers=logged[role])
        page = client.get("/audit" + query, headers=logged[role])
    assert api.status_code in (401, 403) and page.status_code in (401, 403)
    for answer in (api.text, page.text):
        assert "day-" not in answer and "witness" not in answer
