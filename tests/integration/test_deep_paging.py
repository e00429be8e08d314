"""No 10,000-result ceiling: paging and exporting past it on the caesar-scale photos."""

import csv
import io
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import demo_indices

CAESAR_PHOTOS = 53_275


@pytest.fixture(scope="module")
def caesar_client(
    base_settings: Settings, es_node: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The caesar-scale Caesar bundle (53,275 SYNTHETIC photos), loaded once."""
    root = tmp_path_factory.mktemp("caesar")
    # Paging is what is tested, not meaning: without vectors the load takes a third.
    words_only = base_settings.model_copy(update={"vectors": False})
    with demo_indices(words_only, root, "caesar", ("caesar",)) as settings:
        es = Elasticsearch(settings.es_url)
        assert es.count(index=f"{settings.index_prefix}-photo")["count"] == CAESAR_PHOTOS
        es.close()
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client


def test_cursor_pages_run_past_result_10000(caesar_client: TestClient) -> None:
    params: dict[str, object] = {"size": 100, "sort": "date_asc"}
    seen: set[str] = set()
    last_date = ""
    visible = caesar_client.get("/api/search", params={"size": 1}).json()["total"]
    assert 10_300 < visible < CAESAR_PHOTOS, "the public sees the public share only"
    while len(seen) < 10_300:
        body = caesar_client.get("/api/search", params=params).json()
        assert body["total"] == visible
        assert body["offset"] == len(seen)
        for hit in body["hits"]:
            assert hit["stable_id"] not in seen
            seen.add(hit["stable_id"])
            if hit["date"]:
                assert hit["date"]["earliest"] >= last_date
                last_date = hit["date"]["earliest"]
        params["cursor"] = body["next_cursor"]
    assert len(seen) >= 10_300


def test_export_returns_every_record_past_10000(caesar_client: TestClient) -> None:
    visible = caesar_client.get("/api/search", params={"size": 1}).json()["total"]
    response = caesar_client.get("/api/export", params={"type": "photo"})
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert len(rows) == len({row["stable_id"] for row in rows}) == visible > 10_000
    assert {row["confidentiality"] for row in rows} == {"public"}
