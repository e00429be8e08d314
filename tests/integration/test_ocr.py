"""Scanned documents become searchable: scans the tests render themselves (an Arabic
arrest warrant as an image-only PDF, a German judgment as a two-page TIFF, a PDF with a
born-digital page and a scanned one, a testimony scan that names its witness) are loaded
through the CLI and through an upload, and found by words that are only in the scans,
with the right page numbers, the confidence recorded, and protected names withheld."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.indices import all_alias
from evidence.originals import keep_original, sha256_file, stored_path
from evidence.settings import Settings
from indexer.load import LoadOptions, load_bundle, validate_bundle
from indexer.ocr import OcrOptions, read_scan
from search_api.app import create_app
from tests import scans
from tests.conftest import bearer_headers, finished_upload, run_cli
from tests.integration.test_uploads import _zip_of

COLLECTION = """id: scans
title: Scanned filings (SYNTHETIC)
default_confidentiality: public
source: Rendered by tests/scans.py. Fictional.
synthetic: true
"""

WARRANT = ["مذكرة توقيف اصطناعية", "نقل المعتقل إلى الفرع في أيار"]
JUDGMENT = [
    ["SYNTHETISCHES Urteil", "Oberlandesgericht Koblenz"],
    ["Die Überführung erfolgte", "im Frühjahr nach Damaskus."],
]
BORN_DIGITAL = "SYNTHETIC cover sheet, typed: the clerk's register of the filings received."
SCANNED_ANNEX = ["SYNTHETIC annex", "Quartermaster ledger entries"]
TESTIMONY = ["SYNTHETIC statement of Invented Scanwitness", "held at the Palestine Branch"]


def _meta(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False) + "\n"


def scan_bundle(root: Path) -> Path:
    """The bundle: four scans, and two that cannot be read."""
    filings, testimonies = root / "filings", root / "testimonies"
    filings.mkdir(parents=True)
    testimonies.mkdir()
    (root / "collection.yaml").write_text(COLLECTION, encoding="utf-8")
    files = {
        filings / "warrant-ar.pdf": (
            scans.image_pdf([scans.page(WARRANT, arabic=True)]),
            _meta(
                filing_id="SC-F-1",
                court="SYNTHETIC court",
                doc_type="arrest_warrant",
                language="ar",
            ),
        ),
        filings / "judgment-de.tif": (
            scans.tiff([scans.page(lines) for lines in JUDGMENT]),
            _meta(filing_id="SC-F-2", court="OLG Koblenz", doc_type="judgment"),
        ),
        filings / "annexed.pdf": (
            scans.joined(
                scans.text_pdf(BORN_DIGITAL), scans.image_pdf([scans.page(SCANNED_ANNEX)])
            ),
            _meta(filing_id="SC-F-3", court="SYNTHETIC court", doc_type="order", language="en"),
        ),
        filings / "broken.png": (
            scans.png(scans.page(["cut short"]))[:400],
            _meta(filing_id="SC-F-4", court="SYNTHETIC court", doc_type="order"),
        ),
        filings / "locked.pdf": (
            scans.encrypted(scans.image_pdf([scans.page(["locked"])])),
            _meta(filing_id="SC-F-5", court="SYNTHETIC court", doc_type="order"),
        ),
        testimonies / "statement.png": (
            scans.png(scans.page(TESTIMONY)),
            _meta(
                testimony_id="SC-T-1",
                witness_pseudonym="W-77",
                witness_name="Invented Scanwitness",
                language="en",
            ),
        ),
    }
    for path, (data, meta) in files.items():
        path.write_bytes(data)
        path.with_name(path.name + ".yaml").write_text(meta, encoding="utf-8")
    return root


def _options(settings: Settings, tmp_path: Path) -> LoadOptions:
    return LoadOptions(originals_dir=tmp_path / "originals", ocr=OcrOptions(60))


def _by_id(es: Elasticsearch, settings: Settings) -> dict[str, dict[str, Any]]:
    es.indices.refresh(index=all_alias(settings.index_prefix))
    hits = es.search(index=all_alias(settings.index_prefix), size=50)["hits"]["hits"]
    return {hit["_source"]["local_id"]: hit["_source"] for hit in hits}


@pytest.fixture
def loaded(es: Elasticsearch, settings: Settings, tmp_path: Path) -> dict[str, dict[str, Any]]:
    bundle = scan_bundle(tmp_path / "bundle")
    report = load_bundle(es, settings.index_prefix, bundle, options=_options(settings, tmp_path))
    assert (report.read, report.indexed) == (6, 4), report.rejections
    return _by_id(es, settings)


def test_scans_are_read_and_their_pages_keep_their_numbers(
    loaded: dict[str, dict[str, Any]],
) -> None:
    warrant, judgment = loaded["SC-F-1"], loaded["SC-F-2"]
    assert "توقيف" in warrant["pages"][0]["text"]
    assert warrant["ocr"]["languages"] == "ara+eng"
    # No language given: the script on the first page chose the Latin models.
    assert judgment["ocr"]["languages"] == "eng+deu+fra"
    assert [page["n"] for page in judgment["pages"]] == [1, 2]
    assert "Überführung" in judgment["pages"][1]["text"]
    for page in [*warrant["pages"], *judgment["pages"]]:
        assert page["machine_read"] is True
        assert 60 < page["confidence"] <= 100
    assert judgment["ocr"]["min_confidence"] == min(p["confidence"] for p in judgment["pages"])


def test_a_page_with_a_text_layer_is_not_read_again(loaded: dict[str, dict[str, Any]]) -> None:
    annexed = loaded["SC-F-3"]
    assert annexed["ocr"]["pages"] == [2]
    typed, scanned = annexed["pages"]
    assert "clerk's register" in typed["text"] and "machine_read" not in typed
    assert "Quartermaster" in scanned["text"] and scanned["machine_read"] is True


def test_custody_records_the_reading_and_the_derived_files_sit_beside_the_original(
    loaded: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    warrant = loaded["SC-F-1"]
    [ingested, read] = warrant["custody"]
    assert (ingested["action"], read["action"]) == ("ingested", "ocr")
    assert read["detail"].startswith("Tesseract 5.")
    assert "languages ara+eng; pages 1;" in read["detail"]
    assert read["at"] == warrant["ocr"]["at"]
    original = stored_path(tmp_path / "originals", warrant["sha256"])
    [derived] = original.parent.glob(original.name + ".ocr-*.json")
    searchable = derived.with_suffix(".pdf")
    assert (original.stat().st_mode & 0o222, derived.stat().st_mode & 0o222) == (0, 0)
    assert f"text sha256 {warrant['ocr']['derived_sha256']}" in read["detail"]
    assert json.loads(derived.read_text(encoding="utf-8"))["original_sha256"] == warrant["sha256"]
    assert searchable.read_bytes().startswith(b"%PDF-")
    # The original itself is what the bundle held, byte for byte.
    bundle_file = tmp_path / "bundle" / "filings" / "warrant-ar.pdf"
    assert original.read_bytes() == bundle_file.read_bytes()


def test_unreadable_scans_are_rejected_with_their_reason(
    es: Elasticsearch, settings: Settings, tmp_path: Path
) -> None:
    bundle = scan_bundle(tmp_path / "bundle")
    report = validate_bundle(bundle)
    reasons = {r.file: (r.field, r.reason) for r in report.rejections}
    assert reasons["filings/broken.png"][1].startswith("corrupt or unreadable scan")
    assert reasons["filings/locked.pdf"] == ("(file)", "encrypted PDF: supply a decrypted copy")
    assert (report.read, report.indexed) == (6, 4)


def test_a_reload_reads_the_derived_file_rather_than_running_ocr_again(
    es: Elasticsearch, settings: Settings, tmp_path: Path, loaded: dict[str, dict[str, Any]]
) -> None:
    original = stored_path(tmp_path / "originals", loaded["SC-F-1"]["sha256"])
    [derived] = original.parent.glob(original.name + ".ocr-*.json")
    before = derived.stat().st_mtime_ns
    report = load_bundle(
        es, settings.index_prefix, tmp_path / "bundle", options=_options(settings, tmp_path)
    )
    assert (report.indexed, report.unchanged) == (0, 4)
    assert derived.stat().st_mtime_ns == before
    assert [e["action"] for e in _by_id(es, settings)["SC-F-1"]["custody"]] == ["ingested", "ocr"]


def test_another_reading_of_the_same_original_is_kept_beside_the_first(tmp_path: Path) -> None:
    """Regression: derived files were named by the original alone, so reading it in
    another language replaced the file an earlier record's custody names."""
    scan = tmp_path / "judgment.tif"
    scan.write_bytes(scans.tiff([scans.page(JUDGMENT[0])]))
    store = tmp_path / "originals"
    sha = keep_original(store, scan)
    german = read_scan(store, stored_path(store, sha), sha, None, "de", OcrOptions(60))
    english = read_scan(store, stored_path(store, sha), sha, None, "en", OcrOptions(60))
    assert (german.languages, english.languages) == ("deu+eng", "eng")
    kept = {sha256_file(p) for p in store.glob(f"*/{sha}.ocr-*.json")}
    assert kept == {german.derived_sha256, english.derived_sha256}


