"""OCR speed: pages per second per language against Tesseract run by hand on the same
pages, and what OCR adds to a Caesar-scale load whose filings are 1% scans.

    .venv/bin/python -m bench.ocr [--pages 8] [--skip-load]

1. For English, German, French and Arabic, `--pages` pages of SYNTHETIC text rendered
   at 300 dpi (`indexer.demo.scans`) are read three ways, each with an empty originals
   store: as a multi-page TIFF by `indexer.ocr` (pytesseract), as an image-only PDF by
   `indexer.ocr` (OCRmyPDF), and, the baseline, as the TIFF by the `tesseract` command
   itself (`tesseract scan.tif out -l MODELS txt tsv`) with one thread
   (`OMP_THREAD_LIMIT=1`, as the indexer runs it), the least any OCR of those pages can
   cost; also with Tesseract's default threads, for comparison. Each is timed once, so
   figures move by some percent between runs.
2. The Caesar-scale demo (4 of its 420 filings, 1%, are scanned PDFs) loaded whole by
   `python -m indexer load` twice into fresh indices and an empty originals store:
   `--no-ocr`, then with OCR.

Writes `bench/results/ocr.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import BUNDLES, ROOT, corpus
from bench.run import _drop
from evidence.clients import sync_client
from evidence.devnode import ensure_running
from evidence.originals import keep_original
from evidence.settings import Settings
from indexer.demo.scans import image_pdf, page, text_pages, tiff
from indexer.ocr import OcrOptions, read_scan

# A paragraph per language (SYNTHETIC), repeated to fill the pages.
TEXT = {
    "en": "SYNTHETIC record. The detainee was transferred from the branch to the military "
    "hospital in the spring; the court heard the forensic report of the photographs.",
    "de": "SYNTHETISCHES Protokoll. Der Häftling wurde im Frühjahr von der Abteilung in das "
    "Militärkrankenhaus überführt; das Gericht hörte das gerichtsmedizinische Gutachten.",
    "fr": "Procès-verbal SYNTHÉTIQUE. Le détenu a été transféré de la branche à l'hôpital "
    "militaire au printemps ; la cour a entendu le rapport médico-légal des photographies.",
    "ar": "محضر اصطناعي. نقل المعتقل من الفرع إلى المستشفى العسكري في الربيع، واستمعت "
    "المحكمة إلى تقرير الطب الشرعي عن الصور.",
}
MODELS = {"en": "eng", "de": "deu+eng", "fr": "fra+eng", "ar": "ara+eng"}


def _pages(language: str, count: int) -> list[Any]:
    arabic = language == "ar"
    if arabic:  # Latin wrapping is too wide for Arabic glyphs: a sentence a line
        lines = [TEXT["ar"][i : i + 40] for i in range(0, len(TEXT["ar"]), 40)] * 3
        return [page(lines, arabic=True) for _ in range(count)]
    lines = text_pages("\n".join([TEXT[language]] * 3))[0]
    return [page(lines) for _ in range(count)]


def _timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _per_language(language: str, count: int, folder: Path) -> dict[str, Any]:
    images = _pages(language, count)
    scan_tif, scan_pdf = folder / f"{language}.tif", folder / f"{language}.pdf"
    scan_tif.write_bytes(tiff(images))
    scan_pdf.write_bytes(image_pdf(images))
    results: dict[str, Any] = {"pages": count, "models": MODELS[language]}

    def ours(path: Path, pages: list[int] | None) -> float:
        store = folder / f"store-{path.name}"
        shutil.rmtree(store, ignore_errors=True)
        sha = keep_original(store, path)
        return _timed(lambda: read_scan(store, path, sha, pages, language, OcrOptions()))

    def by_hand(threads: dict[str, str]) -> float:
        command = ["tesseract", str(scan_tif), str(folder / "raw"), "-l", MODELS[language]]
        env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"} | threads
        return _timed(
            lambda: subprocess.run(
                [*command, "txt", "tsv"], check=True, capture_output=True, env=env
            )
        )

    default_threads = by_hand({})
    raw = by_hand({"OMP_THREAD_LIMIT": "1"})
    image_seconds = ours(scan_tif, None)
    pdf_seconds = ours(scan_pdf, list(range(1, count + 1)))
    measured = (
        ("tesseract_cli_default_threads", default_threads),
        ("tesseract_cli", raw),
        ("image", image_seconds),
        ("pdf", pdf_seconds),
    )
    for name, seconds in measured:
        results[name] = {
            "seconds": round(seconds, 2),
            "pages_per_second": round(count / seconds, 2),
            "ratio_to_tesseract_cli": round(raw / seconds, 2),
        }
    return results


def _load(settings: Settings, prefix: str, ocr: bool, originals: Path) -> dict[str, Any]:
    shutil.rmtree(originals, ignore_errors=True)
    root = corpus("caesar")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    env = clean | {
        "ELASTICSEARCH_URL": settings.es_url,
        "EVIDENCE_INDEX_PREFIX": prefix,
        "EVIDENCE_ORIGINALS_DIR": str(originals),
    }
    command = [sys.executable, "-m", "indexer", "load", "--ocr" if ocr else "--no-ocr"]
    started = time.perf_counter()
    run = subprocess.run(
        [*command, *(str(root / b) for b in BUNDLES), "--report", "/dev/null"],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    return {"seconds": round(seconds, 1), "summary": run.stdout.strip().splitlines()[-1]}


def _scanned(filings: Path) -> dict[str, int]:
    """How many of the bundle's PDFs have no text layer, and their pages."""
    import pypdf

    files = pages = 0
    for path in sorted((filings / "filings").glob("*.pdf")):
        texts = [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]
        if not any(text.strip() for text in texts):
            files, pages = files + 1, pages + len(texts)
    return {"files": files, "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": f"{os.cpu_count()} cores"}
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        report["languages"] = {
            language: _per_language(language, args.pages, folder) for language in TEXT
        }
        print(json.dumps(report, indent=2))
        if not args.skip_load:
            settings = Settings()
            ensure_running(settings)
            es = sync_client(settings, request_timeout=300)
            loads = {}
            for prefix, ocr in (("ocrbenchoff", False), ("ocrbenchon", True)):
                _drop(es, prefix)
                loads["with_ocr" if ocr else "without_ocr"] = _load(
                    settings, prefix, ocr, folder / "originals"
                )
                _drop(es, prefix)
            es.close()
            extra = loads["with_ocr"]["seconds"] - loads["without_ocr"]["seconds"]
            report["caesar_load"] = loads | {
                "scanned_filings": _scanned(corpus("caesar") / "filings"),
                "extra_seconds": round(extra, 1),
            }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ocr.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
