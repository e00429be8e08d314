"""One record and what links to it: fetch by id (audited), cites and cited-by, the
other frames of the same body, near-duplicate photos, and the original image file; and
how the record page shows it: one page of a document at a time, its fields by name."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from evidence.errors import NotFound
from evidence.gazetteer import load_gazetteer
from evidence.ids import reference_ids
from search_api.deps import Caller
from search_api.explain import matched_spellings
from search_api.highlight import MatchTerms, match_terms
from search_api.locale import N_
from search_api.models import Link, RecordOut
from search_api.store import Store, by_id
from search_api.syntax import ParsedQuery, Phrase, parse_query
from search_api.text import hit_pages

__all__ = [
    "FIELD_LABELS",
    "RECORD_EXCLUDES",
    "DocumentView",
    "Field",
    "RecordFile",
    "detail_fields",
    "document_view",
    "link_queries",
    "links_body",
    "near_distance",
    "record",
    "record_file",
    "view_terms",
]

LINK_FIELDS = ["stable_id", "record_type", "title", "date", "phash", "local_id"]
NEAR_DUPLICATE_BITS = 10
NEAR_NOTE = "pHash distance {} bits"
# Index-only fields a record page never shows.
RECORD_EXCLUDES = [
    "search_text",
    "search_stems",
    "pages.terms",
    "content_hash",
    "name_keys",
    "protected.search_text",
    "protected.search_stems",
    "protected.name_keys",
    "protected.person_roles",
    "person_facts",
    "protected.person_facts",
    "protected.person_keys",
]
_ENVELOPE = set(RecordOut.model_fields) | {
    "persons",
    "search_text",
    "search_stems",
    "content_hash",
    "indexed_at",
    "cites_ids",
    "phash_bands",
    "branch_nos",
    "hospitals",
    "person_roles",
    "person_facts",
    "file",
}


def _link(source: dict[str, Any], note: str | None = None) -> Link:
    return Link.model_validate(source | {"note": note})


def links_body(query: dict[str, Any], size: int = 50) -> dict[str, Any]:
    return {"query": query, "size": size, "_source": LINK_FIELDS, "sort": [{"stable_id": "asc"}]}


def _sources(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [hit["_source"] for hit in answer["hits"]["hits"]]


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def link_queries(stable_id: str, source: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The searches for what a record cites, its body's other frames and its
    near-duplicates; which apply depends on the record."""
    others = {"must_not": [{"ids": {"values": [stable_id]}}]}
    queries: dict[str, dict[str, Any]] = {}
    if source.get("cites_ids"):
        ids = {"ids": {"values": source["cites_ids"]}}
        queries["cites"] = links_body(ids, size=len(source["cites_ids"]))
    if source.get("body_id"):
        body = [
            {"term": {"collection": source["collection"]}},
            {"term": {"body_id": source["body_id"]}},
        ]
        queries["same_body"] = links_body({"bool": {"filter": body, **others}})
    if source.get("phash"):
        bands = [{"terms": {"phash_bands": source.get("phash_bands", [])}}]
        queries["near"] = links_body({"bool": {"filter": bands, **others}}, size=200)
    return queries


