"""Semantic search against the real node and the real encoder: an English question
finds testimony written only in Arabic, German or French, and the other way round; a
reload or rebuild does not encode again; with vectors off nothing is kept and the
mode says it is off. The leak part is in tests/integration/test_leaks_semantic.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.ids import stable_id
from evidence.semantic import Encoder
from evidence.settings import Settings
from indexer.load import LoadOptions, load_bundle, rebuild
from search_api.app import create_app
from tests.conftest import loaded_once

COLLECTION = "meaning"
STATEMENTS = {
    "T-AR": ("ar", "ضربوه على قدميه بالكابل حتى لم يعد يستطيع المشي."),
    "T-DE": ("de", "Nach drei Monaten wurde ich in ein anderes Gefängnis verlegt."),
    "T-FR": ("fr", "Ma famille n'a jamais su où j'étais. C'était une disparition forcée."),
    "T-EN": ("en", "The weather in Vienna was cold on the day I gave this statement."),
}


def write_statements(root: Path, statements: dict[str, tuple[str, str]]) -> None:
    (root / "testimonies").mkdir(parents=True)
    (root / "collection.yaml").write_text(
        f"id: {COLLECTION}\ntitle: Statements in four languages (SYNTHETIC)\n"
        "default_confidentiality: public\nsynthetic: true\n",
        "utf-8",
    )
    for local_id, (language, text) in statements.items():
        (root / "testimonies" / f"{local_id}.md").write_text(
            f"---\ntestimony_id: {local_id}\nwitness_pseudonym: W-{local_id}\n"
            f"language: {language}\n---\nSYNTHETIC statement.\n\n{text}\n",
            "utf-8",
        )


def record_id(local_id: str) -> str:
    return stable_id(COLLECTION, "testimony", local_id)


@pytest.fixture(scope="module")
def statements(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Settings, Path]]:
    root = tmp_path_factory.mktemp("meaning") / "bundle"
    write_statements(root, STATEMENTS)
    options = LoadOptions(encoder=Encoder())
    with loaded_once(base_settings, redis_db, root, options) as (settings, report):
        assert (report.indexed, report.rejections) == (len(STATEMENTS), [])
        assert options.encoder is not None and options.encoder.encoded > 0
        yield settings, root


def _semantic(client: TestClient, q: str, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", params={"q": q, "mode": "semantic"} | params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("beaten on the soles of the feet", "T-AR"),
        ("transferred to another prison", "T-DE"),
        ("نقل إلى سجن آخر", "T-DE"),
        ("forced disappearance", "T-FR"),
    ],
)
def test_a_question_finds_the_statement_that_means_it_in_another_language(
    statements: tuple[Settings, Path], question: str, expected: str
) -> None:
    settings, _ = statements
    with TestClient(create_app(settings)) as client:
        body = _semantic(client, question)
        assert body["hits"], question
        top = body["hits"][0]
        assert top["stable_id"] == record_id(expected)
        assert top["language"] == STATEMENTS[expected][0]
        snippet = top["snippets"][0]
        assert snippet["similar"] is True
        assert STATEMENTS[expected][1][:20] in snippet["html"].replace("&#x27;", "'")
        # By words, the same question finds none of them: no word is shared.
        words = client.get("/api/search", params={"q": question, "mode": "keyword"}).json()
        assert record_id(expected) not in {hit["stable_id"] for hit in words["hits"]}


def test_semantic_totals_facets_and_pages_are_of_the_records_found(
    statements: tuple[Settings, Path],
) -> None:
    settings, _ = statements
    with TestClient(create_app(settings)) as client:
        body = _semantic(client, "held in prison", size=1)
        total = body["total"]
        assert 1 <= total <= len(STATEMENTS)
        language = next(f for f in body["facets"] if f["name"] == "language")
        assert sum(v["count"] for v in language["values"]) == body["total"]
        seen = [hit["stable_id"] for hit in body["hits"]]
        while body["next_cursor"]:
            body = client.get(
                "/api/search",
                params={"q": "held in prison", "mode": "semantic", "cursor": body["next_cursor"]},
            ).json()
            seen += [hit["stable_id"] for hit in body["hits"]]
        assert len(seen) == len(set(seen)) == total
        filtered = _semantic(client, "held in prison", language="de")
        assert {hit["language"] for hit in filtered["hits"]} <= {"de"}
        page = client.get("/", params={"q": "beaten on the soles of the feet", "mode": "semantic"})
        assert page.status_code == 200
        assert "similar in meaning" in page.text
        assert STATEMENTS["T-AR"][1][:20] in page.text


def test_hybrid_finds_the_words_and_the_meaning_and_counts_both_once(
    statements: tuple[Settings, Path],
) -> None:
    settings, _ = statements
    question = "statement about forced disappearance"
    with TestClient(create_app(settings)) as client:

        def ids(mode: str, **params: Any) -> list[str]:
            body = client.get(
                "/api/search", params={"q": question, "mode": mode, "size": 100} | params
            ).json()
            return [hit["stable_id"] for hit in body["hits"]]

        words, meaning = ids("keyword"), ids("semantic")
        assert record_id("T-FR") not in words  # "disparition forcée" shares no word
        body = _semantic(client, question, mode="hybrid", size=1)
        assert body["total"] == len(set(words) | set(meaning))
        assert body["word_matches"] == len(words)
        # Fused: found by both, or first by meaning, the French statement leads.
        assert body["hits"][0]["stable_id"] == record_id("T-FR")
        assert body["hits"][0]["snippets"][0]["similar"] is True
        seen = [body["hits"][0]["stable_id"]]
        while body["next_cursor"]:
            body = client.get(
                "/api/search",
                params={"q": question, "mode": "hybrid", "size": 1, "cursor": body["next_cursor"]},
            ).json()
            seen += [hit["stable_id"] for hit in body["hits"]]
        assert sorted(seen) == sorted(set(words) | set(meaning))
        by_date = ids("hybrid", sort="date_asc")
        assert sorted(by_date) == sorted(seen)
        page = client.get("/", params={"q": question, "mode": "hybrid"})
        assert page.status_code == 200 and "similar in meaning" in page.text


def test_a_reload_and_a_rebuild_encode_nothing_unchanged(
    statements: tuple[Settings, Path],
) -> None:
    settings, root = statements
    es = Elasticsearch(settings.es_url, request_timeout=60)
    try:
        again = Encoder()
        report = load_bundle(es, settings.index_prefix, root, options=LoadOptions(encoder=again))
        assert (report.unchanged, report.indexed) == (len(STATEMENTS), 0)
        assert again.encoded == 0
        rebuilt = Encoder()
        rebuild(es, settings.index_prefix, [root], options=LoadOptions(encoder=rebuilt))
        assert rebuilt.encoded == 0
    finally:
        es.close()
    with TestClient(create_app(settings)) as client:
        body = _semantic(client, "beaten on the soles of the feet")
        assert body["hits"][0]["stable_id"] == record_id("T-AR")


def test_a_new_encoder_re_encodes_without_calling_the_evidence_changed(
    base_settings: Settings, es_node: object, redis_db: str, tmp_path: Path
) -> None:
    """A new model name (as the digit folding of 2026-12-07 brought) re-encodes every
    record. Custody said "updated", and every watch counted every record as new, though
    no record had changed."""
    write_statements(tmp_path / "bundle", STATEMENTS)
    first = Encoder()
    with loaded_once(base_settings, redis_db, tmp_path / "bundle", LoadOptions(encoder=first)) as (
        settings,
        _,
    ):
        es = Elasticsearch(settings.es_url)
        records = f"{settings.index_prefix}-records"

        def stored(local_id: str = "T-DE") -> dict[str, Any]:
            es.indices.refresh(index=records)
            source: dict[str, Any] = es.get(index=records, id=record_id(local_id))["_source"]
            return source

        try:
            before = stored()
            following = Encoder()
            following.model = "usem3-next"
            report = load_bundle(
                es,
                settings.index_prefix,
                tmp_path / "bundle",
                options=LoadOptions(encoder=following),
            )
            assert report.indexed == len(STATEMENTS) and following.encoded > 0
            after = stored()
            assert after["vector_model"] == "usem3-next"
            assert [event["action"] for event in after["custody"]] == ["ingested", "reencoded"]
            assert after["custody"][-1]["detail"] == (
                f"vectors for search by meaning by usem3-next (were {first.model}); "
                "content unchanged"
            )
            assert after["indexed_at"] == before["indexed_at"]
            load_bundle(es, settings.index_prefix, tmp_path / "bundle", options=LoadOptions())
            off = stored()
            assert off["custody"][-1]["detail"] == (
                "vectors for search by meaning removed (were usem3-next); content unchanged"
            )
            assert off["indexed_at"] == before["indexed_at"]
            # Vectors on again, and one statement changed in the same load: that one is
            # "updated" and new to a watch; the others are only re-encoded.
            changed = tmp_path / "bundle" / "testimonies" / "T-FR.md"
            changed.write_text(
                changed.read_text("utf-8").replace("forcée", "forcée, 2012"), "utf-8"
            )
            later = Encoder()
            later.model = "usem3-later"
            load_bundle(
                es, settings.index_prefix, tmp_path / "bundle", options=LoadOptions(encoder=later)
            )
            assert stored()["custody"][-1]["detail"] == (
                "vectors for search by meaning by usem3-later (were none); content unchanged"
            )
            french = stored("T-FR")
            assert french["custody"][-1]["action"] == "updated"
            assert french["indexed_at"] > before["indexed_at"]
            assert french["vector_model"] == "usem3-later"
        finally:
            es.close()
        with TestClient(create_app(settings)) as client:
            page = client.get(f"/records/{record_id('T-DE')}")
            assert "re-encoded for search by meaning" in page.text
            assert "· updated by" not in page.text


def test_with_vectors_off_nothing_is_kept_and_the_mode_says_it_is_off(
    base_settings: Settings, es_node: object, redis_db: str, tmp_path: Path
) -> None:
    write_statements(tmp_path / "bundle", STATEMENTS)
    with loaded_once(base_settings, redis_db, tmp_path / "bundle", LoadOptions()) as (
        settings,
        report,
    ):
        assert report.indexed == len(STATEMENTS)
        es = Elasticsearch(settings.es_url)
        stored = es.search(
            index=f"{settings.index_prefix}-records", query={"exists": {"field": "vector_model"}}
        )
        es.close()
        assert stored["hits"]["total"]["value"] == 0
        off = settings.model_copy(update={"vectors": False})
        with TestClient(create_app(off)) as client:
            response = client.get("/api/search", params={"q": "prison", "mode": "semantic"})
            assert response.status_code == 400
            assert "turned off" in response.json()["detail"]
            page = client.get("/", params={"q": "prison", "mode": "semantic"})
            assert page.status_code == 400
            assert "turned off" in page.text


def test_the_timeline_by_meaning_shows_the_events_of_the_nearest_records(
    demo_corpus: Settings,
) -> None:
    question = "interrogated under torture"
    with TestClient(create_app(demo_corpus)) as client:

        def timeline(mode: str) -> dict[str, Any]:
            response = client.get(
                "/api/timeline", params={"q": question, "mode": mode, "size": 200}
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        near = client.get(
            "/api/search", params={"q": question, "mode": "semantic", "size": 100}
        ).json()
        nearest = {hit["stable_id"] for hit in near["hits"]}
        by_meaning = timeline("semantic")
        shown = {e["record_id"] for entry in by_meaning["entries"] for e in entry["events"]}
        assert shown and shown <= nearest
        by_words = timeline("keyword")
        assert by_words["total"] < by_meaning["total"] <= timeline("hybrid")["total"]
        assert timeline("hybrid")["total"] <= by_words["total"] + by_meaning["total"]
