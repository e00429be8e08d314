"""Scanned pages made searchable: Tesseract OCR, with each page's confidence kept.

Which pages: every page of an image document (`.jpg`, `.png`, `.tif`, multi-page TIFF);
the pages of a PDF whose text layer is not usable, that is with fewer than
`MIN_TEXT_CHARACTERS` letters or digits (a scan with a stamp or a page number has a few;
a typed page has hundreds).

Which languages: from the record's `language`; when it has none, Tesseract's script
detection on the first page to read chooses Arabic or Latin models. Arabic documents are
read with English as well, so a page of both scripts reads both.

Originals are never changed. What OCR read is a derived file beside the original in the
originals store, named by the original's SHA-256 (`ab/abc….ocr.json`), and for a PDF a
searchable copy (`ab/abc….ocr.pdf`, made by OCRmyPDF). A later load of the same file
asks for the same pages in the same language and reads the derived file instead of
running OCR again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageSequence, UnidentifiedImageError

from evidence.originals import MAX_IMAGE_PIXELS, megapixels_refusal, sha256_file, stored_path

__all__ = [
    "IMAGE_SUFFIXES",
    "MIN_TEXT_CHARACTERS",
    "Ocr",
    "OcrOptions",
    "OcrPage",
    "ScanError",
    "pages_to_read",
    "read_scan",
    "scan_page_count",
]

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
_IMAGE_FORMATS = {"JPEG", "MPO", "PNG", "TIFF"}
MIN_TEXT_CHARACTERS = 20
MAX_SCAN_PAGES = 2000
_DERIVED_VERSION = 1  # of the derived file's layout; a new one is read again

# The record's language (ISO 639-1) -> Tesseract's models. English is added to the
# others: filings quote English names, case numbers and courts.
_MODELS = {"ar": "ara+eng", "en": "eng", "de": "deu+eng", "fr": "fra+eng"}
_BY_SCRIPT = {"Arabic": "ara+eng", "Latin": "eng+deu+fra"}
_UNDETECTED = "ara+eng"  # too little text to tell the script: the archive's languages


class ScanError(Exception):
    """A scan that cannot be read, or that OCR could not read; the message says why."""


@dataclass(frozen=True)
class OcrOptions:
    """How OCR runs: how long one file may take Tesseract per page."""

    timeout_seconds: float = 180


@dataclass(frozen=True)
class OcrPage:
    n: int
    text: str
    confidence: float | None  # mean word confidence, 0-100; None: no words read


@dataclass(frozen=True)
class Ocr:
    """What OCR read from one original, and how: kept in the derived file."""

    pages: tuple[OcrPage, ...]
    engine: str
    languages: str
    at: str
    derived_sha256: str  # of the derived text file
    pdf_sha256: str | None  # of the searchable copy (PDFs only)

    def page(self, n: int) -> OcrPage | None:
        return next((page for page in self.pages if page.n == n), None)


def _letters_and_digits(text: str) -> int:
    return sum(character.isalnum() for character in text)


def pages_to_read(pages: list[str]) -> list[int]:
    """The 1-based numbers of the PDF pages whose text layer is not usable."""
    return [
        n
        for n, text in enumerate(pages, start=1)
        if _letters_and_digits(text) < MIN_TEXT_CHARACTERS
    ]


def scan_page_count(path: Path) -> int:
    """The pages of an image document, after decoding each: a corrupt or truncated scan
    is refused here, at validation, not in the middle of OCR."""
    try:
        with Image.open(path) as image:
            if image.format not in _IMAGE_FORMATS:
                raise ScanError(f"unsupported image format {image.format}")
            # Tesseract reads every page of a TIFF and the first image of anything else
            # (an animated PNG, a camera's MPO JPEG with its preview): so do we.
            frames = ImageSequence.Iterator(image) if image.format == "TIFF" else [image]
            count = 0
            for frame in frames:
                count += 1
                if count > MAX_SCAN_PAGES:
                    raise ScanError(f"more than {MAX_SCAN_PAGES} pages")
                if refusal := megapixels_refusal(frame.width, frame.height):
                    raise ScanError(f"page {count}: {refusal}")
                frame.load()
            return count
    except ScanError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ScanError(f"corrupt or unreadable scan: {error}") from error
    except Image.DecompressionBombError as error:
        raise ScanError(f"scan too large: {error}") from error


def _derived(store: Path, sha256: str, asked: dict[str, Any], suffix: str) -> Path:
    """`ab/abc….ocr-KEY.json`: one derived file per question asked of the original (its
    pages, its language), so a reading is never overwritten by another."""
    original = stored_path(store, sha256)
    key = hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()[:16]
    return original.with_name(f"{original.name}.ocr-{key}.{suffix}")


def _asked(language: str | None, pages: list[int]) -> dict[str, Any]:
    return {"version": _DERIVED_VERSION, "language": language, "pages": pages}


def _from_derived(body: dict[str, Any], derived_sha256: str) -> Ocr:
    return Ocr(
        pages=tuple(OcrPage(p["n"], p["text"], p["confidence"]) for p in body["pages"]),
        engine=body["engine"],
        languages=body["languages"],
        at=body["at"],
        derived_sha256=derived_sha256,
        pdf_sha256=body.get("pdf_sha256"),
    )


def _cached(path: Path, asked: dict[str, Any]) -> Ocr | None:
    """The derived file when it is whole and its searchable copy still has the hash it
    recorded; anything else is read again."""
    try:
        body = json.loads(path.read_bytes())
        if body.get("asked") != asked:
            return None
        pdf_sha256 = body.get("pdf_sha256")
        if pdf_sha256 is not None:
            searchable = path.with_suffix(".pdf")
            if not searchable.is_file() or sha256_file(searchable) != pdf_sha256:
                return None
        return _from_derived(body, sha256_file(path))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # unreadable or not ours: read the scan again


@contextmanager
def _staged(store: Path) -> Iterator[Path]:
    staging = store / "tmp"
    staging.mkdir(parents=True, exist_ok=True)
    temporary = staging / secrets.token_hex(16)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def _keep(temporary: Path, final: Path) -> str:
    """Read-only and linked into place only if nothing is there yet, so a derived file
    never appears half written and is never replaced once custody may name its hash.
    When another load got there first, its file stays and its hash is returned."""
    temporary.chmod(0o444)
    final.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.link(temporary, final)
    return sha256_file(final)


def _models(language: str | None, script_of: Any) -> str:
    if language in _MODELS:
        return _MODELS[language]
    script = script_of()
    return _BY_SCRIPT.get(script or "", _UNDETECTED)


def _script(image: Image.Image, timeout: float) -> str | None:
    """Tesseract's guess of the page's main script; None when it has too little text."""
    import pytesseract

    try:
        found = pytesseract.image_to_osd(
            image, output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except (pytesseract.TesseractError, RuntimeError):
        return None
    return str(found.get("script")) or None


def _first_image(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def _pdf_page_image(path: Path, n: int) -> Image.Image:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        page = document[n - 1]
        width, height = page.get_size()  # in points
        cap = (MAX_IMAGE_PIXELS / max(width * height, 1)) ** 0.5
        image: Image.Image = page.render(scale=min(300 / 72, cap)).to_pil()
        return image
    finally:
        document.close()


# Tesseract marks left-to-right runs inside Arabic lines with invisible direction marks,
# and breaks words at line ends with a hyphen: both would hide a name from redaction
# and from search (`Ahm-` `ad`).
_MARKS = str.maketrans("", "", "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BROKEN_WORD = re.compile(r"(\w)-\n(\w)")


def _clean(text: str) -> str:
    return _BROKEN_WORD.sub(r"\1\2", text.translate(_MARKS)).strip()


def _mean(confidences: list[float]) -> float | None:
    return round(sum(confidences) / len(confidences), 1) if confidences else None


def _tesseract_failed(error: Exception, timeout: float) -> ScanError:
    if isinstance(error, RuntimeError) and "timeout" in str(error):
        return ScanError(f"OCR took longer than {timeout:g} s a page")
    return ScanError(f"OCR failed: {error}")


def _read_image(path: Path, count: int, models: str, timeout: float) -> tuple[list[OcrPage], str]:
    """Every page of an image document in one Tesseract run (`timeout` a page): its
    text, and the words' confidences from its TSV."""
    import pytesseract

    # Tesseract's OpenMP threads fight the indexer's own processes (one per core) and
    # made images 3x slower than OCRmyPDF's pages here (bench.ocr); OCRmyPDF sets the
    # same limit for the Tesseract it runs.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        text, tsv = pytesseract.run_and_get_multiple_output(
            str(path), ["txt", "tsv"], lang=models, timeout=timeout * count
        )
    except (pytesseract.TesseractError, RuntimeError) as error:
        raise _tesseract_failed(error, timeout) from error
    confidences: dict[int, list[float]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row["level"] == "5" and (row["text"] or "").strip() and float(row["conf"]) >= 0:
            confidences.setdefault(int(row["page_num"]), []).append(float(row["conf"]))
    pages = [
        OcrPage(n, _clean(page), _mean(confidences.get(n, [])))
        for n, page in enumerate(text.split("\f"), start=1)
    ]
    return pages, f"Tesseract {pytesseract.get_tesseract_version()}"


def _quiet_ocrmypdf() -> None:
    """OCRmyPDF logs each page's progress and Tesseract's remarks; the report says what
    matters. Its logger is process-wide, so a level someone else chose is kept."""
    logger = logging.getLogger("ocrmypdf")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.ERROR)


