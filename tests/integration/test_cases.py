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
