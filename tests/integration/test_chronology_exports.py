"""The chronology's Word and printable exports carry what a court needs: each fact's
note and issues, disputed facts marked and shaded, the header row repeated on each
page of an A4 document, and each source named by the title the reader may read.
Read back with python-docx, against the real node on the SYNTHETIC demo corpus."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from docx import Document
from docx.oxml.ns import qn
from elasticsearch import AsyncElasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from search_api.accounts.store import UserStore
from search_api.app import create_app
from search_api.chronologies.export import read_docx, to_docx, to_html
from search_api.chronologies.models import Chronology, Citation, Fact
from tests.conftest import run_async

PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def lawyer(demo_corpus: Settings) -> dict[str, str]:
    async def make() -> dict[str, str]:
        client = AsyncElasticsearch(demo_corpus.es_url)
        users = UserStore(client, demo_corpus)
        if await users.get("exports-lawyer") is None:
            await users.add("exports-lawyer", Role.INVESTIGATOR, PASSWORD)
        _, token = await users.issue_token("exports-lawyer")
        await client.close()
        return {"Authorization": f"Bearer {token}"}

    return run_async(make())


@pytest.fixture(scope="module")
def client(demo_corpus: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def chronology(client: TestClient, lawyer: dict[str, str]) -> dict:
    """Two facts: a disputed one with a note and issues, and an undisputed one."""
    made = client.post("/api/chronologies", json={"title": "Exports"}, headers=lawyer).json()
    hits = client.get("/api/search", params={"size": 2}, headers=lawyer).json()["hits"]
    version = client.get(f"/api/chronologies/{made['id']}", headers=lawyer).json()["version"]
    for n, (hit, status) in enumerate(zip(hits, ("disputed", "undisputed"), strict=True)):
        fact = {
            "date": f"201{n + 1}-03",
            "text": f"SYNTHETIC fact {n}",
            "citations": [{"stable_id": hit["stable_id"], "page": 2}],
            "status": status,
            "material": "yes",
            "issues": ["transfer", "custody"] if status == "disputed" else [],
            "note": "check the register" if status == "disputed" else None,
        }
        body = client.post(
            f"/api/chronologies/{made['id']}/facts",
            json={"version": version, "fact": fact},
            headers=lawyer,
        ).json()
        version = body["version"]
    return body | {"hits": hits}


def _export(client, lawyer, chronology, fmt: str, language: str = "en"):
    response = client.get(
        f"/api/chronologies/{chronology['id']}/export",
        params={"format": fmt},
        headers=lawyer | {"Accept-Language": language},
    )
    assert response.status_code == 200, response.text
    return response


def test_the_docx_holds_notes_issues_marks_disputes_and_names_sources(
    client, lawyer, chronology
) -> None:
    data = _export(client, lawyer, chronology, "docx").content
    rows = read_docx(data)
    disputed, plain = rows
    assert disputed["Fact"].splitlines() == [
        "SYNTHETIC fact 0",
        "Note: check the register",
        "Issues: transfer; custody",
    ]
    assert disputed["Status"] == "DISPUTED" and plain["Status"] == "undisputed"
    assert disputed["Date"] == "Mar 2011"
    for n, (row, hit) in enumerate(zip(rows, chronology["hits"], strict=True), start=1):
        cited = f"EX-{n:03d}: {hit['title']} ({hit['stable_id']}) p. 2, SHA-256 "
        assert row["Sources"].startswith(cited)

    document = Document(io.BytesIO(data))
    table = document.tables[0]
    header = table.rows[0]._tr.trPr
    assert header is not None and header.find(qn("w:tblHeader")) is not None
    fills = [{shd.get(qn("w:fill")) for shd in row._tr.iter(qn("w:shd"))} for row in table.rows[1:]]
    assert fills[0] and fills[0] != {"auto"} and not fills[1], fills
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_the_printable_export_marks_disputes_on_a4(client, lawyer, chronology) -> None:
    html = _export(client, lawyer, chronology, "html").text
    assert "size: A4" in html
    assert '<tr class="disputed">' in html and "DISPUTED" in html
    assert "Note: check the register" in html and "Issues: transfer; custody" in html
    assert "circa:" not in html
    for hit in chronology["hits"]:
        assert hit["title"] in html


def test_exports_speak_the_readers_language(client, lawyer, chronology) -> None:
    rows = read_docx(_export(client, lawyer, chronology, "docx", "ar").content)
    assert set(rows[0]) == {"الرقم", "التاريخ", "الواقعة", "الحالة", "جوهرية", "المصادر"}
    assert rows[0]["الحالة"] == "متنازع عليها" and rows[0]["الرقم"] == "\u0661"
    html = _export(client, lawyer, chronology, "html", "ar").text
    assert '<html lang="ar" dir="rtl">' in html and "ملاحظة:" in html


def test_a_source_the_reader_cannot_see_is_never_named() -> None:
    """Titles come from the reader's access-checked lookup; a citation without one is
    written as a source they cannot see, in both exports."""
    hidden = Citation(stable_id="ph-hidden-0001", sha256=None, title=None)
    fact = Fact(fact_id="f-1", text="SYNTHETIC", citations=[hidden], status="disputed")
    chronology = Chronology(
        id="ch-x", title="T", owner="o", created="c", updated="u", version="1.1", facts=[fact]
    )
    (row,) = read_docx(to_docx(chronology))
    assert row["Sources"].startswith("a source you cannot see (ph-hidden-0001)")
    assert "a source you cannot see (ph-hidden-0001)" in to_html(chronology)