def _read_pdf(
    path: Path, pages: list[int], models: str, timeout: float, searchable: Path
) -> tuple[list[OcrPage], str]:
    """The listed pages of a PDF through OCRmyPDF, which writes the searchable copy;
    other pages are copied untouched."""
    import ocrmypdf
    from ocrmypdf.exceptions import ExitCodeException

    from indexer.ocr_engine import collecting, engine_version

    _quiet_ocrmypdf()
    try:
        with collecting() as read:
            code = ocrmypdf.ocr(
                path,
                searchable,
                language=models,
                mode="redo",
                pages=",".join(map(str, pages)),
                output_type="pdf",
                rasterizer="pypdfium",
                progress_bar=False,
                jobs=1,
                use_threads=True,
                tesseract_timeout=timeout,
                plugins=["indexer.ocr_engine"],
            )
            found = dict(read)
    except ExitCodeException as error:
        raise ScanError(f"OCR failed: {type(error).__name__}: {error}") from error
    if code != 0:
        raise ScanError(f"OCR failed: OCRmyPDF ended with {code!r}")
    read_pages = [OcrPage(n, _clean(found[n][0]), _mean(found[n][1])) for n in pages if n in found]
    if len(read_pages) != len(pages):
        missing = sorted(set(pages) - set(found))
        raise ScanError(f"OCR failed: no text came back for pages {missing}")
    # OCRmyPDF writes this in place of a page Tesseract ran out of time on.
    if late := [page.n for page in read_pages if page.text == "[skipped page]"]:
        raise ScanError(f"OCR took longer than {timeout:g} s on page {late[0]}")
    return read_pages, f"Tesseract {engine_version()} (OCRmyPDF {ocrmypdf.__version__})"