def test_a_page_of_arabic_and_latin_reads_both(tmp_path: Path) -> None:
    """A filing in Arabic that quotes a German court: `language: ar` reads both scripts."""
    mixed = scans.image_pdf([scans.page([WARRANT[0]], arabic=True), scans.page(JUDGMENT[0])])
    both = scans.image_pdf([_stacked(scans.page([WARRANT[0]], arabic=True), JUDGMENT[0])])
    store = tmp_path / "originals"
    for data in (mixed, both):
        scan = tmp_path / "scan.pdf"
        scan.write_bytes(data)
        sha = keep_original(store, scan)
        pages = [1, 2] if data is mixed else [1]
        read = read_scan(store, stored_path(store, sha), sha, pages, "ar", OcrOptions(60))
        text = " ".join(page.text for page in read.pages)
        assert "توقيف" in text and "Oberlandesgericht" in text, text


def _stacked(arabic_page: Any, latin_lines: list[str]) -> Any:
    """The Arabic page with Latin lines written below its own."""
    from PIL import ImageDraw, ImageFont

    from indexer.demo.scans import LATIN_FONT

    draw = ImageDraw.Draw(arabic_page)
    font = ImageFont.truetype(str(LATIN_FONT), 52)
    for number, line in enumerate(latin_lines):
        draw.text((120, 600 + 100 * number), line, font=font, fill=0)
    return arabic_page


