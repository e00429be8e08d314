"""Turning a raw record into the document Elasticsearch stores (pure, no I/O)."""

from __future__ import annotations

from typing import Any

from evidence.access import Level
from evidence.analysis import analysed_text
from evidence.dates import parse_fuzzy_date
from evidence.ids import stable_id
from indexer.bundle import Collection, RawRecord
from indexer.report import Origin, Rejection

__all__ = ["photo_document"]

_PHOTO_COLUMNS = {
    "photo_id",
    "file",
    "body_id",
    "detainee_no",
    "branch_no",
    "report_no",
    "facility",
    "date_photographed",
    "category",
    "identification",
    "victim_name",
    "findings",
    "tags",
    "confidentiality",
    "graphic",
}


def _text(fields: dict[str, Any], name: str) -> str:
    return str(fields.get(name) or "").strip()


def photo_document(
    collection: Collection, raw: RawRecord
) -> tuple[dict[str, Any] | None, list[Rejection]]:
    """The photo's document, or None and every reason it was rejected."""
    fields = raw.fields
    origin = Origin(raw.file, raw.line, _text(fields, "photo_id") or None)
    problems: list[Rejection] = []

    def reject(field: str, reason: str) -> None:
        problems.append(origin.reject(field, reason))

    if None in fields:
        reject("(row)", "more values than header columns")
    photo_id = _text(fields, "photo_id")
    if not photo_id:
        reject("photo_id", "required")
    try:
        when = parse_fuzzy_date(_text(fields, "date_photographed"))
    except ValueError as error:
        reject("date_photographed", str(error))
        when = None
    level = collection.default_confidentiality
    if _text(fields, "confidentiality"):
        try:
            level = Level.parse(_text(fields, "confidentiality"))
        except ValueError as error:
            reject("confidentiality", str(error))
    graphic_text = _text(fields, "graphic").lower() or "true"
    if graphic_text not in {"true", "false"}:
        reject("graphic", f"{graphic_text!r} is not true or false")
    if problems:
        return None, problems

    facility = _text(fields, "facility")
    findings = _text(fields, "findings")
    branch_no = _text(fields, "branch_no")
    title = f"Photo {photo_id}" + (f" · {facility}" if facility else "")
    document = {
        "stable_id": stable_id(collection.id, "photo", photo_id),
        "record_type": "photo",
        "collection": collection.id,
        "local_id": photo_id,
        "title": title,
        "synthetic": collection.synthetic,
        "confidentiality": level.label,
        "graphic": graphic_text == "true",
        "date": when.as_document() if when else None,
        "facilities": [facility] if facility else [],
        "body_id": _text(fields, "body_id") or None,
        "branch_no": branch_no or None,
        "report_no": _text(fields, "report_no") or None,
        "findings": findings or None,
        "tags": [t.strip() for t in _text(fields, "tags").split(";") if t.strip()],
        "search_text": analysed_text(title, facility, branch_no, findings),
    }
    return document, []


def unknown_columns(header: set[str]) -> set[str]:
    """Columns the format does not define: warned about once per file, records kept."""
    return header - _PHOTO_COLUMNS
