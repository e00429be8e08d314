"""Issue 17 items 8 and 12: the facility and branch-number filters agree, hospitals are
listed once, and active filters are shown (chips, clear all), never carried silently."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from evidence.settings import Settings


@pytest.fixture(scope="module")
def client(demo_corpus: Settings) -> Iterator[TestClient]:
    from search_api.app import create_app

    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as test_client:
        yield test_client


def _search(client: TestClient, **params: object) -> dict:
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _facet(body: dict, name: str) -> dict[str, dict]:
    facet = next((f for f in body["facets"] if f["name"] == name), {"values": []})
    return {v["value"]: v for v in facet["values"]}


def _ids(body: dict) -> set[str]:
    return {hit["stable_id"] for hit in body["hits"]}


def test_the_facility_branch_215_and_branch_number_215_select_the_same_records(
    client: TestClient,
) -> None:
    narrow = {"type": "photo", "date_from": "2013", "date_to": "2013", "size": 100}
    by_facility = _search(client, facility="branch-215", **narrow)
    by_number = _search(client, branch="215", **narrow)
    assert by_number["total"] > 0
    assert by_facility["total"] == by_number["total"]
    assert _ids(by_facility) == _ids(by_number)
    # Written as a reader would, too.
    assert _search(client, facility="Branch 215", **narrow)["total"] == by_number["total"]


def test_the_facility_facet_counts_a_branch_as_its_number_does(client: TestClient) -> None:
    everything = _search(client, size=1)
    facilities, numbers = _facet(everything, "facility"), _facet(everything, "branch")
    assert facilities["branch-215"]["count"] == numbers["215"]["count"]
    selected = _search(client, facility="branch-215", size=1)
    assert selected["total"] == numbers["215"]["count"]


def test_hospitals_are_listed_under_hospital_only(client: TestClient) -> None:
    everything = _search(client, size=1)
    assert "hospital-tishreen" in _facet(everything, "hospital")
    assert not any(value.startswith("hospital-") for value in _facet(everything, "facility"))
