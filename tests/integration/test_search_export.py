"""Issue 17 item 16 (the search CSV) and item 14 (exports record their rows): the CSV
cites each record fully, reads right in a spreadsheet, and is named after the search."""

import csv
import io
import uuid
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from tests.conftest import bearer_headers


@pytest.fixture(scope="module")
def client(demo_corpus: Settings) -> Iterator[TestClient]:
    from search_api.app import create_app

    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as test_client:
        yield test_client


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_csv_has_branch_body_findings_names_and_absolute_urls(client: TestClient) -> None:
    response = client.get("/api/export", params={"branch": "215", "type": "photo"})
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf"), "a UTF-8 byte-order mark for Excel"
    rows = _rows(response.text)
    assert rows
    for column in ("branch_nos", "body_id", "findings", "facilities", "url"):
        assert column in rows[0]
    assert all("215" in row["branch_nos"].split("; ") for row in rows)
    assert any(row["body_id"] for row in rows) and any(row["findings"] for row in rows)
    assert all(row["url"] == f"http://testserver/records/{row['stable_id']}" for row in rows)
    named = [row["facilities"] for row in rows if row["facilities"]]
    assert named and not any("hospital-" in text or "branch-" in text for text in named)
    assert any("Hospital" in text for text in named)


def test_the_file_is_named_after_the_query_in_ascii_and_in_utf8(client: TestClient) -> None:
    english = client.get("/api/export", params={"q": "Anwar Raslan"})
    disposition = english.headers["content-disposition"]
    assert 'filename="evidence-anwar-raslan-' in disposition and ".csv" in disposition
    arabic = client.get("/api/export", params={"q": "أنور رسلان"})
    disposition = arabic.headers["content-disposition"]
    assert disposition.isascii()
    assert 'filename="evidence-search-' in disposition
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded).startswith("evidence-أنور-رسلان-")


def test_an_export_is_audited_with_the_rows_it_holds(
    client: TestClient, demo_corpus: Settings
) -> None:
    exporter, admin = f"ex{uuid.uuid4().hex[:6]}", f"ad{uuid.uuid4().hex[:6]}"
    headers = bearer_headers(demo_corpus, {exporter: Role.JOURNALIST, admin: Role.ADMIN})
    response = client.get("/api/export", params={"q": "wrists"}, headers=headers[exporter])
    exported = len(_rows(response.text))
    assert exported > 0
    events = client.get(
        "/api/audit", params={"user": exporter, "action": "export"}, headers=headers[admin]
    ).json()["events"]
    assert [event["total"] for event in events] == [exported]


def test_links_follow_the_configured_address_not_the_host_header(demo_corpus: Settings) -> None:
    from search_api.app import create_app

    configured = demo_corpus.model_copy(update={"public_url": "https://archive.example"})
    with TestClient(create_app(configured)) as client:
        response = client.get(
            "/api/export", params={"branch": "215", "size": 5}, headers={"Host": "evil.example"}
        )
    rows = _rows(response.text)
    assert rows and all(r["url"].startswith("https://archive.example/records/") for r in rows)
