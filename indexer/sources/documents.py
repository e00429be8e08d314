"""Testimonies and filings: one file per record with front matter or a `.yaml` sidecar,
or one JSON object per line in `testimonies.jsonl` / `filings.jsonl`.

Text is kept page by page so that a hit can cite its page: PDF pages as the PDF has
them, form feeds (`\\f`) as page breaks in `.md` and `.txt`, a whole `.docx` as page 1.
Scans (`.jpg`, `.png`, `.tif`, and PDF pages without a usable text layer) are read by
OCR later, in the worker processes (`indexer.ocr`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pypdf
import yaml

from evidence.yaml_input import read_bundle_yaml
from indexer.ocr import IMAGE_SUFFIXES
from indexer.report import Origin, Rejection
from indexer.sources.base import RawRecord, read_jsonl, sha256_file

__all__ = ["FOLDERS", "read_documents"]

FOLDERS = {"testimony": "testimonies", "filing": "filings"}
DOCUMENT_SUFFIXES = {".md", ".txt", ".pdf", ".docx", *IMAGE_SUFFIXES}
SIDECAR_SUFFIX = ".yaml"
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024


class _Unreadable(Exception):
    """A document or its metadata cannot be read; the message says why."""

    def __init__(self, field: str, reason: str, line: int = 1) -> None:
        super().__init__(reason)
        self.field, self.reason, self.line = field, reason, line


def _yaml_mapping(text: str, where: str, first_line: int = 1) -> dict[str, Any]:
    try:
        value = read_bundle_yaml(text, where)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = getattr(error, "problem", None) or "cannot be parsed"
        raise _Unreadable("(metadata)", f"{where} is not valid YAML: {problem}", line) from error
    if not isinstance(value, dict):
        raise _Unreadable("(metadata)", f"{where} must be a mapping of fields", first_line)
    return value


def _front_matter(text: str) -> tuple[dict[str, Any] | None, str]:
    """Split a `---` block at the top from the body; None when there is none."""
    if not text.startswith("---"):
        return None, text
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            meta = _yaml_mapping("".join(lines[1:number]), "front matter", first_line=2)
            return meta, "".join(lines[number + 1 :])
    raise _Unreadable("(metadata)", "front matter opened with --- is never closed")


def _quiet_pdf_repairs() -> None:
    """pypdf logs each repair of a damaged file as a warning; the report says what
    matters. Its logger is process-wide, so this is done when a PDF is read, not on
    import, and a level someone else chose is kept."""
    pdf_logger = logging.getLogger("pypdf")
    if pdf_logger.level == logging.NOTSET:
        pdf_logger.setLevel(logging.ERROR)


def _pdf_pages(path: Path) -> list[str]:
    _quiet_pdf_repairs()
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _Unreadable("(file)", "encrypted PDF: supply a decrypted copy")
        return [page.extract_text() or "" for page in reader.pages]
    except _Unreadable:
        raise
    except Exception as error:  # pypdf raises many types for broken files
        raise _Unreadable("(file)", f"unreadable PDF: {error}") from error


def _docx_text(path: Path) -> str:
    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx raises zip, XML and key errors alike
        raise _Unreadable("(file)", f"unreadable DOCX: {error}") from error
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def _read_file(path: Path, root: Path, record_type: str) -> RawRecord:
    if path.is_symlink():
        raise _Unreadable("(file)", "symbolic links are not read")
    size = path.stat().st_size
    if size == 0:
        raise _Unreadable("(file)", "empty file")
    if size > MAX_DOCUMENT_BYTES:
        raise _Unreadable("(file)", f"larger than {MAX_DOCUMENT_BYTES // 2**20} MiB")
    digest = sha256_file(path)
    meta: dict[str, Any] | None = None
    suffix = path.suffix.lower()
    if suffix in {".md", ".txt"}:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise _Unreadable("(file)", f"not UTF-8 at byte {error.start}") from error
        meta, body = _front_matter(text)
        pages = body.split("\f")
    elif suffix == ".pdf":
        pages = _pdf_pages(path)
    elif suffix in IMAGE_SUFFIXES:
        pages = []  # a scan: its pages are counted and read in `indexer.pipeline`
    else:
        pages = [_docx_text(path)]
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if meta is None:
        if not sidecar.is_file():
            raise _Unreadable("(metadata)", f"no front matter and no sidecar {sidecar.name}")
        meta = _yaml_mapping(sidecar.read_text(encoding="utf-8-sig"), sidecar.name)
    origin = Origin(path.relative_to(root).as_posix(), 1)
    return RawRecord(record_type, origin, meta, pages, document=path, document_sha256=digest)


def _jsonl_record(record: RawRecord) -> RawRecord | Rejection:
    fields = dict(record.fields)
    pages = fields.pop("pages", None)
    text = fields.pop("text", None)
    if pages is not None:
        if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
            return record.origin.reject("pages", "must be a list of page texts")
    elif text is not None and not isinstance(text, str):
        return record.origin.reject("text", "must be a string")
    return RawRecord(record.record_type, record.origin, fields, pages or [text or ""])


def read_documents(root: Path, record_type: str) -> Iterator[RawRecord | Rejection]:
    folder = root / FOLDERS[record_type]
    if folder.is_dir():
        paths = sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())
        documents = {p for p in paths if not p.name.endswith(SIDECAR_SUFFIX)}
        for path in paths:
            origin = Origin(path.relative_to(root).as_posix(), 1)
            if path.name.endswith(SIDECAR_SUFFIX):
                if path.with_name(path.name.removesuffix(SIDECAR_SUFFIX)) not in documents:
                    yield origin.reject("(file)", "sidecar without its document")
                continue
            if path.suffix.lower() not in DOCUMENT_SUFFIXES:
                allowed = ", ".join(sorted(DOCUMENT_SUFFIXES))
                yield origin.reject("(file)", f"unsupported file type; expected {allowed}")
                continue
            try:
                yield _read_file(path, root, record_type)
            except _Unreadable as problem:
                yield Origin(origin.file, problem.line).reject(problem.field, problem.reason)
    jsonl = root / f"{FOLDERS[record_type]}.jsonl"
    if jsonl.is_file():
        for item in read_jsonl(jsonl, record_type):
            yield item if isinstance(item, Rejection) else _jsonl_record(item)
