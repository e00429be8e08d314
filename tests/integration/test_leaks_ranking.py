"""The leak suite, ranking: hidden records must not shape what a lower role sees.

Term statistics are per index. When sealed records shared an index with public ones,
loading 40 sealed records that contain "bravo" made "bravo" common, so a public
search for `alpha | bravo` ranked its two public matches the other way round: the
order told a visitor that hidden records about "bravo" exist. Records now live in one
index per level, and callers search only the levels they may see.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.settings import Settings
from indexer.load import load_bundle
from search_api.app import create_app
from tests.conftest import role_headers

QUERY = "alphaterm | bravoterm"


def _filing_bundle(root: Path, collection: str, level: str, texts: dict[str, str]) -> Path:
    (root / "filings").mkdir(parents=True)
    (root / "collection.yaml").write_text(
        f"id: {collection}\ntitle: Ranking probe (SYNTHETIC)\n"
        f"default_confidentiality: {level}\nsynthetic: true\n"
    )
    for local_id, text in texts.items():
        (root / "filings" / f"{local_id}.md").write_text(
            f"---\nfiling_id: {local_id}\ncourt: Probe Court\ndoc_type: order\n"
            f"date_issued: 2020-01-01\n---\n{text}\n"
        )
    return root


@pytest.fixture
def ranked(
    base_settings: Settings, es_node: object, tmp_path: Path
) -> Iterator[tuple[TestClient, Elasticsearch, Settings, dict[Role, dict[str, str]]]]:
    """Public filings where "alphaterm" is common and "bravoterm" rare, so the one
    "bravoterm" filing ranks first; and accounts for every role."""
    settings = base_settings.model_copy(update={"index_prefix": f"r{uuid.uuid4().hex[:12]}"})
    es = Elasticsearch(settings.es_url, request_timeout=60)
    texts = {"F-A": "alphaterm", "F-B": "bravoterm"} | {
        f"F-{n}": f"alphaterm filler number {n}" for n in range(3)
    }
    report = load_bundle(
        es, settings.index_prefix, _filing_bundle(tmp_path / "open", "rank", "public", texts)
    )
    assert report.rejections == []

    headers = role_headers(settings)
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, es, settings, headers
    finally:
        es.indices.delete(index=",".join(es.indices.get(index=f"{settings.index_prefix}-*")))
        es.close()


def _ranking(client: TestClient, headers: dict[str, str]) -> list[str]:
    response = client.get(
        "/api/search", params={"q": QUERY, "sort": "relevance", "size": 50}, headers=headers
    )
    assert response.status_code == 200, response.text
    return [hit["local_id"] for hit in response.json()["hits"]]


@pytest.mark.parametrize("level", ["restricted", "confidential", "sealed"])
def test_ranking_is_the_same_with_and_without_records_above_the_callers_level(
    ranked: tuple[TestClient, Elasticsearch, Settings, dict[Role, dict[str, str]]],
    tmp_path: Path,
    level: str,
) -> None:
    client, es, settings, headers = ranked
    before = {role: _ranking(client, headers[role]) for role in Role}
    assert before[Role.PUBLIC][0] == "F-B", "the rare term ranks its filing first"
    flood = {f"H-{n}": f"bravoterm hidden {n}" for n in range(40)}
    hidden = _filing_bundle(tmp_path / "hidden", "rankhidden", level, flood)
    assert load_bundle(es, settings.index_prefix, hidden).indexed == 40
    for role in Role:
        after = _ranking(client, headers[role])
        if Level.parse(level) <= role.ceiling:
            assert len(after) == len(before[role]) + 40, role
        else:
            assert after == before[role], f"{role.value}'s ranking moved when {level} records came"
