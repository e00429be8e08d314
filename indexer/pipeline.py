"""Raw record -> validated record -> extracted facts -> document, with nothing lost.

`prepare` yields what can be indexed and adds everything else to the report as a
rejection with its file, line, field and reason. Validation and extraction are the
same for `validate`, `load`, `rebuild` and uploads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from indexer.bulk import IndexAction
from indexer.bundle import Collection
from indexer.documents import Extracted, build_document
from indexer.events import timeline_events
from indexer.extract import ImageError, detect_language, image_info
from indexer.records import PhotoIn, RecordIn, known_fields, model_for
from indexer.report import LoadReport, Origin, Rejection
from indexer.sources import RawRecord, read_records
from indexer.sources.base import sha256_file

__all__ = ["prepare"]


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
    if not path.is_file():
        raise _MediaError(f"{relative} does not exist in the bundle")
    return path


def _extract(collection: Collection, raw: RawRecord, record: RecordIn) -> Extracted:
    if isinstance(record, PhotoIn):
        if not record.file:
            return Extracted(language=detect_language(record.findings or ""))
        path = _media_path(collection, record.file)
        digest = sha256_file(path)
        try:
            image = image_info(path)
        except ImageError as error:
            raise _MediaError(str(error)) from error
        return Extracted(digest, image, detect_language(record.findings or ""))
    language = (
        None if getattr(record, "language", None) else detect_language("\n".join(raw.pages or []))
    )
    return Extracted(language=language)


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


def prepare(
    collection: Collection,
    record_type: str,
    report: LoadReport,
    tick: Callable[[], None] | None = None,
) -> Iterator[IndexAction]:
    """Documents ready to index; rejections and warnings go into `report`."""
    first_seen: dict[str, Origin] = {}
    warned_files: set[str] = set()
    allowed = known_fields(record_type)
    for item in read_records(collection, record_type):
        report.read += 1
        if tick:
            tick()
        if isinstance(item, Rejection):
            report.rejections.append(item)
            continue
        origin = _with_local_id(item, item.fields, record_type)
        unknown = sorted(str(name) for name in item.fields if name not in allowed)
        if unknown and origin.file not in warned_files:
            warned_files.add(origin.file)
            report.warnings.append(f"{origin.file}: unknown fields ignored: {', '.join(unknown)}")
        try:
            record = model_for(record_type).model_validate(item.fields)
        except ValidationError as error:
            report.rejections.extend(_validation_rejections(origin, error))
            continue
        if record.local_id in first_seen:
            earlier = first_seen[record.local_id]
            reason = f"duplicate {record_type}_id; first at {earlier.file} line {earlier.line}"
            report.rejections.append(origin.reject(f"{record_type}_id", reason))
            continue
        first_seen[record.local_id] = origin
        try:
            extracted = _extract(collection, item, record)
        except _MediaError as error:
            report.rejections.append(origin.reject("file", str(error)))
            continue
        document = build_document(collection, item, record, extracted)
        events = timeline_events(document)
        document["event_ids"] = [event["event_id"] for event in events]
        yield document, origin, events