def test_text_documents_are_never_sent_to_ocr(
    es: Elasticsearch, settings: Settings, tmp_path: Path
) -> None:
    """Regression: a transcript with a short page (a form feed, "End.") went to OCR as if
    it were a PDF, and was copied into the originals store."""
    bundle = tmp_path / "bundle"
    (bundle / "testimonies").mkdir(parents=True)
    (bundle / "collection.yaml").write_text(COLLECTION, encoding="utf-8")
    (bundle / "testimonies" / "short.md").write_text(
        "---\ntestimony_id: SC-T-9\nwitness_pseudonym: W-9\nlanguage: en\n---\n"
        "SYNTHETIC transcript, a first page long enough to count.\n\fEnd.\n",
        encoding="utf-8",
    )
    report = load_bundle(es, settings.index_prefix, bundle, options=_options(settings, tmp_path))
    assert (report.indexed, report.rejections, report.warnings) == (1, [], [])
    record = _by_id(es, settings)["SC-T-9"]
    assert record["ocr"] is None and [p["text"].strip() for p in record["pages"]][1] == "End."
    assert not (tmp_path / "originals").exists() or not list((tmp_path / "originals").glob("??/*"))


def test_a_scan_ocr_cannot_read_is_indexed_with_what_it_has_and_the_report_says_why(
    es: Elasticsearch, settings: Settings, tmp_path: Path
) -> None:
    """Regression: an OCR failure stopped the whole load, or rejected a PDF whose typed
    pages had been indexed before OCR existed. Tesseract given 10 ms a page fails."""
    bundle = scan_bundle(tmp_path / "bundle")
    options = LoadOptions(originals_dir=tmp_path / "originals", ocr=OcrOptions(0.01))
    report = load_bundle(es, settings.index_prefix, bundle, options=options)
    assert (report.read, report.indexed) == (6, 4), report.rejections
    warned = {w.split(":")[0]: w for w in report.warnings}
    assert "OCR did not read pages 2: OCR took longer than 0.01 s" in warned["filings/annexed.pdf"]
    assert "OCR did not read pages 1, 2: OCR took longer" in warned["filings/judgment-de.tif"]
    records = _by_id(es, settings)
    [typed] = records["SC-F-3"]["pages"]
    assert "clerk's register" in typed["text"] and records["SC-F-3"]["ocr"] is None
    assert records["SC-F-2"]["pages"] == []


