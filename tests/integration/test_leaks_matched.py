"""Leak test for the hit's "matched:" line (issue 17 item 9): a name found in another
script is named only when the caller may read it. A protected person (a relative named in
a testimony) is explained to investigators and admins, and never to a visitor or a
journalist, on the JSON API or the page; a public person (an alleged perpetrator) is
explained to every role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from indexer.load import load_bundle
from search_api.app import create_app
from tests.conftest import role_headers

PROTECTED = "Qasim Haddad"  # the relative: withheld below investigator
PROTECTED_QUERY = "قاسم حداد"
PUBLIC = "Jamil Hassan"  # the alleged perpetrator: every role may read him
PUBLIC_QUERY = "جميل حسن"
SEES_PROTECTED = {Role.INVESTIGATOR, Role.ADMIN}


def _write_bundle(root: Path) -> None:
    (root / "testimonies").mkdir(parents=True)
    (root / "collection.yaml").write_text(
        "id: matchcanary\ntitle: Matched-line canary (SYNTHETIC)\n"
        "default_confidentiality: public\nsynthetic: true\n"
    )
    (root / "testimonies" / "t-1.md").write_text(
        "---\ntestimony_id: T-1\nwitness_pseudonym: W-1\ninterview_date: 2016-05\n"
        "confidentiality: public\nfacilities: [branch-215]\npersons:\n"
        f"  - {{name: {PROTECTED}, role: family}}\n"
        f"  - {{name: {PUBLIC}, role: alleged_perpetrator}}\n---\n"
        f"I was held in the raids branch. {PUBLIC} gave the orders; {PROTECTED} was with me.\n"
    )


@pytest.fixture(scope="module")
def matched(
    base_settings: Settings, es_node: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    settings = base_settings.model_copy(update={"index_prefix": f"m{uuid.uuid4().hex[:12]}"})
    root = tmp_path_factory.mktemp("matched") / "bundle"
    _write_bundle(root)
    es = Elasticsearch(settings.es_url, request_timeout=60)
    report = load_bundle(es, settings.index_prefix, root)
    assert (report.indexed, report.rejections) == (1, [])
    headers = role_headers(settings)
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, headers
    finally:
        es.indices.delete(index=",".join(es.indices.get(index=f"{settings.index_prefix}-*")))
        es.close()


def _outputs(client: TestClient, headers: dict[str, str], q: str) -> tuple[list[str], str]:
    body = client.get("/api/search", params={"q": q}, headers=headers).json()
    names = [name for hit in body["hits"] for name in hit["matched"]]
    page = client.get("/", params={"q": q}, headers=headers).text
    return names, page


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_matched_line_names_a_protected_spelling_only_to_roles_that_read_it(
    matched: tuple[TestClient, dict[Role, dict[str, str]]], role: Role
) -> None:
    client, headers = matched
    names, page = _outputs(client, headers[role], PROTECTED_QUERY)
    if role in SEES_PROTECTED:
        assert names == [PROTECTED], "positive control: the explanation is there"
        assert 'class="matched"' in page and PROTECTED in page
    else:
        assert PROTECTED not in names
        assert PROTECTED.lower() not in page.lower() and "haddad" not in page.lower()


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_matched_line_names_a_public_person_to_every_role(
    matched: tuple[TestClient, dict[Role, dict[str, str]]], role: Role
) -> None:
    client, headers = matched
    names, page = _outputs(client, headers[role], PUBLIC_QUERY)
    assert names == [PUBLIC]
    assert 'class="matched"' in page and PUBLIC in page
    assert "haddad" not in page.lower() or role in SEES_PROTECTED


def test_a_testimony_found_through_another_spelling_gets_a_snippet(
    matched: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    client, headers = matched
    body = client.get("/api/search", params={"q": PUBLIC_QUERY}, headers=headers[Role.PUBLIC])
    (hit,) = body.json()["hits"]
    assert (
        hit["snippets"] and "<mark>Jamil</mark> <mark>Hassan</mark>" in hit["snippets"][0]["html"]
    )
    assert hit["snippets"][0]["page"] == 1
