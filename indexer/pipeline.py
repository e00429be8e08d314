"""Raw record -> validated record -> extracted facts -> document, with nothing lost.

`prepare` yields what can be indexed and adds everything else to the report as a
rejection with its file, line, field and reason. Validation and extraction are the
same for `validate`, `load`, `rebuild` and uploads.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evidence.originals import keep_original, sha256_file, stored_path
from indexer.bulk import IndexAction
from indexer.bundle import Collection
from indexer.documents import Extracted, build_document
from indexer.events import timeline_events
from indexer.extract import ImageError, detect_language, image_info
from indexer.ocr import (
    IMAGE_SUFFIXES,
    Ocr,
    OcrOptions,
    ScanError,
    pages_to_read,
    read_scan,
    scan_page_count,
)
from indexer.records import PhotoIn, RecordIn, known_fields, model_for
from indexer.report import LoadReport, Origin, Rejection, Withheld
from indexer.sources import RawRecord, read_records

__all__ = ["UNKNOWN_FIELDS", "Line", "Survey", "prepare", "survey"]

_WORK_CHUNK = 200  # records per task sent to a worker process
UNKNOWN_FIELDS = ": unknown fields ignored: "  # a file's warning: FILE + this + the fields


class _MediaError(Exception):
    pass


def _media_path(collection: Collection, relative: str) -> Path:
    """The file a photo row names, refusing anything outside the bundle."""
    candidate = Path(relative)
    if candidate.is_absolute() or ".." in candidate.parts:
        raise _MediaError("must be a path inside the bundle")
    path = collection.root / candidate
    if path.is_symlink():
        raise _MediaError("symbolic links are not read")
    if path.is_dir():
        raise _MediaError(f"{relative} is a folder, not an image file")
    if not path.is_file():
        raise _MediaError(f"{relative} does not exist in the bundle")
    return path


def _extract(
    collection: Collection,
    raw: RawRecord,
    record: RecordIn,
    originals: Path | None,
    ocr_options: OcrOptions | None,
) -> Extracted:
    if isinstance(record, PhotoIn):
        if not record.file:
            return Extracted(language=detect_language(record.findings or ""))
        path = _media_path(collection, record.file)
        digest = sha256_file(path)
        try:
            image = image_info(path)
        except ImageError as error:
            raise _MediaError(str(error)) from error
        if originals is not None:
            try:
                kept = keep_original(originals, path)
            except OSError as error:
                raise _MediaError(f"cannot be kept in the originals store: {error}") from error
            if kept != digest:
                raise _MediaError(f"{record.file} changed while it was being read")
        return Extracted(digest, image, detect_language(record.findings or ""))
    given = getattr(record, "language", None)
    pages, ocr, warning = _scanned_pages(raw, given, originals, ocr_options)
    language = None if given else detect_language("\n".join(pages or raw.pages or []))
    return Extracted(language=language, pages=pages, ocr=ocr, warning=warning)


def _scanned_pages(
    raw: RawRecord, language: str | None, originals: Path | None, options: OcrOptions | None
) -> tuple[tuple[str, ...] | None, Ocr | None, str | None]:
    """A scan's pages once read: every page of an image, the PDF pages without a usable
    text layer (other documents are never scans). Without OCR (off, or only validating)
    an image's pages are counted, and empty. When OCR fails the record keeps what it
    has (a PDF's text layer, a scan's metadata) and the report says which pages were
    not read and why: nothing is lost for a reader that could not read one file."""
    path = raw.document
    suffix = path.suffix.lower() if path else ""
    if path is None or (suffix != ".pdf" and suffix not in IMAGE_SUFFIXES):
        return None, None, None
    image = suffix in IMAGE_SUFFIXES
    try:
        count = scan_page_count(path) if image else len(raw.pages or [])
    except ScanError as error:
        raise _MediaError(str(error)) from error
    to_read = list(range(1, count + 1)) if image else pages_to_read(raw.pages or [])
    pages = [""] * count if image else list(raw.pages or [])
    if options is None or originals is None or not to_read:
        return (tuple(pages) if image else None), None, None
    try:
        kept = keep_original(originals, path)
    except OSError as error:
        raise _MediaError(f"cannot be kept in the originals store: {error}") from error
    if kept != raw.document_sha256:
        raise _MediaError(f"{path.name} changed while it was being read")
    stored = stored_path(originals, kept)
    try:
        read = read_scan(originals, stored, kept, None if image else to_read, language, options)
    except ScanError as error:
        numbers = ", ".join(map(str, to_read))
        where = raw.origin.file
        return tuple(pages), None, f"{where}: OCR did not read pages {numbers}: {error}"
    for page in read.pages:
        if 1 <= page.n <= len(pages):
            pages[page.n - 1] = page.text
    return tuple(pages), read, None


def _validation_rejections(origin: Origin, error: ValidationError) -> list[Rejection]:
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(record)"
        reason = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            reason = "required"
        problems.append(origin.reject(field, reason))
    return problems


def _with_local_id(raw: RawRecord, fields: dict[str, Any], record_type: str) -> Origin:
    local_id = fields.get(f"{record_type}_id")
    return Origin(raw.origin.file, raw.origin.line, str(local_id) if local_id else None)


@dataclass(frozen=True)
class _Checked:
    """One record after validation and extraction: its id once valid, its problems, or
    what to index. Small and picklable, so worker processes can hand it back."""

    origin: Origin | None
    local_id: str | None = None
    rejections: tuple[Rejection, ...] = ()
    action: IndexAction | None = None
    review: tuple[Withheld, ...] = ()
    warning: str | None = None  # for the report: indexed, but not all of it was read


def _check(
    collection: Collection,
    record_type: str,
    item: RawRecord | Rejection,
    originals: Path | None,
    ocr: OcrOptions | None = None,
) -> _Checked:
    """Validate, hash, extract and build one record; a photo's file goes into the
    `originals` store (none when only validating). No shared state but that
    content-addressed store. A record the reader already rejected passes through, so
    the report keeps file order."""
    if isinstance(item, Rejection):
        return _Checked(None, rejections=(item,))
    origin = _with_local_id(item, item.fields, record_type)
    try:
        record = model_for(record_type).model_validate(item.fields)
    except ValidationError as error:
        return _Checked(origin, rejections=tuple(_validation_rejections(origin, error)))
    # `model_for` is typed with the models' private base class; this names the three.
    assert isinstance(record, RecordIn)
    try:
        extracted = _extract(collection, item, record, originals, ocr)
    except _MediaError as error:
        return _Checked(origin, record.local_id, (origin.reject("file", str(error)),))
    document, review = build_document(collection, item, record, extracted)
    events = timeline_events(document)
    document["event_ids"] = [event["event_id"] for event in events]
    return _Checked(
        origin,
        record.local_id,
        action=(document, origin, events),
        review=tuple(review),
        warning=extracted.warning,
    )


def _check_chunk(
    collection: Collection,
    record_type: str,
    chunk: list[RawRecord | Rejection],
    originals: Path | None,
    ocr: OcrOptions | None,
) -> list[_Checked]:
    return [_check(collection, record_type, item, originals, ocr) for item in chunk]


def _checked(
    collection: Collection,
    record_type: str,
    items: Iterable[RawRecord | Rejection],
    workers: int,
    originals: Path | None,
    ocr: OcrOptions | None,
) -> Iterator[_Checked]:
    """`_check` over `items` in order; with workers, in that many processes, a bounded
    number of chunks in flight so memory stays flat however large the bundle."""
    if workers <= 0:
        for item in items:
            yield _check(collection, record_type, item, originals, ocr)
        return
    chunks = _batched(items, _WORK_CHUNK)
    first, second = next(chunks, []), next(chunks, None)
    if second is None:
        # Work that fits in one chunk is done here: starting processes costs more.
        yield from _check_chunk(collection, record_type, first, originals, ocr)
        return
    # Never fork this process: it may be running threads (the API's, the ES client's),
    # and a fork copies the locks they hold. Workers fork from a single-threaded server
    # instead, which imports this module once rather than each worker importing it.
    context = get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[Future[list[_Checked]]] = deque()
        for chunk in chain([first, second], chunks):
            pending.append(
                pool.submit(_check_chunk, collection, record_type, chunk, originals, ocr)
            )
            if len(pending) >= 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _batched(
    items: Iterable[RawRecord | Rejection], size: int
) -> Iterator[list[RawRecord | Rejection]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


Line = tuple[str, int]  # (file, line) in the bundle


@dataclass(frozen=True)
class Survey:
    """One record type of a bundle, read and validated but not extracted: how many
    items it has, and which lines repeat an id first seen earlier (with where). What a
    load split into parts needs to cut the type into spans and to reject a duplicate
    whose first occurrence is in another span."""

    items: int
    duplicates: dict[int, tuple[Line, Line]]  # place in reading order -> (here, first)

    def duplicates_in(self, start: int, stop: int) -> dict[Line, Line]:
        """The repeats among items `start` to `stop`: line -> the line first seen."""
        return {
            here: first for place, (here, first) in self.duplicates.items() if start <= place < stop
        }


def survey(collection: Collection, record_type: str) -> Survey:
    """`Survey` of one record type: a pass over the files without hashing, image reads
    or analysis, so seconds for the Caesar photographs' 53,275 rows."""
    first_seen: dict[str, Line] = {}
    duplicates: dict[int, tuple[Line, Line]] = {}
    items = 0
    model = model_for(record_type)
    for place, item in enumerate(read_records(collection, record_type)):
        items += 1
        if isinstance(item, Rejection):
            continue
        try:
            local_id = model.model_validate(item.fields).local_id
        except ValidationError:
            continue
        here = (item.origin.file, item.origin.line)
        if local_id in first_seen:
            duplicates[place] = (here, first_seen[local_id])
        else:
            first_seen[local_id] = here
    return Survey(items, duplicates)


