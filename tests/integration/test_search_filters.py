"""Issue 17 items 8 and 12: the facility and branch-number filters agree, hospitals are
listed once, and active filters are shown (chips, clear all), never carried silently."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from evidence.settings import Settings
from search_api.app import create_app
from tests.integration.test_search_api import _facet, _search


@pytest.fixture(scope="module")
def client(demo_corpus: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as test_client:
        yield test_client


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


def test_filters_are_chips_that_remove_themselves_never_hidden_fields(client: TestClient) -> None:
    page = client.get("/", params={"q": "wrists", "facility": "branch-215", "date_from": "2012"})
    assert page.status_code == 200
    assert 'type="hidden"' not in page.text.split('<form class="search"')[1].split("</form>")[0]
    assert 'class="chips"' in page.text and "Military Intelligence Branch 215" in page.text
    assert 'href="?q=wrists&amp;date_from=2012"' in page.text, "the facility chip removes it"
    assert 'href="?q=wrists&amp;facility=branch-215"' in page.text, "the date chip removes it"
    assert '<a class="clear-all" href="?q=wrists">' in page.text


def test_a_zero_result_page_with_filters_says_so(client: TestClient) -> None:
    page = client.get(
        "/",
        params={
            "q": "wrists",
            "mode": "keyword",
            "type": "filing",
            "date_from": "1990",
            "date_to": "1990",
        },
    )
    assert page.context["results"].total == 0
    expected = "no results with these filters: record type: filing, from: 1990, to: 1990."
    assert expected in page.text.lower()
    arabic = client.get(
        "/",
        params={"q": "wrists", "mode": "keyword", "type": "filing"},
        headers={"Accept-Language": "ar"},
    )
    assert "لا نتائج مع هذه المرشّحات" in arabic.text and "نوع السجل: " in arabic.text


def test_the_home_page_introduces_the_archive_and_the_help_page_links_examples(
    client: TestClient,
) -> None:
    home = client.get("/")
    assert 'class="intro"' in home.text and 'href="/help"' in home.text
    assert 'class="synthetic-notice"' in home.text and home.context["results"].synthetic > 0
    assert 'placeholder="e.g. 2012"' in home.text and 'value=""' in home.text
    assert 'class="intro"' not in client.get("/", params={"q": "wrists"}).text
    help_page = client.get("/help")
    assert help_page.status_code == 200
    for example in ('href="/?q=%22palestine+branch%22"', 'href="/?q=hospital+-tishreen"'):
        assert example in help_page.text
    assert "كيف تبحث" in client.get("/help", headers={"Accept-Language": "ar"}).text


def test_facets_are_links_not_checkboxes_and_results_come_first(client: TestClient) -> None:
    page = client.get("/", params={"branch": "215"}).text
    assert 'role="checkbox"' not in page and "aria-checked" not in page
    assert 'aria-current="true"' in page
    assert page.index('class="hit"') < page.index('class="facets"')
    assert 'href="#results"' in page
    bars = page.count('class="bar-link" aria-label="')
    assert bars > 2 and page.count("<title>") >= bars
    assert page.count('class="axis"') >= min(bars, 3)