async def record(store: Store, stable_id: str, caller: Caller) -> RecordOut:
    """The record and its links in two round trips (the record with what cites it, then
    the links its own fields name), the audit write overlapping the second."""
    access = caller.access
    exclude = RECORD_EXCLUDES + ([] if access.sees_protected_fields else ["protected"])
    found, citing = await store.msearch(
        [
            by_id(stable_id, exclude),
            links_body({"term": {"cites_ids": stable_id}}),
        ],
        access,
    )
    if not found["hits"]["hits"]:
        await caller.audit("record.view", outcome="not_found", record_ids=[stable_id])
        raise NotFound(N_("No record %(id)s."), id=stable_id)
    source = found["hits"]["hits"][0]["_source"]
    queries = link_queries(stable_id, source)
    answers, _ = await asyncio.gather(
        store.msearch(list(queries.values()), access) if queries else _no_answers(),
        caller.audit("record.view", record_ids=[stable_id]),
    )
    links = dict(zip(queries, answers, strict=True))
    # `cites` as written stays a detail, the resolved links take the name, and only
    # references to records the caller sees are shown: the rest would say what is hidden.
    visible = {hit["stable_id"] for hit in _sources(links["cites"])} if "cites" in links else set()
    written = [
        reference
        for reference in source.pop("cites", None) or []
        if visible.intersection(reference_ids(reference))
    ]
    gazetteer = load_gazetteer()
    pages = source.get("pages", [])
    protected = source.get("protected") if access.sees_protected_fields else None
    if protected and protected.get("pages"):
        pages = protected["pages"]
    if protected and (unredacted := protected.pop("unredacted", None)):
        # Roles that see protected fields read the text as given, names and all.
        source |= unredacted
    out = RecordOut.model_validate(
        source
        | {
            "has_image": bool(source.get("file")),
            "facilities": [
                {"id": f, "label": gazetteer.label(f)} for f in source.get("facilities", [])
            ],
            "pages": pages,
            "details": {
                k: v for k, v in source.items() if k not in _ENVELOPE and v not in (None, [], {})
            }
            | ({"cites_as_written": written} if written else {}),
            "protected": protected or None,
        }
    )
    out.cited_by = [_link(s) for s in _sources(citing)]
    if "cites" in links:
        out.cites = [_link(s) for s in _sources(links["cites"])]
    if "same_body" in links:
        out.same_body = [_link(s) for s in _sources(links["same_body"])]
    if "near" in links:
        out.near_duplicates = [
            _link(c, NEAR_NOTE.format(d))
            for c in _sources(links["near"])
            if (d := _hamming(c["phash"], source["phash"])) <= NEAR_DUPLICATE_BITS
        ]
    return out


async def _no_answers() -> list[dict[str, Any]]:
    return []


@dataclass(frozen=True)
class RecordFile:
    """The image a photo record names: by content (its SHA-256), never by path."""

    stable_id: str
    sha256: str
    media_type: str
    graphic: bool


async def record_file(
    store: Store, stable_id: str, caller: Caller, *, audit_as: str | None = None
) -> RecordFile:
    """The image of a photo the caller may see, and whether it is graphic.

    Serving the original (a reveal, a download) is audited as `audit_as`, with the
    file's SHA-256; a blurred preview is not. Probes for hidden ids are audited too. A
    record the caller may not see, one that does not exist and one without an image are
    the same "No image" 404, so the answer tells nothing about records above the caller.
    """
    exclude = ["search_text", "search_stems", "pages", "protected"]
    try:
        source = await store.get(stable_id, caller.access, exclude=exclude)
    except NotFound:
        source = {}
    if not (source.get("file") and source.get("sha256")):
        if audit_as:
            await caller.audit(audit_as, outcome="not_found", record_ids=[stable_id])
        raise NotFound(N_("No image for %(id)s."), id=stable_id)
    image = RecordFile(
        stable_id,
        str(source["sha256"]),
        str((source.get("source") or {}).get("media_type") or "application/octet-stream"),
        bool(source.get("graphic", True)),
    )
    if audit_as:
        await caller.audit(audit_as, record_ids=[stable_id], params={"sha256": image.sha256})
    return image


# The record page names each type-specific field; a field not named here is shown with
# its underscores as spaces, and the internal ones are not shown at all.
FIELD_LABELS: dict[str, str] = {
    "body_id": N_("Body"),
    "detainee_no": N_("Detainee number"),
    "branch_no": N_("Branch number"),
    "report_no": N_("Report number"),
    "category": N_("Category"),
    "identification": N_("Identification"),
    "findings": N_("Findings"),
    "tags": N_("Tags"),
    "exif": N_("Camera data"),
    "phash": N_("Perceptual hash"),
    "witness_pseudonym": N_("Witness pseudonym"),
    "interviewer_org": N_("Interviewed by"),
    "consent": N_("Consent"),
    "interview_date": N_("Interview date"),
    "events": N_("Events"),
    "court": N_("Court"),
    "jurisdiction": N_("Jurisdiction"),
    "case_no": N_("Case number"),
    "doc_type": N_("Document type"),
    "date_filed": N_("Filed"),
    "date_issued": N_("Issued"),
    "defendants": N_("Defendants"),
    "charges": N_("Charges"),
    "outcome": N_("Outcome"),
    "cites_as_written": N_("Cites as written"),
    "witness_name": N_("Witness name"),
    "witness_contact": N_("Witness contact"),
    "interview_place": N_("Interview place"),
    "victim_name": N_("Victim name"),
    "aliases": N_("Aliases"),
    "persons": N_("Persons"),
}
# How each field is written: stored values by their names, dates for people, free text
# as Markdown, identifiers and hashes as code that may wrap.
_KINDS = {
    "category": "label",
    "identification": "label",
    "doc_type": "label",
    "consent": "labels",
    "findings": "markdown",
    "interview_date": "date",
    "date_filed": "date",
    "date_issued": "date",
    "exif": "exif",
    "events": "events",
    "persons": "persons",
    "phash": "code",
    "body_id": "code",
    "cites_as_written": "code",
}
# Index internals, and the protected part's list of what it withholds (used to withhold
# the same names from chronologies, never shown).
_HIDDEN = {
    "name_keys",
    "event_ids",
    "withheld",
    "pages",
    "unredacted",
    "person_roles",
    "person_keys",
    "person_facts",
}


