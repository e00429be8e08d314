"""Semantic search in the leak suite. A passage's vector is computed from the text its
readers see, and kNN counts its k nearest among what the caller may see, so:

- a record above a role, however near in meaning to the question, neither appears nor
  moves anything the role gets back: the same answers, counts and order as an archive
  without it;
- a protected name's meaning is in no vector a lower role's query reaches: two archives
  that differ only in a witness's name answer every lower role identically, even when
  asked for that name, while an investigator finds the witness by it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.ids import stable_id
from evidence.semantic import shared_encoder
from evidence.settings import Settings
from indexer.load import LoadOptions
from search_api.app import create_app
from tests.conftest import loaded_once, role_headers

COLLECTION = "meaningleak"
NEAR = "They beat us on the soles of our feet every night in the cell."
QUESTIONS = [
    "beaten on the soles of the feet",
    "ضربوه على قدميه",
    "Rana Halabi",
    "Zeina Haddad",
    "my name is Rana Halabi",
    "held in Branch 215",
]


def _testimony(root: Path, local_id: str, level: Level, text: str, name: str | None) -> None:
    witness = f"witness_name: {name}\n" if name else ""
    (root / "testimonies" / f"{local_id}.md").write_text(
        f"---\ntestimony_id: {local_id}\nwitness_pseudonym: W-{local_id}\n{witness}"
        f"language: en\nconfidentiality: {level.label}\n---\n{text}\n",
        "utf-8",
    )


def write_archive(root: Path, witness: str, with_higher: bool) -> dict[str, Level]:
    """Public and restricted records in every variant; confidential and sealed canaries
    near the question only `with_higher`; one public statement by `witness`, whose
    name is protected."""
    (root / "testimonies").mkdir(parents=True)
    (root / "collection.yaml").write_text(
        f"id: {COLLECTION}\ntitle: Semantic canaries (SYNTHETIC)\n"
        "default_confidentiality: public\nsynthetic: true\n",
        "utf-8",
    )
    levels = {}
    for level in Level:
        if level > Level.RESTRICTED and not with_higher:
            continue
        local_id = f"NEAR-{level.label}"
        _testimony(root, local_id, level, NEAR, None)
        levels[stable_id(COLLECTION, "testimony", local_id)] = level
    _testimony(root, "DIST", Level.PUBLIC, "The weather in Vienna was cold that winter.", None)
    levels[stable_id(COLLECTION, "testimony", "DIST")] = Level.PUBLIC
    _testimony(
        root,
        "NAMED",
        Level.PUBLIC,
        f"My name is {witness}. I was held in Branch 215 and beaten on my feet.",
        witness,
    )
    levels[stable_id(COLLECTION, "testimony", "NAMED")] = Level.PUBLIC
    return levels


Archive = tuple[TestClient, dict[Role, dict[str, str]], dict[str, Level]]


@pytest.fixture(scope="module")
def archives(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Archive, Archive]]:
    """(the archive with higher canaries and witness Rana Halabi, the one without them
    and with witness Zeina Haddad)."""
    folder = tmp_path_factory.mktemp("meaning-leak")
    full = write_archive(folder / "full", "Rana Halabi", with_higher=True)
    other = write_archive(folder / "other", "Zeina Haddad", with_higher=False)
    options = LoadOptions(encoder=shared_encoder())
    with (
        loaded_once(base_settings, redis_db, folder / "full", options) as (first, report),
        loaded_once(base_settings, redis_db, folder / "other", options) as (second, _),
    ):
        assert report.rejections == []
        with (
            TestClient(create_app(first), raise_server_exceptions=False) as a,
            TestClient(create_app(second), raise_server_exceptions=False) as b,
        ):
            yield (a, role_headers(first), full), (b, role_headers(second), other)


MODES = ("semantic", "hybrid")


def _answer(
    client: TestClient, headers: dict[str, str], q: str, mode: str = "semantic"
) -> dict[str, Any]:
    response = client.get(
        "/api/search", params={"q": q, "mode": mode, "size": 100}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _seen(body: dict[str, Any]) -> tuple[Any, ...]:
    """What a reader learns from an answer: order, total, snippets and every count."""
    return (
        [hit["stable_id"] for hit in body["hits"]],
        body["total"],
        [snippet["html"] for hit in body["hits"] for snippet in hit["snippets"]],
        [(f["name"], [(v["value"], v["count"]) for v in f["values"]]) for f in body["facets"]],
        body["histogram"],
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_semantic_answers_show_only_what_the_role_may_see(archives, role: Role, mode: str) -> None:
    (client, headers, levels), _ = archives
    visible = {i for i, level in levels.items() if level <= role.ceiling}
    reads_names = role.ceiling >= Level.CONFIDENTIAL
    for q in QUESTIONS:
        body = _answer(client, headers[role], q, mode)
        found = {hit["stable_id"] for hit in body["hits"]}
        assert found <= visible, (role, q)
        assert body["total"] == len(found), (role, q)
        # The query is echoed in links and the form; the witness's own sentence is not.
        assert ("Rana Halabi" in str(body["hits"])) <= reads_names, (role, q)
        page = client.get("/", params={"q": q, "mode": mode}, headers=headers[role])
        assert page.status_code == 200
        assert ("is Rana Halabi." in page.text) <= reads_names, (role, q)
        assert not [i for i in set(levels) - visible if i in page.text], (role, q)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("role", [Role.PUBLIC, Role.JOURNALIST], ids=lambda r: r.value)
def test_higher_records_and_protected_names_move_nothing_a_lower_role_sees(
    archives, role: Role, mode: str
) -> None:
    (full, full_headers, _), (other, other_headers, _) = archives
    for q in QUESTIONS:
        assert _seen(_answer(full, full_headers[role], q, mode)) == _seen(
            _answer(other, other_headers[role], q, mode)
        ), (role, q)
        timelines = [
            client.get("/api/timeline", params={"q": q, "mode": mode}, headers=headers[role])
            for client, headers in ((full, full_headers), (other, other_headers))
        ]
        assert [t.status_code for t in timelines] == [200, 200]
        assert timelines[0].json() == timelines[1].json(), (role, q)


@pytest.mark.parametrize("mode", MODES)
def test_an_investigator_finds_the_witness_by_name_and_the_confidential_canary(
    archives, mode: str
) -> None:
    """The control: the same probes do reach what an investigator may read, so the
    tests above would fail if lower roles' queries reached it."""
    (client, headers, levels), _ = archives
    named = stable_id(COLLECTION, "testimony", "NAMED")
    body = _answer(client, headers[Role.INVESTIGATOR], "my name is Rana Halabi", mode)
    assert body["hits"][0]["stable_id"] == named
    if mode == "semantic":  # the full text's passage (by words, the snippet is of pages)
        assert "Rana Halabi" in body["hits"][0]["snippets"][0]["html"]
    near = _answer(client, headers[Role.INVESTIGATOR], "beaten on the soles of the feet", mode)
    found = {hit["stable_id"] for hit in near["hits"]}
    assert stable_id(COLLECTION, "testimony", "NEAR-confidential") in found
    assert stable_id(COLLECTION, "testimony", "NEAR-sealed") not in found
    assert {i for i, level in levels.items() if level == Level.SEALED}