def read_scan(
    store: Path,
    path: Path,
    sha256: str,
    pages: list[int] | None,
    language: str | None,
    options: OcrOptions,
) -> Ocr:
    """OCR of `pages` of a PDF, or of every page of an image document (`pages` None),
    kept beside the original in `store`, or read from there when done before. Any
    failure, of Tesseract, OCRmyPDF, the rendering or the disk, is a `ScanError` that
    says what happened: the caller decides what the record keeps."""
    asked = _asked(language, pages or [])
    derived = _derived(store, sha256, asked, "json")
    if (cached := _cached(derived, asked)) is not None:
        return cached
    if pages is not None and len(pages) > MAX_SCAN_PAGES:
        raise ScanError(f"{len(pages)} pages to read; at most {MAX_SCAN_PAGES}")
    try:
        return _read_and_keep(store, _Scan(path, sha256, pages, language), options)
    except ScanError:
        raise
    except Exception as error:  # OCRmyPDF, pdfium, Pillow and the OS raise many kinds
        raise ScanError(f"OCR failed: {type(error).__name__}: {error}") from error


@dataclass(frozen=True)
class _Scan:
    path: Path
    sha256: str
    pages: list[int] | None
    language: str | None


def _read_and_keep(store: Path, scan: _Scan, options: OcrOptions) -> Ocr:
    path, sha256, pages, language = scan.path, scan.sha256, scan.pages, scan.language
    asked = _asked(language, pages or [])
    timeout = options.timeout_seconds
    derived = _derived(store, sha256, asked, "json")
    # A derived file `_cached` could not use (cut short, its copy changed) is made again.
    for stale in (derived, _derived(store, sha256, asked, "pdf")):
        stale.unlink(missing_ok=True)
    with _staged(store) as searchable, _staged(store) as text:
        if pages is None:
            models = _models(language, lambda: _script(_first_image(path), timeout))
            read, engine = _read_image(path, scan_page_count(path), models, timeout)
            pdf_sha256 = None
        else:
            models = _models(language, lambda: _script(_pdf_page_image(path, pages[0]), timeout))
            read, engine = _read_pdf(path, pages, models, timeout, searchable)
            pdf_sha256 = _keep(searchable, _derived(store, sha256, asked, "pdf"))
        body = {
            "asked": asked,
            "original_sha256": sha256,
            "engine": engine,
            "languages": models,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "pages": [{"n": p.n, "text": p.text, "confidence": p.confidence} for p in read],
            "pdf_sha256": pdf_sha256,
        }
        text.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        _keep(text, derived)
    # Another load may have kept its reading first: custody names the one on disk.
    kept = _cached(derived, asked)
    if kept is None:
        raise ScanError("the derived file could not be read back from the originals store")
    return kept
