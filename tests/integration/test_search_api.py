"""The search API against the real node on the SYNTHETIC demo corpus."""

import csv
import io
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from evidence.settings import Settings
from tests.conftest import ClientFactory
from tests.integration.test_originals import revealed


@pytest.fixture(scope="module")
def client(demo_corpus: Settings) -> Iterator[TestClient]:
    from search_api.app import create_app

    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as test_client:
        yield test_client


def _search(client: TestClient, **params: object) -> dict:
    """By words unless asked otherwise: these tests are of keyword search."""
    response = client.get("/api/search", params={"mode": "keyword"} | params)
    assert response.status_code == 200, response.text
    return response.json()


def _facet(body: dict, name: str) -> dict[str, dict]:
    facet = next((f for f in body["facets"] if f["name"] == name), {"values": []})
    return {v["value"]: v for v in facet["values"]}


def test_branch_facet_and_a_date_range_find_the_2012_branch_215_photos(client: TestClient) -> None:
    everything = _search(client, size=1)
    count_215 = _facet(everything, "branch")["215"]["count"]
    narrowed = _search(
        client, branch="215", type="photo", date_from="2012", date_to="2012", size=100
    )
    assert 0 < narrowed["total"] < count_215
    for hit in narrowed["hits"]:
        assert "215" in hit["branch_nos"]
        assert hit["date"]["earliest"] <= "2012-12-31" and hit["date"]["latest"] >= "2012-01-01"


def test_facet_counts_are_multi_select(client: TestClient) -> None:
    one = _search(client, collection="caesar", size=1)
    collections = _facet(one, "collection")
    assert collections["caesar"]["selected"] is True
    assert collections["filings"]["count"] > 0, "a facet's own selection must not narrow its counts"
    both = _search(client, collection=["caesar", "filings"], size=1)
    assert both["total"] == collections["caesar"]["count"] + collections["filings"]["count"]
    assert _facet(one, "type").keys() == {"photo"}


def test_a_facility_is_found_by_either_arabic_spelling_or_its_english_name(
    client: TestClient,
) -> None:
    totals = {
        q: _search(client, q=q, facility="hospital-tishreen", size=1)["total"]
        for q in ("مشفى تشرين", "مستشفى تشرين", "Tishreen Military Hospital")
    }
    assert len(set(totals.values())) == 1 and next(iter(totals.values())) > 0, totals


def test_arabic_indic_digits_find_ascii_numbers(client: TestClient) -> None:
    assert (
        _search(client, q="٢١٥", size=1)["total"] == _search(client, q="215", size=1)["total"] > 0
    )


def test_snippets_are_escaped_marked_and_carry_page_numbers(client: TestClient) -> None:
    body = _search(client, q="forensic", type="filing", size=20)
    paged = [s for h in body["hits"] for s in h["snippets"] if s["page"]]
    assert paged, "filing snippets should cite their page"
    assert all("<mark>" in s["html"] for s in paged)
    assert all("<script" not in s["html"] for s in paged)


def test_exclusion_and_phrases_change_the_results(client: TestClient) -> None:
    base = _search(client, q="palestine", size=1)["total"]
    excluded = _search(client, q="palestine -saydnaya", size=1)["total"]
    phrase = _search(client, q='"palestine branch"', size=1)["total"]
    assert base > excluded > 0
    assert 0 < phrase <= base


def test_cursor_pages_never_repeat_and_reach_the_total(client: TestClient) -> None:
    seen: list[str] = []
    params: dict[str, object] = {
        "type": "photo",
        "collection": "atlas",
        "size": 100,
        "sort": "date_asc",
    }
    while True:
        body = _search(client, **params)
        seen += [hit["stable_id"] for hit in body["hits"]]
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    assert len(seen) == len(set(seen)) == body["total"]


