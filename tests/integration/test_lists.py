"""List search on the SYNTHETIC demo corpus: a 2,000-row roster of names in both scripts,
numbers, bad rows and entries only higher roles can match, run as each signed-in role.
Every entry's total is the one a single keyword search gives that role."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from evidence.access import Role
from evidence.settings import Settings
from indexer.demo.names import FAMILY, FEMALE, MALE
from search_api.app import create_app
from tests.conftest import role_headers, run_jobs
from tests.integration.test_leaks_lists import all_results

BAD_ROWS = {7: "kind", 400: "entry", 1999: "date_from"}
SAMPLE = 120


def _roster() -> tuple[str, list[str]]:
    """A CSV of 2,000 rows (plus its header) and the entries that should run, in order."""
    arabic = [f"{given} {family}" for given, _ in MALE + FEMALE for family, _ in FAMILY]
    latin = [
        f"{given} {family}"
        for _, givens in MALE + FEMALE
        for _, families in FAMILY
        for given in givens
        for family in families
    ]
    names = [name for pair in zip(arabic, latin, strict=False) for name in pair] + latin[580:]
    others = ["215", "227", "Branch 215", "saydnaya", '"military hospital"', "Z-1", "Z-2"]
    rows: list[list[str]] = []
    entries: list[str] = []
    for line in range(2, 2002):
        if line in BAD_ROWS:
            field = BAD_ROWS[line]
            row = {
                "kind": ["Rami", "robot", ""],
                "entry": ["", "person", ""],
                "date_from": ["Rami", "", "2012-13"],
            }[field]
            rows.append(row)
            continue
        text = others.pop() if others and line % 97 == 0 else names[line]
        rows.append([text, "", ""])
        entries.append(text)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["entry", "kind", "date_from"])
    writer.writerows(rows)
    return out.getvalue(), entries


@pytest.fixture(scope="module")
def demo_lists(demo_corpus: Settings, redis_db: str) -> Iterator[tuple[TestClient, Any, Settings]]:
    settings = demo_corpus.model_copy(update={"redis_url": redis_db})
    headers = role_headers(settings, suffix="-lists")  # the demo corpus is shared
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, headers, settings


def _run(client: TestClient, settings: Settings, headers: dict[str, str], data: str) -> str:
    files = {"file": ("roster.csv", data.encode("utf-8-sig"), "text/csv")}
    sent = client.post("/api/list-searches", files=files, data={"name": "Roster"}, headers=headers)
    assert sent.status_code == 202, sent.text
    run_jobs(settings)
    return str(sent.json()["id"])


def test_a_2000_row_roster_gives_each_role_its_own_single_search_totals(demo_lists) -> None:
    client, headers, settings = demo_lists
    data, entries = _roster()
    totals: dict[Role, list[int]] = {}
    for role in (Role.JOURNALIST, Role.INVESTIGATOR):
        list_id = _run(client, settings, headers[role], data)
        status = client.get(f"/api/list-searches/{list_id}", headers=headers[role]).json()
        assert status["status"] == "done"
        assert (status["rows"], status["entries"], status["done"]) == (2000, 1997, 1997)
        assert {(p["line"], p["field"]) for p in status["problems"]} == set(BAD_ROWS.items())
        results = all_results(client, list_id, headers[role], size=500)  # the API's largest
        assert [r["text"] for r in results] == entries
        picked = random.Random(7).sample(results, SAMPLE)
        picked += [r for r in results if r["kind"] != "person"]
        for result in picked:
            single = client.get(
                "/api/search" + result["search"].removeprefix("/"), headers=headers[role]
            ).json()
            assert result["total"] == single["total"], (role, result["text"])
            top = {h["stable_id"] for h in single["hits"][: len(result["top"])]}
            assert {t["stable_id"] for t in result["top"]} == top, (role, result["text"])
        totals[role] = [r["total"] for r in results]
        across = [r for r in results if any(t["matched"] for t in r["top"])]
        assert across, "no entry matched a name in another spelling or script"
        assert any(r["shared_keys"] for r in results)
        _exports_read_back(client, list_id, headers[role], results)
    journalist, investigator = totals[Role.JOURNALIST], totals[Role.INVESTIGATOR]
    assert all(j <= i for j, i in zip(journalist, investigator, strict=True))
    hidden_only = [
        e for e, j, i in zip(entries, journalist, investigator, strict=True) if i > j == 0
    ]
    assert hidden_only, "no entry matches only what a journalist may not see"


def _exports_read_back(
    client: TestClient, list_id: str, headers: dict[str, str], results: list[dict[str, Any]]
) -> None:
    exported = client.get(f"/api/list-searches/{list_id}/export?format=csv", headers=headers)
    assert exported.status_code == 200
    assert exported.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert table[0][:5] == ["line", "id", "kind", "entry", "total"]
    assert [(int(r[0]), r[3], int(r[4])) for r in table[1:]] == [
        (r["line"], r["text"], r["total"]) for r in results
    ]
    workbook = client.get(f"/api/list-searches/{list_id}/export?format=xlsx", headers=headers)
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [
        (r["line"], r["text"], r["total"]) for r in results
    ]


def test_a_list_with_no_runnable_row_is_refused_with_its_lines(demo_lists) -> None:
    client, headers, _ = demo_lists
    refused = client.post(
        "/api/list-searches",
        files={"file": ("r.csv", b"entry,kind\n,person\nRami,robot\n", "text/csv")},
        headers=headers[Role.JOURNALIST],
    )
    assert refused.status_code == 400
    assert "line 2, entry" in refused.json()["detail"]
    assert "line 3, kind" in refused.json()["detail"]
    page = client.post("/lists", data={"text": "", "csrf": "x"}, headers=headers[Role.JOURNALIST])
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")


def test_a_cancelled_list_stops_and_says_so(demo_lists) -> None:
    client, headers, settings = demo_lists
    owner = headers[Role.JOURNALIST]
    sent = client.post("/api/list-searches", data={"text": "Rami\n215\n"}, headers=owner)
    list_id = sent.json()["id"]
    cancelled = client.post(f"/api/list-searches/{list_id}/cancel", headers=owner).json()
    assert (cancelled["status"], cancelled["cancel_requested"]) == ("queued", True)
    run_jobs(settings)
    status = client.get(f"/api/list-searches/{list_id}", headers=owner).json()
    assert (status["status"], status["done"]) == ("cancelled", 0)
    again = client.post(f"/api/list-searches/{list_id}/cancel", headers=owner).json()
    assert again["status"] == "cancelled"


def test_an_admin_cancels_and_retries_a_waiting_list_and_its_page_follows(demo_lists) -> None:
    client, headers, settings = demo_lists
    owner, admin = headers[Role.JOURNALIST], headers[Role.ADMIN]
    list_id = client.post("/api/list-searches", data={"text": "Rami"}, headers=owner).json()["id"]
    assert client.post(f"/api/admin/jobs/{list_id}/cancel", headers=admin).status_code == 200
    status = client.get(f"/api/list-searches/{list_id}", headers=owner).json()
    assert status["status"] == "cancelled"
    assert client.post(f"/api/admin/jobs/{list_id}/retry", headers=admin).status_code == 202
    assert client.get(f"/api/list-searches/{list_id}", headers=owner).json()["status"] == "queued"
    run_jobs(settings)
    status = client.get(f"/api/list-searches/{list_id}", headers=owner).json()
    assert (status["status"], status["done"]) == ("done", 1)