def _duplicate_reason(record_type: str, first: Line) -> str:
    return f"duplicate {record_type}_id; first at {first[0]} line {first[1]}"


def prepare(
    collection: Collection,
    record_type: str,
    report: LoadReport,
    tick: Callable[[], None] | None = None,
    workers: int = 0,
    originals: Path | None = None,
    span: tuple[int, int] | None = None,
    duplicates: Mapping[Line, Line] | None = None,
    ocr: OcrOptions | None = None,
) -> Iterator[IndexAction]:
    """Documents ready to index; rejections and warnings go into `report`. With
    `originals`, each photo's file is kept in that originals store, which is where the
    API serves it from; with `ocr` as well, scanned documents are kept there and read
    by OCR (`indexer.ocr`).

    Reading, duplicate detection and the report stay in this process and in file order;
    with `workers`, validation, extraction and analysis run in worker processes.

    A part of a split load reads only the items in `span` (start, stop: their places
    in the type's reading order), and rejects the lines `duplicates` (from `survey`)
    names as repeats of an id first seen elsewhere, so the parts together reject
    exactly what one whole load would.
    """
    first_seen: dict[str, Origin] = {}
    warned_files: set[str] = set()
    allowed = known_fields(record_type)
    start, stop = span or (0, None)
    repeats = duplicates or {}

    def counted() -> Iterator[RawRecord | Rejection]:
        items = read_records(collection, record_type)
        for item in islice(items, start, stop):
            report.read += 1
            if tick:
                tick()
            if isinstance(item, Rejection):
                yield item
                continue
            unknown = sorted(str(name) for name in item.fields if name not in allowed)
            if unknown and item.origin.file not in warned_files:
                warned_files.add(item.origin.file)
                fields = ", ".join(unknown)
                report.warnings.append(f"{item.origin.file}{UNKNOWN_FIELDS}{fields}")
            yield item

    for checked in _checked(collection, record_type, counted(), workers, originals, ocr):
        if checked.local_id is None or checked.origin is None:
            report.rejections.extend(checked.rejections)
            continue
        first = repeats.get((checked.origin.file, checked.origin.line))
        if first is None and checked.local_id in first_seen:
            earlier = first_seen[checked.local_id]
            first = (earlier.file, earlier.line)
        if first is not None:
            reason = _duplicate_reason(record_type, first)
            report.rejections.append(checked.origin.reject(f"{record_type}_id", reason))
            continue
        first_seen[checked.local_id] = checked.origin
        if checked.rejections:
            report.rejections.extend(checked.rejections)
            continue
        assert checked.action is not None
        report.review.extend(checked.review)
        if checked.warning:
            report.warnings.append(checked.warning)
        yield checked.action
