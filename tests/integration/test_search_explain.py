"""Issue 17 item 9: a hit found through another spelling or script says which name it
matched; the explanation never names what the caller may not read."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from evidence.settings import Settings


@pytest.fixture(scope="module")
def client(demo_corpus: Settings) -> Iterator[TestClient]:
    from search_api.app import create_app

    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_cross_script_name_match_says_what_it_matched(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "أنور رسلان", "size": 50}).json()
    assert body["total"] > 0
    assert all("Anwar Raslan" in hit["matched"] for hit in body["hits"] if "Anwar" in hit["title"])
    assert any(hit["matched"] for hit in body["hits"])
    page = client.get("/", params={"q": "أنور رسلان"})
    assert 'class="matched"' in page.text and "Anwar Raslan" in page.text


def test_a_name_spelled_as_typed_needs_no_explanation(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "Anwar Raslan", "size": 50}).json()
    assert body["total"] > 0
    assert not any(hit["matched"] for hit in body["hits"])


def test_a_snippet_with_a_page_links_to_that_page_of_the_record(client: TestClient) -> None:
    page = client.get("/", params={"q": "Raslan sentenced"})
    hit = next(h for h in page.context["results"].hits if any(s.page for s in h.snippets))
    number = next(s.page for s in hit.snippets if s.page)
    back = "back=%2F%3Fq%3DRaslan%2Bsentenced"
    link = f"/records/{hit.stable_id}?q=Raslan+sentenced&amp;page={number}&amp;{back}#hit"
    assert f'href="{link}"' in page.text


@pytest.mark.parametrize("q", ["raids branch", "فرع المداهمة", "Palestine Branch"])
def test_every_testimony_a_query_finds_has_a_snippet(client: TestClient, q: str) -> None:
    body = client.get(
        "/api/search", params={"q": q, "type": "testimony", "size": 50, "mode": "keyword"}
    ).json()
    assert body["total"] > 0
    for hit in body["hits"]:
        assert hit["snippets"] and hit["snippets"][0]["page"], hit["title"]
