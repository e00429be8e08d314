"""Case pages (issue 24): a case's filings in date order with its defendants, courts
and cited records, as the reader may see them; an unknown case is a 404."""

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import role_headers


@pytest.fixture(scope="module")
def site(demo_corpus: Settings) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    headers = role_headers(demo_corpus, suffix="-cases")
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as client:
        yield client, headers


def _filings(settings: Settings, role: Role) -> dict[str, list[dict]]:
    """Each case's filings a role may see, read from the index directly."""
    levels = [level.label for level in Level if level <= role.ceiling]
    index = ",".join(f"{settings.index_prefix}-records-{level}" for level in levels)
    with Elasticsearch(settings.es_url) as es:
        hits = es.search(
            index=index,
            query={"bool": {"filter": [{"term": {"record_type": "filing"}}]}},
            size=1000,
            _source=["case_no", "cites_ids", "defendants"],
            ignore_unavailable=True,
        )["hits"]["hits"]
    cases: dict[str, list[dict]] = {}
    for hit in hits:
        if case_no := hit["_source"].get("case_no"):
            cases.setdefault(case_no, []).append(hit)
    return cases


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.INVESTIGATOR], ids=lambda r: r.value)
def test_a_case_page_holds_its_filings_in_date_order_and_what_they_cite(
    site, demo_corpus: Settings, role: Role
) -> None:
    client, headers = site
    cases = _filings(demo_corpus, role)
    case_no, filings = max(cases.items(), key=lambda item: (len(item[1]), item[0]))
    assert "/" in case_no, "demo case numbers are written as courts do, 1 StE 9/19"
    response = client.get(f"/api/cases/{quote(case_no)}", headers=headers[role])
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["case_no"] == case_no
    assert sorted(f["stable_id"] for f in page["filings"]) == sorted(h["_id"] for h in filings)
    dates = [f["date"]["earliest"] for f in page["filings"] if f["date"]]
    assert dates == sorted(dates)
    cited = {ref for hit in filings for ref in hit["_source"].get("cites_ids", [])}
    assert {r["stable_id"] for r in page["cited"]} <= cited
    defendants = {name for hit in filings for name in hit["_source"].get("defendants", [])}
    assert {d["name"] for d in page["defendants"]} == defendants
    html = client.get(f"/cases/{quote(case_no)}", headers=headers[role])
    assert html.status_code == 200 and all(f["stable_id"] in html.text for f in page["filings"])


def test_an_unknown_case_is_a_404_page_and_a_404_answer(site) -> None:
    client, _ = site
    answer = client.get("/api/cases/SYN-0%20StE%200/00")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "No case SYN-0 StE 0/00."
    page = client.get("/cases/SYN-0%20StE%200/00")
    assert page.status_code == 404 and "No case SYN-0 StE 0/00." in page.text


def test_a_cited_record_shows_its_exhibit_number_in_the_reader_s_own_chronologies(
    site, demo_corpus: Settings
) -> None:
    """A lawyer's package numbers a record EX-001: their case page says so beside the
    record, linked to the chronology; another user's page (an admin's too, who may open
    every chronology) and a visitor's say nothing."""
    client, headers = site
    lawyer = headers[Role.JOURNALIST]
    case_no = max(_filings(demo_corpus, Role.JOURNALIST).items(), key=lambda c: len(c[1]))[0]
    path = f"/api/cases/{quote(case_no)}"
    cited = client.get(path, headers=lawyer).json()["cited"]
    assert cited and all(record["exhibits"] == [] for record in cited)
    record = cited[-1]["stable_id"]
    made = client.post(
        "/api/chronologies", json={"title": "Case file (SYNTHETIC)"}, headers=lawyer
    ).json()
    base = f"/api/chronologies/{made['id']}"
    version = client.get(base, headers=lawyer).json()["version"]
    fact = {"date": "2012", "text": "SYNTHETIC fact.", "citations": [{"stable_id": record}]}
    added = client.post(f"{base}/facts", json={"version": version, "fact": fact}, headers=lawyer)
    assert added.status_code == 200, added.text
    numbered = client.post(f"{base}/exhibits/renumber", headers=lawyer)
    assert numbered.status_code == 200, numbered.text
    (label,) = [e["label"] for e in numbered.json()["exhibits"] if e["stable_id"] == record]
    page = client.get(path, headers=lawyer).json()
    shown = {r["stable_id"]: r["exhibits"] for r in page["cited"]}
    assert shown[record] == [
        {"label": label, "chronology_id": made["id"], "chronology_title": "Case file (SYNTHETIC)"}
    ]
    assert all(found == [] for stable_id, found in shown.items() if stable_id != record)
    html = client.get(f"/cases/{quote(case_no)}", headers=lawyer).text
    assert f'<a href="/chronologies/{made["id"]}#exhibits">{label}</a>' in html
    for other in (Role.INVESTIGATOR, Role.ADMIN, Role.PUBLIC):
        theirs = client.get(path, headers=headers[other]).json()
        assert all(r["exhibits"] == [] for r in theirs["cited"]), other
        assert (
            "Case file" not in client.get(f"/cases/{quote(case_no)}", headers=headers[other]).text
        )
    gone = client.delete(base, headers=lawyer, params={"version": numbered.json()["version"]})
    assert gone.status_code == 204, gone.text
