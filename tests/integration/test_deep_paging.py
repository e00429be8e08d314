"""No 10,000-result ceiling: paging and exporting past it, as an investigator (who sees
every level but sealed) and as the public (who sees the public share only)."""

import csv
import io
import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from indexer.load import LoadOptions, load_bundle
from search_api.app import create_app
from tests.conftest import caesar_like_bundle, role_headers

# Past 10,000 for an investigator, with a margin for the sealed share; a fifth of the
# caesar scale, which took three minutes of a CI run to load for this file alone.
PHOTOS = 11_000


@pytest.fixture(scope="module")
def paging(
    base_settings: Settings, es_node: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The bundle loaded once, words only (paging is tested, not meaning), and a client
    with an investigator's headers."""
    unique = {"index_prefix": f"p{uuid.uuid4().hex[:12]}", "vectors": False}
    settings = base_settings.model_copy(update=unique)
    es = Elasticsearch(settings.es_url, request_timeout=120)
    try:
        bundle = caesar_like_bundle(tmp_path_factory.mktemp("paging"), PHOTOS)
        report = load_bundle(
            es, settings.index_prefix, bundle, options=LoadOptions.from_settings(settings)
        )
        assert report.rejections == []
        assert es.count(index=f"{settings.index_prefix}-photo")["count"] == PHOTOS
        investigator = role_headers(settings)[Role.INVESTIGATOR]
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, investigator
    finally:
        names = es.indices.get(index=f"{settings.index_prefix}-*")
        if names:
            es.indices.delete(index=",".join(names))
        es.close()


def _total(client: TestClient, headers: dict[str, str]) -> int:
    total: int = client.get("/api/search", params={"size": 1}, headers=headers).json()["total"]
    return total


def test_cursor_pages_run_past_result_10000(paging: tuple[TestClient, dict[str, str]]) -> None:
    client, investigator = paging
    params: dict[str, object] = {"size": 100, "sort": "date_asc"}
    seen: set[str] = set()
    last_date = ""
    visible = _total(client, investigator)
    assert 10_300 < visible < PHOTOS, "an investigator sees every level but sealed"
    while len(seen) < 10_300:
        body = client.get("/api/search", params=params, headers=investigator).json()
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


def test_export_returns_every_record_past_10000_and_the_public_share_to_the_public(
    paging: tuple[TestClient, dict[str, str]],
) -> None:
    client, investigator = paging
    for headers, levels in (
        (investigator, {"public", "restricted", "confidential"}),
        ({}, {"public"}),
    ):
        visible = _total(client, headers)
        response = client.get("/api/export", params={"type": "photo"}, headers=headers)
        rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
        assert len(rows) == len({row["stable_id"] for row in rows}) == visible
        assert {row["confidentiality"] for row in rows} == levels
    assert _total(client, investigator) > 10_000 > _total(client, {})
