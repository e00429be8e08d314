"""The walking skeleton end to end: Elasticsearch -> API JSON and the HTML page."""

from evidence.settings import Settings
from tests.conftest import ClientFactory


def test_search_returns_hits_from_elasticsearch(
    tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    with make_client(tiny_loaded) as client:
        response = client.get("/api/search", params={"q": "wrists"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    (hit,) = body["hits"]
    assert hit["local_id"] == "T-0001"
    assert hit["title"] == "Photo T-0001 · Military Hospital 601, Mezzeh · 2012-03-14"
    assert hit["synthetic"] is True
    assert hit["stable_id"].startswith("ph-")


def test_arabic_digits_find_ascii_numbers(
    tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    with make_client(tiny_loaded) as client:
        body = client.get("/api/search", params={"q": "٢١٥"}).json()
    assert {hit["local_id"] for hit in body["hits"]} == {"T-0001", "T-0002"}


def test_public_caller_never_sees_a_restricted_record(
    tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    with make_client(tiny_loaded) as client:
        everything = client.get("/api/search").json()
        targeted = client.get("/api/search", params={"q": "tape label forehead"}).json()
    assert everything["total"] == 4
    assert "T-0004" not in str(everything)
    assert targeted == {"q": "tape label forehead", "total": 0, "hits": []}


def test_search_page_renders_results_and_links_its_json(
    tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    with make_client(tiny_loaded) as client:
        response = client.get("/", params={"q": "emaciation"})
    assert response.status_code == 200
    assert response.template.name == "search.html"
    results = response.context["results"]
    assert [hit.local_id for hit in results.hits] == ["T-0003"]
    assert response.context["json_url"].endswith("/api/search?q=emaciation")
    assert "SYNTHETIC" in response.text


def test_oversized_page_is_a_4xx_with_a_message(
    tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    with make_client(tiny_loaded) as client:
        response = client.get("/api/search", params={"size": 5000})
    assert response.status_code == 422
    assert "less than or equal to 100" in response.text


def test_unreachable_elasticsearch_is_a_503_not_a_500(
    settings: Settings, make_client: ClientFactory
) -> None:
    down = settings.model_copy(update={"elasticsearch_url": "http://127.0.0.1:9"})
    with make_client(down) as client:
        api = client.get("/api/search", params={"q": "x"})
        page = client.get("/", params={"q": "x"})
    assert api.status_code == 503
    assert api.json() == {"detail": "Elasticsearch is unreachable; try again shortly."}
    assert page.status_code == 503
    assert "unreachable" in page.text
    assert "Traceback" not in api.text + page.text


def test_missing_index_is_a_503_that_says_what_to_do(
    settings: Settings, es: object, make_client: ClientFactory
) -> None:
    with make_client(settings) as client:
        response = client.get("/api/search")
    assert response.status_code == 503
    assert "python -m indexer load" in response.json()["detail"]
