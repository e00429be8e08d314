"""Facility pages (issue 24): every count is the search's own, for every facility and
role; the cases are those whose filings cite the facility's records; unknown is 404."""

from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.gazetteer import load_gazetteer
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import role_headers

ROLES = (Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR)


@pytest.fixture(scope="module")
def site(demo_corpus: Settings) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    headers = role_headers(demo_corpus, suffix="-facilities")
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as client:
        yield client, headers


def _filter(facility_id: str) -> str:
    kind = load_gazetteer().facilities[facility_id].kind
    return "hospital" if kind == "hospital" else "facility"


def _total(client: TestClient, headers: dict[str, str], **params: str) -> int:
    response = client.get("/api/search", params={"size": 1, **params}, headers=headers)
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_every_facility_counts_what_its_search_finds(site, role: Role) -> None:
    client, headers = site
    index = client.get("/api/facilities", headers=headers[role])
    assert index.status_code == 200, index.text
    rows = index.json()["facilities"]
    assert [row["facility"]["id"] for row in rows] == list(load_gazetteer().facilities)
    assert sum(row["records"] for row in rows) > 0
    for row in rows:
        facility_id = row["facility"]["id"]
        expected = _total(client, headers[role], **{_filter(facility_id): facility_id})
        assert row["records"] == expected, (role, facility_id)
        assert row["search"] == f"?{_filter(facility_id)}={facility_id}"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_a_facility_page_s_counts_are_the_search_s(site, role: Role) -> None:
    client, headers = site
    for facility_id in ("branch-215", "saydnaya", "hospital-601"):
        response = client.get(f"/api/facilities/{facility_id}", headers=headers[role])
        assert response.status_code == 200, response.text
        page = response.json()
        where = {_filter(facility_id): facility_id}
        assert page["total"] == _total(client, headers[role], **where)
        assert sum(v["count"] for v in page["types"]) == page["total"]
        for value in page["collections"]:
            found = _total(client, headers[role], collection=value["value"], **where)
            assert value["count"] == found, (facility_id, value)
        histogram = page["histogram"]
        assert sum(b["count"] for b in histogram["buckets"]) + histogram["undated"] == page["total"]
        # Each person named with it counts the records the search finds for the facility
        # and their spellings; the search's Person facet finds persons when they do.
        search = client.get("/api/search", params=where, headers=headers[role]).json()
        facet = next((f["values"] for f in search["facets"] if f["name"] == "person"), [])
        assert bool(page["persons"]) == bool(facet)
        for person in page["persons"]:
            names = [spelling["name"] for spelling in person["spellings"]]
            found = client.get(
                "/api/search", params={"size": 1, "person": names, **where}, headers=headers[role]
            ).json()
            assert person["records"] == found["total"], person


def test_cases_are_those_whose_filings_cite_the_facility_s_records(
    site, demo_corpus: Settings
) -> None:
    """Worked out again from the index directly, as an investigator may see it."""
    client, headers = site
    es = Elasticsearch(demo_corpus.es_url)
    prefix = demo_corpus.index_prefix
    visible = f"{prefix}-records-public,{prefix}-records-restricted,{prefix}-records-confidential"
    filings = es.search(
        index=visible,
        query={"term": {"record_type": "filing"}},
        size=1000,
        _source=["case_no", "cites_ids"],
    )["hits"]["hits"]
    checked = 0
    for facility_id in ("branch-215", "saydnaya", "hospital-601", "branch-235"):
        field = "hospitals" if _filter(facility_id) == "hospital" else "facilities"
        facility = load_gazetteer().facilities[facility_id]
        where = (
            {"term": {"branch_nos": facility.branch_no}}
            if facility.branch_no
            else {"term": {field: facility_id}}
        )
        expected: dict[str, set[str]] = {}
        for filing in filings:
            cited = filing["_source"].get("cites_ids", [])
            case_no = filing["_source"].get("case_no")
            if not cited or not case_no:
                continue
            here = es.search(
                index=visible,
                query={"bool": {"filter": [{"ids": {"values": cited}}, where]}},
                size=len(cited),
                _source=False,
            )["hits"]["hits"]
            if here:
                expected.setdefault(case_no, set()).update(hit["_id"] for hit in here)
        page = client.get(
            f"/api/facilities/{facility_id}", headers=headers[Role.INVESTIGATOR]
        ).json()
        shown = {case["case_no"]: case["cited"] for case in page["cases"]}
        assert shown == {case_no: len(ids) for case_no, ids in expected.items()}, facility_id
        checked += len(shown)
    es.close()
    assert checked > 0, "the demo's filings cite records from these facilities"


def test_an_unknown_facility_is_a_404_page_and_a_404_answer(site) -> None:
    client, _ = site
    answer = client.get("/api/facilities/branch-999")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "No facility branch-999."
    page = client.get("/facilities/branch-999")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"] and "No facility branch-999." in page.text


def test_the_pages_name_the_facility_in_the_reader_s_language(site) -> None:
    client, _ = site
    english = client.get("/facilities/branch-215")
    assert english.status_code == 200
    assert '<h1 dir="auto">Military Intelligence Branch 215 (Raids Branch), Damascus</h1>' in (
        english.text
    )
    client.cookies.set("evidence_lang", "ar")
    try:
        arabic = client.get("/facilities/branch-215")
        listed = client.get("/facilities")
    finally:
        client.cookies.delete("evidence_lang")
    assert '<h1 dir="auto">فرع المداهمة 215</h1>' in arabic.text
    assert "فرع المداهمة 215" in listed.text and 'href="/facilities/saydnaya"' in listed.text