def test_a_cursor_from_another_search_is_a_400(client: TestClient) -> None:
    cursor = _search(client, q="branch", size=1)["next_cursor"]
    response = client.get("/api/search", params={"q": "other", "cursor": cursor})
    assert response.status_code == 400
    assert "another search" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"size": 0}, "size"),
        ({"size": "many"}, "size"),
        ({"date_from": "2012-02-30"}, "date_from"),
        ({"sort": "random"}, "sort"),
        ({"unknown": "x"}, "unknown"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_bad_parameters_are_400s_that_name_the_parameter(
    client: TestClient, params: dict, message: str
) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == 400
    assert message in response.json()["detail"].lower()


@pytest.mark.parametrize("q", ['"unclosed', "-", "| |", "***", '-""', "a" * 1000, "((["])
def test_malformed_queries_are_never_500(client: TestClient, q: str) -> None:
    assert client.get("/api/search", params={"q": q}).status_code == 200


def test_record_has_its_links_and_hidden_records_are_404(client: TestClient) -> None:
    photo = _search(client, type="photo", collection="caesar", q="wrists", size=1)["hits"][0]
    record = client.get(f"/api/records/{photo['stable_id']}").json()
    assert record["stable_id"] == photo["stable_id"]
    assert "protected" not in json.dumps(record) or record["protected"] is None
    assert all(link["record_type"] == "photo" for link in record["same_body"])
    filing = _search(client, type="filing", q="forensic", size=1)["hits"][0]
    cited = client.get(f"/api/records/{filing['stable_id']}").json()["cites"]
    for link in cited:
        back = client.get(f"/api/records/{link['stable_id']}").json()["cited_by"]
        assert filing["stable_id"] in {b["stable_id"] for b in back}
    # Atlas is restricted by default: the public sees only the photos marked public.
    atlas = _search(client, collection="atlas", size=100)
    assert 0 < atlas["total"] <= 100
    assert {hit["confidentiality"] for hit in atlas["hits"]} == {"public"}
    assert client.get("/api/records/ph-not-there").status_code == 404


def test_export_streams_every_match_with_citation_fields(client: TestClient) -> None:
    total = _search(client, q="hospital", size=1)["total"]
    response = client.get("/api/export", params={"q": "hospital"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert len(rows) == total
    assert len({row["stable_id"] for row in rows}) == total
    assert all(row["url"].endswith(f"/records/{row['stable_id']}") for row in rows)
    ndjson = client.get("/api/export", params={"q": "hospital", "format": "ndjson"})
    assert len(ndjson.text.splitlines()) == total


def test_graphic_previews_are_blurred_and_originals_untouched(
    client: TestClient, demo_corpus: Settings
) -> None:
    hits = _search(client, type="photo", collection="caesar", size=100)["hits"]
    photo = next(h for h in hits if h["has_image"] and h["graphic"])
    preview = client.get(f"/media/{photo['stable_id']}/preview")
    # A visitor's browser gets a graphic original with the ticket of "Show image".
    ticket = revealed(client, photo["stable_id"])
    original = client.get(f"/media/{photo['stable_id']}/original", params=ticket)
    assert preview.status_code == original.status_code == 200
    import hashlib

    assert hashlib.sha256(original.content).hexdigest() == photo["sha256"]
    assert preview.content != original.content
    from PIL import Image

    assert Image.open(io.BytesIO(preview.content)).mode == "L", "graphic previews are greyscale"
    assert preview.headers["cache-control"] == "private, no-store"


def test_search_page_and_record_page_render(client: TestClient) -> None:
    page = client.get("/", params={"q": "wrists", "branch": "215"})
    assert page.status_code == 200
    assert page.template.name == "search.html"
    results = page.context["results"]
    assert results.total == _search(client, q="wrists", branch="215", size=1)["total"]
    assert page.context["json_url"] == "/api/search?q=wrists&branch=215"
    hit = results.hits[0]
    record = client.get(f"/records/{hit.stable_id}")
    assert record.template.name == "record.html"
    assert "SYNTHETIC record" in record.text
    assert client.get("/records/ph-not-there").status_code == 404


def test_unreachable_elasticsearch_is_503_for_every_endpoint(
    settings: Settings, make_client: ClientFactory
) -> None:
    down = settings.model_copy(update={"elasticsearch_url": "http://127.0.0.1:9"})
    with make_client(down) as client:
        for path in ("/api/search", "/api/records/ph-x", "/api/export", "/", "/records/ph-x"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert "Traceback" not in response.text


def test_openapi_documents_parameters_and_the_error_model(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    search = spec["paths"]["/api/search"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert {"q", "branch", "date_from", "date_to", "sort", "size", "cursor"} <= names
    assert {"400", "503"} <= set(search["responses"])
    assert "ErrorOut" in spec["components"]["schemas"]
