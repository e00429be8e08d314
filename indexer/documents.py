"""Turning a validated record into the document Elasticsearch stores. Pure: no I/O.

Every document gets the common envelope (so facets work across types) plus its
type's fields. Protected material (witness names and contacts, protected places,
names of people without consent) goes under `protected` only, and is redacted out of
the public text, so a lower role's query has nothing to match it against.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evidence.analysis import analysed_text, stemmed_text
from evidence.dates import FuzzyDate, Precision
from evidence.gazetteer import load_gazetteer
from evidence.ids import reference_ids, stable_id
from evidence.names import name_keys
from indexer.bundle import Collection
from indexer.extract import ImageInfo
from indexer.records import FilingIn, PhotoIn, RecordIn, TestimonyIn
from indexer.sources.base import RawRecord

__all__ = ["Extracted", "build_document", "content_hash", "phash_bands"]

PUBLIC_ROLES = {"alleged_perpetrator"}
VOLATILE_FIELDS = {"indexed_at", "custody", "content_hash", "event_ids"}


@dataclass(frozen=True)
class Extracted:
    """What extraction learnt from the original files, decided before building."""

    file_sha256: str | None = None
    image: ImageInfo | None = None
    language: str | None = None


@dataclass
class _Parts:
    """The pieces every type contributes to the envelope."""

    title: str
    date: FuzzyDate | None
    facilities: list[str]
    public_persons: list[dict[str, str]]
    protected_persons: list[dict[str, str]]
    places: list[str]
    public_text: list[str | None]
    protected_strings: list[str]
    specific: dict[str, Any]


def phash_bands(phash: str) -> list[str]:
    """Four 16-bit bands of a 64-bit hash, tagged by position: `0:ab12`, `1:...`."""
    return [f"{i}:{phash[i * 4 : (i + 1) * 4]}" for i in range(len(phash) // 4)]


def _date_doc(value: FuzzyDate | None) -> dict[str, Any] | None:
    return value.as_document() if value else None


def _span(dates: list[FuzzyDate]) -> FuzzyDate | None:
    if not dates:
        return None
    if len(dates) == 1:
        return dates[0]
    earliest = min(d.earliest for d in dates)
    latest = max(d.latest for d in dates)
    text = f"{earliest.isoformat()}/{latest.isoformat()}"
    approximate = any(d.approximate for d in dates)
    return FuzzyDate(earliest, latest, Precision.RANGE, approximate, text)


def _photo(record: PhotoIn, extracted: Extracted) -> _Parts:
    label = load_gazetteer().label(record.facility) if record.facility else None
    when = record.date_photographed
    title = " · ".join(p for p in (f"Photo {record.photo_id}", label, when and when.text) if p)
    image = extracted.image
    victims = [{"name": record.victim_name, "role": "victim"}] if record.victim_name else []
    return _Parts(
        title=title,
        date=when,
        facilities=[record.facility] if record.facility else [],
        public_persons=[],
        protected_persons=victims,
        places=[],
        public_text=[record.detainee_no, record.report_no, record.findings, *record.tags],
        protected_strings=[record.victim_name] if record.victim_name else [],
        specific={
            "file": record.file,
            "body_id": record.body_id,
            "detainee_no": record.detainee_no,
            "branch_no": record.branch_no,
            "report_no": record.report_no,
            "category": record.category,
            "identification": record.identification,
            "findings": record.findings,
            "tags": record.tags,
            "exif": {
                "datetime_original": image.datetime_original,
                "make": image.make,
                "model": image.model,
                "width": image.width,
                "height": image.height,
            }
            if image
            else None,
            "phash": image.phash if image else None,
            "phash_bands": phash_bands(image.phash) if image else [],
            "protected": {"victim_name": record.victim_name} if record.victim_name else {},
        },
    )


def _split_persons(record: TestimonyIn) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    public: list[dict[str, str]] = []
    protected: list[dict[str, str]] = []
    for person in record.persons:
        shown = person.role in PUBLIC_ROLES or (
            person.role == "victim" and "publication" in record.consent
        )
        (public if shown else protected).append({"name": person.name, "role": person.role})
    return public, protected


def _testimony(record: TestimonyIn) -> _Parts:
    public, protected = _split_persons(record)
    public_names = {p["name"] for p in public}
    event_dates = [event.date for event in record.events if event.date]
    facilities = list(
        dict.fromkeys(
            [*record.facilities, *(event.facility for event in record.events if event.facility)]
        )
    )
    place = record.interview_place
    protected_strings = [s for s in (record.witness_name, record.witness_contact) if s] + [
        p["name"] for p in protected
    ]
    if place and record.protected_place:
        protected_strings.append(place)
    when = record.interview_date
    title = f"Testimony of {record.witness_pseudonym}" + (f" · {when.text}" if when else "")
    events = [
        {
            "seq": seq,
            "date": _date_doc(event.date),
            "description": event.description,
            "facilities": [event.facility] if event.facility else [],
            "persons": [name for name in event.persons if name in public_names],
        }
        for seq, event in enumerate(record.events, start=1)
    ]
    return _Parts(
        title=title,
        date=_span(event_dates) or when,
        facilities=facilities,
        public_persons=public,
        protected_persons=protected,
        places=[place] if place and not record.protected_place else [],
        public_text=[
            record.witness_pseudonym,
            record.interviewer_org,
            *(event.description for event in record.events),
        ],
        protected_strings=protected_strings,
        specific={
            "witness_pseudonym": record.witness_pseudonym,
            "interviewer_org": record.interviewer_org,
            "consent": record.consent,
            "interview_date": _date_doc(when),
            "events": events,
            "protected": {
                "witness_name": record.witness_name,
                "witness_contact": record.witness_contact,
                "interview_place": place if record.protected_place else None,
            },
        },
    )


def _filing(record: FilingIn) -> _Parts:
    kind = record.doc_type.replace("_", " ").capitalize()
    title = record.title or f"{kind} · {record.court}"
    return _Parts(
        title=title,
        date=record.date_issued or record.date_filed,
        facilities=[],
        public_persons=[{"name": n, "role": "alleged_perpetrator"} for n in record.defendants],
        protected_persons=[],
        places=[],
        public_text=[record.court, record.case_no, kind, record.outcome, *record.charges],
        protected_strings=[],
        specific={
            "court": record.court,
            "jurisdiction": record.jurisdiction,
            "case_no": record.case_no,
            "doc_type": record.doc_type,
            "date_filed": _date_doc(record.date_filed),
            "date_issued": _date_doc(record.date_issued),
            "defendants": record.defendants,
            "charges": record.charges,
            "outcome": record.outcome,
            "cites": record.cites,
            "cites_ids": sorted({i for ref in record.cites for i in reference_ids(ref)}),
        },
    )


def _redactor(strings: list[str]) -> re.Pattern[str] | None:
    unique = sorted({s for s in strings if len(s) >= 3}, key=len, reverse=True)
    return re.compile("|".join(re.escape(s) for s in unique), re.IGNORECASE) if unique else None


def _field_values(analyser: Any, texts: Sequence[str | None]) -> list[str]:
    """One value per part; the field's position gap keeps phrases from spanning parts."""
    return [value for text in texts if text and (value := analyser(text))]