@dataclass(frozen=True)
class Field:
    """One field as the record page shows it."""

    key: str
    label: str
    kind: str
    value: Any


def detail_fields(details: dict[str, Any] | None) -> list[Field]:
    """A record's type-specific (or protected) fields in the order stored, by name."""
    fields = []
    for key, value in (details or {}).items():
        if key in _HIDDEN or value in (None, "", [], {}):
            continue
        kind = _KINDS.get(key) or ("list" if isinstance(value, list) else "text")
        fields.append(Field(key, FIELD_LABELS.get(key, key.replace("_", " ")), kind, value))
    return fields


def near_distance(link: Link) -> int | None:
    """How many bits a near-duplicate's pHash differs by (from its note)."""
    prefix, _, suffix = NEAR_NOTE.partition("{}")
    note = link.note or ""
    if note.startswith(prefix) and note.endswith(suffix):
        number = note[len(prefix) : len(note) - len(suffix)]
        return int(number) if number.isdigit() else None
    return None


@dataclass(frozen=True)
class DocumentView:
    """A document shown one page at a time: the page shown, every page's number, and
    which pages hold the query's words."""

    page: dict[str, Any] | None
    numbers: list[int]
    hits: list[int]

    @property
    def current(self) -> int | None:
        return int(self.page["n"]) if self.page else None

    def _around(self, numbers: list[int]) -> tuple[int | None, int | None]:
        current = self.current
        if current is None:
            return None, None
        before = [n for n in numbers if n < current]
        after = [n for n in numbers if n > current]
        return (before[-1] if before else None), (after[0] if after else None)

    @property
    def previous_page(self) -> int | None:
        return self._around(self.numbers)[0]

    @property
    def next_page(self) -> int | None:
        return self._around(self.numbers)[1]

    @property
    def previous_hit(self) -> int | None:
        return self._around(self.hits)[0]

    @property
    def next_hit(self) -> int | None:
        return self._around(self.hits)[1]


def view_terms(q: str, found: RecordOut, caller: Caller) -> MatchTerms | None:
    """The words a record page marks for `q`: the query's own, and the record's names the
    query matched in another script or spelling (`أنور رسلان` marks `Anwar Raslan`), so a
    snippet's link lands on a marked word. Only names the page shows are candidates."""
    if not q:
        return None
    parsed = parse_query(q)
    shown = {"persons": found.persons, "facilities": [f["id"] for f in found.facilities]}
    spelled = tuple(Phrase(name) for name in matched_spellings(parsed, shown, caller.access))
    return match_terms(ParsedQuery(required=(*parsed.required, *spelled)))


def document_view(
    pages: list[dict[str, Any]], wanted: int | None, terms: MatchTerms | None
) -> DocumentView:
    """Page `wanted` of a document (the nearest page it has, when it has no such page;
    the first page holding a hit when none is asked for)."""
    numbers = [int(page["n"]) for page in pages]
    hits = hit_pages(pages, terms) if terms and not terms.is_empty else []
    if not numbers:
        return DocumentView(None, [], [])
    if wanted is None:
        wanted = hits[0] if hits else numbers[0]
    nearest = min(numbers, key=lambda n: (abs(n - wanted), n))
    page = next(page for page in pages if int(page["n"]) == nearest)
    return DocumentView(page, numbers, hits)
