"""Names across scripts and spellings, and small typos, find the same records."""

from __future__ import annotations

from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.settings import Settings
from indexer.load import load_bundle
from search_api.app import create_app


@pytest.fixture
def client(es: Elasticsearch, settings: Settings, tmp_path: Path):
    bundle = tmp_path / "names"
    (bundle / "filings").mkdir(parents=True)
    (bundle / "collection.yaml").write_text(
        "id: names\ntitle: Names (SYNTHETIC)\ndefault_confidentiality: public\nsynthetic: true\n"
    )
    for n, defendant in enumerate(["محمد الخطيب", "Anwar Raslan", "Hassan Youssef"]):
        (bundle / "filings" / f"f{n}.md").write_text(
            f"---\nfiling_id: N-{n}\ncourt: Koblenz\ndoc_type: order\n"
            f"defendants: [{defendant}]\n---\nSYNTHETIC order {n}.\n"
        )
    assert load_bundle(es, settings.index_prefix, bundle).indexed == 3
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _found(client: TestClient, q: str) -> list[str]:
    hits = client.get("/api/search", params={"q": q}).json()["hits"]
    return [hit["local_id"] for hit in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Mohammed al-Khatib", "N-0"),
        ('"Muhammad Khatib"', "N-0"),
        ("Mohamad", "N-0"),
        ("محمد", "N-0"),
        ("رسلان", "N-1"),
        ("Raslam", "N-1"),
        ("حسن يوسف", "N-2"),
        ("Hasan Yusef", "N-2"),
    ],
)
def test_a_name_in_any_script_or_spelling_finds_its_record(client, query, expected) -> None:
    assert _found(client, query)[:1] == [expected]


def test_exact_spelling_ranks_above_a_key_match(client) -> None:
    assert _found(client, "Raslan") == ["N-1"]
    assert _found(client, "Koblenz") and len(_found(client, "Koblenz")) == 3
