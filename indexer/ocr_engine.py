"""An OCRmyPDF plugin: its own Tesseract engine, which also keeps what each page read.

OCRmyPDF makes the searchable copy of a scanned PDF but returns no text per page and no
confidence. Its Tesseract engine already writes hOCR (every word with Tesseract's
confidence) and the page's text; this engine reads both after each page and hands them
to `collecting`. Passed to `ocrmypdf.ocr(plugins=[__name__])` by `indexer.ocr` only.

The page number comes from the name OCRmyPDF gives its work files (`000003_ocr_hocr.hocr`
for page 3), which is not a published interface: the version is pinned in
pyproject.toml, and `tests/integration/test_ocr.py` fails if it changes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine
from ocrmypdf.hocrtransform import HocrParseError, HocrParser

__all__ = ["PageRead", "collecting", "engine_version", "get_ocr_engine"]

PageRead = tuple[str, list[float]]  # the page's text, and each word's confidence 0-100

_lock = threading.Lock()
_pages: dict[int, PageRead] | None = None


@contextmanager
def collecting() -> Iterator[dict[int, PageRead]]:
    """What the pages of one `ocrmypdf.ocr` call read, by page number (1-based). One
    call at a time in a process: indexer workers are processes, each OCRs one file."""
    global _pages
    with _lock:
        if _pages is not None:
            raise RuntimeError("one OCRmyPDF run at a time in a process")
        _pages = {}
    try:
        yield _pages
    finally:
        with _lock:
            _pages = None


def _word_confidences(hocr: Path) -> list[float]:
    try:
        page = HocrParser(hocr).parse()
    except HocrParseError:  # an empty page, or one Tesseract gave up on
        return []
    return [
        word.confidence * 100
        for word in page.words
        if (word.text or "").strip() and word.confidence is not None
    ]


class _KeepingTesseract(TesseractOcrEngine):
    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options: Any) -> None:
        TesseractOcrEngine.generate_hocr(input_file, output_hocr, output_text, options)
        number = int(Path(output_hocr).name[:6])
        text = Path(output_text).read_text(encoding="utf-8") if Path(output_text).exists() else ""
        read = (text, _word_confidences(Path(output_hocr)))
        with _lock:
            if _pages is not None:
                _pages[number] = read


def engine_version() -> str:
    """The Tesseract that OCRmyPDF runs, for custody."""
    return str(TesseractOcrEngine.version())


@hookimpl
def get_ocr_engine(options: Any) -> TesseractOcrEngine:
    """Registered after OCRmyPDF's own plugins, so this engine is the one used."""
    return _KeepingTesseract()
