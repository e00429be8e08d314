"""Dated events derived from a stored document, for timelines (pure, no I/O).

A photo yields the moment it was taken (grouped by body), a testimony its interview and
the events it recounts, a filing its filing and its issue. Undated events are kept.
Every event carries its record's confidentiality and a citation (stable id, page,
SHA-256), so a chronology built from it can be checked against the evidence.
"""

from __future__ import annotations

from typing import Any

from evidence.analysis import analysed_text, stemmed_text
from evidence.dates import PRECISION_RANK, UNDATED_RANK, Precision

__all__ = ["timeline_events"]

_COPIED = ("record_type", "collection", "confidentiality", "synthetic", "graphic")


def _rank(date: dict[str, Any] | None) -> int:
    return PRECISION_RANK[Precision(date["precision"])] if date else UNDATED_RANK


def _event(
    document: dict[str, Any],
    seq: int,
    kind: str,
    date: dict[str, Any] | None,
    description: str,
    full_description: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """One event; `full_description` is the description before protected names were
    withheld from it, kept under `protected` for the roles that may read it."""
    event_id = f"{document['stable_id']}-{seq}"
    first_page = 1 if document.get("pages") else None
    event = {
        "event_id": event_id,
        "record_id": document["stable_id"],
        "record_title": document["title"],
        **{key: document.get(key) for key in _COPIED},
        "kind": kind,
        "seq": seq,
        "date": date,
        "precision_rank": _rank(date),
        "description": description,
        "facilities": document.get("facilities", []),
        "branch_nos": document.get("branch_nos", []),
        "hospitals": document.get("hospitals", []),
        "persons": document.get("persons", []),
        "group_key": event_id,
        "citation": {
            "stable_id": document["stable_id"],
            "page": first_page,
            "sha256": document.get("sha256"),
        },
        **fields,
    }
    text = [description, document["title"], event.get("court"), event.get("case_no")]
    event["search_text"] = [value for t in text if t and (value := analysed_text(t))]
    event["search_stems"] = [value for t in text if t and (value := stemmed_text(t))]
    protected: dict[str, Any] = {}
    if persons := document.get("protected", {}).get("persons"):
        protected["persons"] = persons
    if full_sha256 := _unredacted(document).get("sha256"):
        protected["sha256"] = full_sha256
    if full_description and full_description != description:
        protected["description"] = full_description
        protected["search_text"] = analysed_text(full_description)
        protected["search_stems"] = stemmed_text(full_description)
    event["protected"] = protected
    return event


def _unredacted(document: dict[str, Any]) -> dict[str, Any]:
    unredacted: dict[str, Any] = document.get("protected", {}).get("unredacted", {})
    return unredacted


def _photo(document: dict[str, Any]) -> list[dict[str, Any]]:
    body = document.get("body_id")
    what = document.get("findings") or "no findings recorded"
    unredacted = _unredacted(document)
    full = unredacted.get("findings")
    local_id = document["local_id"]
    full_id = unredacted.get("local_id", local_id)
    if full_id != local_id:
        full = full or what
    group = f"{document['collection']}:{body}" if body else None
    event = _event(
        document,
        1,
        "photographed",
        document.get("date"),
        f"Photographed ({local_id}): {what}",
        f"Photographed ({full_id}): {full}" if full else None,
    )
    if group:
        event["group_key"] = group
    return [event]


def _testimony(document: dict[str, Any]) -> list[dict[str, Any]]:
    pseudonym = document.get("witness_pseudonym")
    events = [
        _event(
            document,
            1,
            "interview",
            document.get("interview_date"),
            f"Testimony of {pseudonym} recorded",
        )
    ]
    public = {p["name"] for p in document.get("persons", [])}
    full = {e["seq"]: e["description"] for e in _unredacted(document).get("events", [])}
    for item in document.get("events", []):
        events.append(
            _event(
                document,
                item["seq"] + 1,
                "testimony_event",
                item.get("date"),
                item["description"],
                full.get(item["seq"]),
                facilities=item.get("facilities") or document.get("facilities", []),
                persons=[
                    p
                    for p in document.get("persons", [])
                    if p["name"] in set(item.get("persons", [])) & public
                ],
            )
        )
    return events


def _filing(document: dict[str, Any]) -> list[dict[str, Any]]:
    kind = (document.get("doc_type") or "filing").replace("_", " ")
    court = document.get("court")
    fields = {
        "court": court,
        "case_no": document.get("case_no"),
        "doc_type": document.get("doc_type"),
    }
    events = []
    if document.get("date_filed"):
        filed = f"{kind.capitalize()} filed with {court}"
        events.append(_event(document, 1, "filed", document["date_filed"], filed, **fields))
    if document.get("date_issued") or not events:
        # An outcome naming a protected defendant is withheld; its roles read it whole.
        issued, full = (
            f"{kind.capitalize()} issued by {court}" + (f": {outcome}" if outcome else "")
            for outcome in (
                document.get("outcome"),
                _unredacted(document).get("outcome", document.get("outcome")),
            )
        )
        date = document.get("date_issued")
        events.append(_event(document, 2, "issued", date, issued, full, **fields))
    return events


def timeline_events(document: dict[str, Any]) -> list[dict[str, Any]]:
    builders = {"photo": _photo, "testimony": _testimony, "filing": _filing}
    return builders[document["record_type"]](document)
