"""The record page on the demo corpus: no internals on show for any record type, Arabic
transcripts right to left with the withheld marker in Arabic, a document one page at a
time where a snippet's link lands (`/records/{id}?q=…&page=n#hit`), and a way back to
the results only to a path on this site."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import role_headers

Site = tuple[TestClient, dict[Role, dict[str, str]]]
_TAG = re.compile(r"<[^>]+>")
# What a stored value or an internal field looks like when it reaches a page raw.
_SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.fixture(scope="module")
def site(demo_corpus: Settings) -> Iterator[Site]:
    headers = role_headers(demo_corpus, suffix="-record")  # the demo corpus is shared
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as client:
        yield client, headers


def _visible(html: str) -> str:
    body = html[html.index("<article") : html.index("</article>")]
    return _TAG.sub(" ", body)


def _first(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, object]:
    found = client.get("/api/search", params={"size": "100", **params}, headers=headers)
    assert found.status_code == 200, found.text
    hits: list[dict[str, object]] = found.json()["hits"]
    assert hits, params
    return hits[0]


def _examples(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    """A record of each type: a graphic photo with its image and EXIF, a circa-dated
    photo, an Arabic testimony, and a filing of several pages."""
    photos = client.get(
        "/api/search", params={"type": "photo", "size": "100"}, headers=headers
    ).json()["hits"]
    with_image = next(h for h in photos if h["has_image"] and h["graphic"])
    circa = next(h for h in photos if h["date"] and h["date"]["approximate"])
    testimony = _first(client, headers, type="testimony", language="ar")
    filings = client.get(
        "/api/search", params={"type": "filing", "size": "100"}, headers=headers
    ).json()["hits"]
    paged = next(
        h["stable_id"]
        for h in filings
        if len(client.get(f"/api/records/{h['stable_id']}", headers=headers).json()["pages"]) > 3
    )
    return {
        "photo": str(with_image["stable_id"]),
        "circa photo": str(circa["stable_id"]),
        "testimony": str(testimony["stable_id"]),
        "filing": paged,
    }


@pytest.mark.parametrize("role", [Role.JOURNALIST, Role.ADMIN], ids=lambda r: r.value)
def test_no_internals_on_the_page_of_any_record_type(site: Site, role: Role) -> None:
    client, headers = site
    for kind, record_id in _examples(client, headers[role]).items():
        record = client.get(f"/api/records/{record_id}", headers=headers[role]).json()
        page = client.get(f"/records/{record_id}", headers=headers[role])
        assert page.status_code == 200, (kind, page.text)
        shown = _visible(page.text)
        assert "circa:" not in page.text, kind
        assert not _SNAKE.findall(shown), (kind, _SNAKE.findall(shown))
        for internal in ("name keys", "event ids", "{'", "':", "withheld':", "mltr"):
            assert internal not in shown, (kind, internal)
        for event_id in record["details"].get("event_ids", []):
            assert event_id not in page.text, kind
        if kind == "photo":
            assert '<dl class="exif">' in page.text
            assert "Camera model" in shown and "pixels" in shown
        if record["details"].get("category") == "death_in_custody":
            assert "Death in custody" in shown


def test_an_arabic_transcript_reads_right_to_left_with_the_marker_in_arabic(site: Site) -> None:
    client, headers = site
    testimonies = client.get(
        "/api/search",
        params={"type": "testimony", "language": "ar", "size": "100"},
        headers=headers[Role.JOURNALIST],
    ).json()["hits"]
    withheld = [
        h["stable_id"]
        for h in testimonies
        if "[withheld]"
        in "".join(
            p["text"]
            for p in client.get(
                f"/api/records/{h['stable_id']}", headers=headers[Role.JOURNALIST]
            ).json()["pages"]
        )
    ]
    assert withheld, "the demo has Arabic transcripts with protected names withheld"
    page = client.get(f"/records/{withheld[0]}", headers=headers[Role.JOURNALIST]).text
    text = page[page.index('class="record-text page-text"') :]
    assert re.search(r'<h3 dir="auto">Testimony [^<]*</h3>', text)
    assert re.search(r'<p dir="auto">[\u0600-\u06ff]', text), "an Arabic paragraph of its own"
    assert "[محجوب]" in text and "[withheld]" not in text.split("</section>")[0]
    assert "# Testimony" not in text
    investigator = client.get(f"/records/{withheld[0]}", headers=headers[Role.INVESTIGATOR]).text
    assert "[محجوب]" not in investigator, "investigators read the names"


def test_a_snippet_link_lands_on_its_page_with_the_hit_marked(site: Site) -> None:
    client, _ = site
    found = client.get(
        "/api/search", params={"q": "chamber", "type": "filing", "size": "50"}
    ).json()["hits"]
    hit, snippet = next((h, s) for h in found for s in h["snippets"] if s["page"] and s["page"] > 1)
    record_id, n = hit["stable_id"], snippet["page"]
    pages = [p["n"] for p in client.get(f"/api/records/{record_id}").json()["pages"]]
    page = client.get(f"/records/{record_id}?q=chamber&page={n}")
    assert page.status_code == 200
    viewer = page.text[page.text.index('<section class="viewer"') :]
    assert f'id="page-{n}"' in page.text
    assert re.search(r'<mark id="hit">[Cc]hamber</mark>', viewer)
    assert viewer.count('id="hit"') == 1
    current = re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', viewer)
    assert current == [f"/records/{record_id}?q=chamber&amp;page={n}#hit"]
    listed = re.findall(r'<li><a href="/records/[^"?]+\?q=chamber&amp;page=(\d+)', viewer)
    assert [int(x) for x in listed] == pages, "a link to every page"
    hits = [
        p["n"]
        for p in client.get(f"/api/records/{record_id}").json()["pages"]
        if "chamber" in p["text"].lower()
    ]
    later = [p for p in hits if p > n]
    if later:
        link = re.search(r'<a rel="next" href="([^"]+)"', viewer)
        assert link and link.group(1) == f"/records/{record_id}?q=chamber&amp;page={later[0]}#hit"
        following = client.get(link.group(1).replace("&amp;", "&").removesuffix("#hit"))
        assert '<mark id="hit">' in following.text
    assert "Previous page" in viewer or n == pages[0]


def test_back_to_results_only_to_a_path_on_this_site(site: Site) -> None:
    client, headers = site
    record_id = _examples(client, headers[Role.PUBLIC])["filing"]
    back = client.get(f"/records/{record_id}", params={"back": "/?q=chamber&type=filing"})
    assert '<a href="/?q=chamber&amp;type=filing">Back to results</a>' in back.text
    paged = re.findall(r'href="(/records/[^"]+page=2[^"]*)"', back.text)
    assert paged and all("back=" in link for link in paged), "the way back is kept"
    for elsewhere in (
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:x",
    ):
        page = client.get(f"/records/{record_id}", params={"back": elsewhere})
        assert page.status_code == 200
        article = page.text[page.text.index("<article") :]
        assert "Back to results" not in article and "evil.example" not in article
    assert "Back to results" not in client.get(f"/records/{record_id}").text


def test_the_page_is_in_arabic_for_an_arabic_reader(site: Site) -> None:
    client, headers = site
    record_id = _examples(client, headers[Role.PUBLIC])["filing"]
    page = client.get(
        f"/records/{record_id}?q=chamber&page=2", headers={"Accept-Language": "ar"}
    ).text
    shown = _visible(page)
    for english in ("Stable id", "Next page", "Document type", "Custody", "Back to search"):
        assert english not in shown, english
    assert "الصفحة ٢ من" in shown and "المعرّف الثابت" in shown


def test_a_name_found_in_another_script_is_marked_where_its_snippet_lands(site: Site) -> None:
    """`أنور رسلان` finds filings that write `Anwar Raslan`: the snippet marks it, and the
    page its link opens must mark it too, or the reader lands on nothing."""
    client, headers = site
    query = "أنور رسلان"
    hits = client.get("/api/search", params={"q": query}, headers=headers[Role.PUBLIC]).json()
    marked = [
        (hit["stable_id"], snippet["page"])
        for hit in hits["hits"]
        for snippet in hit["snippets"]
        if "<mark>" in snippet["html"] and snippet.get("page")
    ]
    assert marked, "a snippet marks the other spelling"
    stable_id, page = marked[0]
    html = client.get(f"/records/{stable_id}", params={"q": query, "page": page}).text
    assert '<mark id="hit">' in html and "Raslan</mark>" in html