def test_a_protected_name_in_scanned_text_is_withheld_below_investigator(
    settings: Settings, loaded: dict[str, dict[str, Any]]
) -> None:
    statement = loaded["SC-T-1"]
    assert "Scanwitness" not in json.dumps(statement["pages"])
    assert "Scanwitness" in statement["protected"]["pages"][0]["text"]
    # The derived files' hashes would confirm a guessed name: investigators only.
    assert "derived_sha256" not in statement["ocr"]
    assert "text sha256" not in statement["custody"][-1]["detail"]
    headers = bearer_headers(
        settings, {"journalist": Role.JOURNALIST, "investigator": Role.INVESTIGATOR}
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for role, expected in (("journalist", 0), ("investigator", 1)):
            found = client.get(
                "/api/search", params={"q": "Scanwitness"}, headers=headers[role]
            ).json()
            assert found["total"] == expected, (role, found)


def test_the_cli_loads_scans_and_no_ocr_leaves_them_unread(
    es: Elasticsearch, settings: Settings, tmp_path: Path
) -> None:
    bundle = scan_bundle(tmp_path / "bundle")
    env = {"EVIDENCE_ORIGINALS_DIR": str(tmp_path / "originals"), "EVIDENCE_INDEXER_WORKERS": "2"}
    unread = run_cli(
        "indexer",
        settings,
        "load",
        "--no-ocr",
        str(bundle),
        "--report",
        str(tmp_path / "r.ndjson"),
        env=env,
    )
    assert unread.returncode == 1, unread.stderr  # the two unreadable scans
    assert "indexed 4" in unread.stdout
    records = _by_id(es, settings)
    assert records["SC-F-2"]["pages"] == [] and records["SC-F-2"]["ocr"] is None
    read = run_cli(
        "indexer", settings, "load", str(bundle), "--report", str(tmp_path / "r.ndjson"), env=env
    )
    assert read.returncode == 1, read.stderr
    assert "indexed 4" in read.stdout  # each scanned record changed: its pages were read
    records = _by_id(es, settings)
    assert "Oberlandesgericht" in records["SC-F-2"]["pages"][0]["text"]
    custody = [e["action"] for e in records["SC-F-2"]["custody"]]
    assert custody == ["ingested", "updated", "ocr"]


def test_an_uploaded_scan_is_found_by_words_only_in_the_scan(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    settings = settings.model_copy(
        update={"uploads_dir": tmp_path / "store", "originals_dir": tmp_path / "originals"}
    )
    bundle = scan_bundle(tmp_path / "bundle")
    for name in ("broken.png", "locked.pdf"):
        for path in (bundle / "filings").glob(name + "*"):
            path.unlink()
    headers = bearer_headers(settings, {"investigator": Role.INVESTIGATOR})["investigator"]
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.post(
            "/api/uploads",
            headers=headers,
            files={"file": ("scans.zip", _zip_of(bundle), "application/zip")},
        )
        assert response.status_code == 202, response.text
        job = finished_upload(client, headers, response.json()["id"], settings)
        assert (job["status"], job["indexed"], job["rejected"]) == ("done", 4, 0), job
        for word, local_id, page in (("توقيف", "SC-F-1", 1), ("Überführung", "SC-F-2", 2)):
            found = client.get(
                "/api/search", params={"q": word, "mode": "keyword"}, headers=headers
            ).json()
            [hit] = found["hits"]
            assert hit["local_id"] == local_id
            assert [s["page"] for s in hit["snippets"]] == [page]


def test_pages_and_snippets_say_they_were_machine_read_and_how_well(
    settings: Settings, loaded: dict[str, dict[str, Any]]
) -> None:
    judgment = loaded["SC-F-2"]
    lowest = judgment["ocr"]["min_confidence"]
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        found = client.get("/api/search", params={"q": "Überführung"}).json()
        [snippet] = found["hits"][0]["snippets"]
        assert (snippet["page"], snippet["machine_read"]) == (2, True)
        assert snippet["confidence"] == judgment["pages"][1]["confidence"]
        page = client.get("/", params={"q": "Überführung"}).text
        shown = f"machine-read text, {round(snippet['confidence'])}% confidence"
        assert shown in page
        record = client.get(f"/records/{judgment['stable_id']}", params={"page": 2}).text
        assert shown in record
        assert "Pages 1, 2 read by OCR" in record
        assert f"lowest page confidence {round(lowest)}%" in record
        # A typed page is not marked.
        annexed = client.get(f"/records/{loaded['SC-F-3']['stable_id']}", params={"page": 1})
        assert "machine-read text" not in annexed.text
        # The review filter: records with a page read below the confidence asked.
        below = client.get("/api/search", params={"ocr_below": 100}).json()
        assert {hit["local_id"] for hit in below["hits"]} == {
            "SC-F-1",
            "SC-F-2",
            "SC-F-3",
            "SC-T-1",
        }
        above = client.get("/api/search", params={"ocr_below": int(lowest)}).json()
        assert judgment["local_id"] not in {hit["local_id"] for hit in above["hits"]}
        chip = client.get("/", params={"ocr_below": 90}).text
        assert "Machine-read below: 90%" in chip