def _name_key_values(names: list[str]) -> list[str]:
    """One value per name, keys in name order, so phrase queries on keys work."""
    return [" ".join(keys) for name in dict.fromkeys(names) if (keys := name_keys(name))]


def content_hash(document: dict[str, Any]) -> str:
    """Hash of what the record says, ignoring when and how often it was indexed."""
    stable = {k: v for k, v in document.items() if k not in VOLATILE_FIELDS}
    canonical = json.dumps(stable, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def build_document(
    collection: Collection, raw: RawRecord, record: RecordIn, extracted: Extracted
) -> dict[str, Any]:
    """The full document for one record; `indexed_at` and `custody` are added at bulk time."""
    if isinstance(record, PhotoIn):
        parts = _photo(record, extracted)
    elif isinstance(record, TestimonyIn):
        parts = _testimony(record)
    else:
        parts = _filing(record)
    gazetteer = load_gazetteer()
    facilities = [gazetteer.facilities[f] for f in parts.facilities]
    specific = dict(parts.specific)
    branch_nos = {f.branch_no for f in facilities if f.branch_no}
    if specific.get("branch_no"):
        branch_nos.add(specific["branch_no"])
    redact = _redactor(parts.protected_strings)
    if redact and specific.get("events"):
        specific["events"] = [
            event | {"description": redact.sub("[withheld]", event["description"])}
            for event in specific["events"]
        ]
    pages = raw.pages or []
    public_pages = [redact.sub("[withheld]", page) if redact else page for page in pages]
    protected = {k: v for k, v in specific.pop("protected", {}).items() if v}
    if parts.protected_persons:
        protected["persons"] = parts.protected_persons
    # Every role, for the role facet of those who see protected persons: one field, so a
    # record with a role among both kinds of person counts once.
    every_role = {p["role"] for p in parts.public_persons + parts.protected_persons}
    if every_role:
        protected["person_roles"] = sorted(every_role)
    if public_pages != pages:
        protected["pages"] = [{"n": n, "text": t} for n, t in enumerate(pages, start=1)]
    if parts.protected_strings or "pages" in protected:
        private_text = [*parts.protected_strings, *(pages if "pages" in protected else [])]
        protected["search_text"] = _field_values(analysed_text, private_text)
        protected["search_stems"] = _field_values(stemmed_text, private_text)
    # A branch number written on a body names the branch: its names find the photo too.
    branches = [b for no in sorted(branch_nos) if (b := gazetteer.by_branch(no))]
    public_text = [
        parts.title,
        *(name for f in dict.fromkeys([*facilities, *branches]) for name in f.names),
        *sorted(branch_nos),
        *parts.places,
        *(p["name"] for p in parts.public_persons),
        *(redact.sub("[withheld]", t) if redact and t else t for t in parts.public_text),
        *public_pages,
    ]
    # Not `or`: Level.PUBLIC is 0, and a record marked public must stay public.
    level = (
        collection.default_confidentiality
        if record.confidentiality is None
        else record.confidentiality
    )
    graphic = (
        record.graphic
        if isinstance(record, PhotoIn) and record.graphic is not None
        else (isinstance(record, PhotoIn))
    )
    names = [
        *(name for f in dict.fromkeys([*facilities, *branches]) for name in f.names),
        *(p["name"] for p in parts.public_persons),
    ]
    if parts.protected_strings:
        protected["name_keys"] = _name_key_values(parts.protected_strings)
    document: dict[str, Any] = {
        "stable_id": stable_id(collection.id, raw.record_type, record.local_id),
        "record_type": raw.record_type,
        "collection": collection.id,
        "local_id": record.local_id,
        "title": parts.title,
        "synthetic": collection.synthetic,
        "confidentiality": level.label,
        "graphic": graphic,
        "language": getattr(record, "language", None) or extracted.language,
        "date": _date_doc(parts.date),
        "facilities": parts.facilities,
        "branch_nos": sorted(branch_nos),
        "hospitals": [f.id for f in facilities if f.kind == "hospital"],
        "places": parts.places,
        "persons": parts.public_persons,
        # Roles of the persons every reader may see; protected persons' roles are under
        # protected.persons, so a role filter cannot single out records by them.
        "person_roles": sorted({p["role"] for p in parts.public_persons}),
        "sha256": extracted.file_sha256 or raw.document_sha256,
        "source": {
            "file": raw.origin.file,
            "line": raw.origin.line,
            "media_type": extracted.image.media_type if extracted.image else None,
        },
        "pages": [
            {"n": n, "text": t, "terms": analysed_text(t)}
            for n, t in enumerate(public_pages, start=1)
            if t.strip()
        ],
        "search_text": _field_values(analysed_text, public_text),
        "search_stems": _field_values(stemmed_text, public_text),
        "name_keys": _name_key_values(names),
        "protected": protected,
        **specific,
    }
    document["content_hash"] = content_hash(document)
    return document
