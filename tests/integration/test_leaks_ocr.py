"""OCR in the leak suite: scanned canaries at every level, and scanned testimonies that
name their witness, read by OCR and probed as every role through search, the OCR
filter, snippets, record pages and custody. What OCR read is text like any other: a role
must not find a record above it by a scanned word or by the confidence filter, nor read
a protected name, or the hashes that would confirm a guess of it, in a scan."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.ids import stable_id
from evidence.settings import Settings
from indexer.load import LoadOptions
from indexer.ocr import OcrOptions
from search_api.app import create_app
from tests import scans
from tests.conftest import loaded_once, role_headers

CODES = {
    Level.PUBLIC: "aaa",
    Level.RESTRICTED: "bbb",
    Level.CONFIDENTIAL: "ccc",
    Level.SEALED: "ddd",
}


def level_word(level: Level) -> str:
    return f"scanword{CODES[level]}"


def witness_word(level: Level) -> str:
    return f"Scanwitness{CODES[level].capitalize()}"


def _write_bundle(root: Path) -> dict[str, Level]:
    (root / "filings").mkdir(parents=True)
    (root / "testimonies").mkdir()
    (root / "collection.yaml").write_text(
        "id: ocrcanary\ntitle: OCR canaries (SYNTHETIC)\ndefault_confidentiality: public\n"
        "synthetic: true\n"
    )
    ids = {}
    for level, code in CODES.items():
        filing = root / "filings" / f"f-{code}.png"
        filing.write_bytes(scans.png(scans.page([f"SYNTHETIC order {level_word(level)}"])))
        filing.with_name(filing.name + ".yaml").write_text(
            f"filing_id: OF-{code}\ncourt: Canary court\ndoc_type: order\nlanguage: en\n"
            f"confidentiality: {level.label}\n"
        )
        statement = root / "testimonies" / f"t-{code}.png"
        lines = [f"SYNTHETIC statement of {witness_word(level)}", "held at Saydnaya"]
        statement.write_bytes(scans.png(scans.page(lines)))
        statement.with_name(statement.name + ".yaml").write_text(
            f"testimony_id: OT-{code}\nwitness_pseudonym: W-{code}\n"
            f"witness_name: {witness_word(level)}\nlanguage: en\nconfidentiality: {level.label}\n"
        )
        ids[stable_id("ocrcanary", "filing", f"OF-{code}")] = level
        ids[stable_id("ocrcanary", "testimony", f"OT-{code}")] = level
    return ids


@pytest.fixture(scope="module")
def scanned(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], dict[str, Level]]]:
    folder = tmp_path_factory.mktemp("ocr-canary")
    ids = _write_bundle(folder / "bundle")
    options = LoadOptions(originals_dir=folder / "originals", ocr=OcrOptions(60))
    with loaded_once(base_settings, redis_db, folder / "bundle", options) as (settings, report):
        assert (report.indexed, report.rejections) == (8, [])
        headers = role_headers(settings)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, headers, ids


def _forbidden(role: Role) -> set[str]:
    words = {level_word(level) for level in Level if level > role.ceiling}
    for level in Level:
        if level > role.ceiling or role.ceiling < Level.CONFIDENTIAL:
            words.add(witness_word(level).lower())
    return words


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_scanned_words_the_ocr_filter_and_custody_leak_nothing(scanned, role: Role) -> None:
    client, headers, ids = scanned
    visible = {i for i, level in ids.items() if level <= role.ceiling}
    hidden = set(ids) - visible
    probes = [*(level_word(level) for level in Level), *(witness_word(level) for level in Level)]
    for q in ["", "statement", *probes]:
        for params in ({"q": q}, {"q": q, "ocr_below": 100}):
            body = client.get(
                "/api/search", params=params | {"size": 100}, headers=headers[role]
            ).json()
            found = {hit["stable_id"] for hit in body["hits"]}
            assert found <= visible, (role, params)
            assert body["total"] == len(found), (role, params)
            page = client.get("/", params=params, headers=headers[role]).text.lower()
            leaked = sorted(w for w in _forbidden(role) if w in page.replace(q.lower(), ""))
            assert not leaked, (role, params, leaked)
            assert not [i for i in hidden if i in page], (role, params)
    # Every visible scan is found by the review filter, and nothing else is counted.
    review = client.get("/api/search", params={"ocr_below": 100}, headers=headers[role]).json()
    assert review["total"] == len(visible)
    for record_id, level in ids.items():
        response = client.get(f"/api/records/{record_id}", headers=headers[role])
        if level > role.ceiling:
            assert response.status_code == 404
            continue
        record = response.json()
        text = response.text.lower()
        assert not [w for w in _forbidden(role) if w in text], (role, record_id)
        # Custody is one for every reader: a scan with withheld names keeps its derived
        # files' hashes out of it, and gives them only to the roles that read the names.
        withheld = record["record_type"] == "testimony"
        assert ("text sha256" in record["custody"][-1]["detail"]) is not withheld
        reads_names = role.ceiling >= Level.CONFIDENTIAL
        assert ("derived_sha256" in record["ocr"]) is (reads_names or not withheld), role
