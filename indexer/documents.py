"""Turning a validated record into the document Elasticsearch stores. Pure: no I/O.

Every document gets the common envelope (so facets work across types) plus its
type's fields. Protected material (witness names and contacts, protected places,
names of people without consent) goes under `protected` only, and is redacted out of
the public text, so a lower role's query has nothing to match it against.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from evidence.analysis import analysed_text, stemmed_text
from evidence.dates import FuzzyDate, Precision
from evidence.gazetteer import load_gazetteer
from evidence.ids import reference_ids, stable_id
from evidence.names import CURATED, ROLE, SPELLING, TITLE, name_keys, person_fact
from evidence.redaction import Kind, Protected, Redactor
from evidence.semantic import split_passages
from indexer.bundle import Collection
from indexer.extract import ImageInfo
from indexer.ocr import Ocr
from indexer.persons import PersonRegistry, spelling_key
from indexer.records import FilingIn, PersonIn, PhotoIn, RecordIn, TestimonyIn
from indexer.report import Withheld
from indexer.sources.base import RawRecord

__all__ = ["Built", "Extracted", "build_document", "content_hash", "phash_bands"]

PUBLIC_ROLES = {"alleged_perpetrator"}
# Set at bulk time, after the comparison: `vector_model` and the passages' vectors.
VOLATILE_FIELDS = {
    "indexed_at",
    "first_indexed_at",
    "custody",
    "content_hash",
    "event_ids",
    "vector_model",
}


@dataclass(frozen=True)
class Extracted:
    """What extraction learnt from the original files, decided before building."""

    file_sha256: str | None = None
    image: ImageInfo | None = None
    language: str | None = None
    pages: tuple[str, ...] | None = None  # a scanned document's pages, read or counted
    ocr: Ocr | None = None
    warning: str | None = None  # what extraction could not do, for the report


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
    protected: list[Protected]
    specific: dict[str, Any]
    public_aliases: list[str] = field(default_factory=list)
    # Fields whose public value leaves something out, as given: for the roles that read
    # protected names (`protected.unredacted`).
    unredacted: dict[str, Any] = field(default_factory=dict)


class Built(NamedTuple):
    """A record's document, and what was withheld from its public text where."""

    document: dict[str, Any]
    review: list[Withheld]


# Redaction finds a protected name in the spellings people write, not in the ones OCR
# misreads (`Ahrnad`, `aI-Ahmad`). A page of a record with protected names that OCR read
# with less confidence than this is withheld whole from the roles that may not read the
# names; investigators read it under `protected.pages`.
UNSURE_SCAN_CONFIDENCE = 90.0
UNSURE_SCAN = (
    "[withheld: a machine-read page of a record with protected names, read with {}% confidence]"
)


def _unsure_scans_withheld(public_pages: list[str], ocr: Ocr) -> list[str]:
    shown = list(public_pages)
    for page in ocr.pages:
        confidence = page.confidence
        if 1 <= page.n <= len(shown) and (confidence or 0) < UNSURE_SCAN_CONFIDENCE:
            shown[page.n - 1] = UNSURE_SCAN.format(round(confidence or 0))
    return shown


def _machine_read(ocr: Ocr | None, n: int) -> dict[str, Any]:
    """A page OCR read says so, with Tesseract's mean word confidence (0-100)."""
    page = ocr.page(n) if ocr else None
    return {} if page is None else {"machine_read": True, "confidence": page.confidence}


def _ocr_summary(ocr: Ocr | None) -> dict[str, Any] | None:
    """How a scanned document was read, for custody and for the filter of records with
    pages read with low confidence (`min_confidence`; a page with no words has none)."""
    if ocr is None:
        return None
    confidences = [page.confidence for page in ocr.pages if page.confidence is not None]
    return {
        "engine": ocr.engine,
        "languages": ocr.languages,
        "at": ocr.at,
        "pages": [page.n for page in ocr.pages],
        "min_confidence": min(confidences) if confidences else None,
        "derived_sha256": ocr.derived_sha256,
        "pdf_sha256": ocr.pdf_sha256,
    }


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


def _photo(record: PhotoIn, extracted: Extracted, curated: PersonRegistry) -> _Parts:
    label = load_gazetteer().label(record.facility) if record.facility else None
    when = record.date_photographed
    title = " · ".join(p for p in (f"Photo {record.photo_id}", label, when and when.text) if p)
    image = extracted.image
    victims = [{"name": record.victim_name, "role": "victim"}] if record.victim_name else []
    protected = [Protected(record.victim_name, "victim_name")] if record.victim_name else []
    protected += _aliases(record.victim_aliases, "victim_aliases")
    if record.victim_name:
        protected += _curated_spellings(curated, "victim_name", record.victim_name)
    return _Parts(
        title=title,
        date=when,
        facilities=[record.facility] if record.facility else [],
        public_persons=[],
        protected_persons=victims,
        places=[],
        public_text=[record.detainee_no, record.report_no],
        protected=protected,
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


def _aliases(aliases: list[str], field_name: str) -> list[Protected]:
    return [Protected(alias, f"{field_name}[{i}]") for i, alias in enumerate(aliases)]


def _public_flags(record: TestimonyIn, curated: PersonRegistry) -> list[bool]:
    """Whether each listed person may be published: alleged perpetrators, and victims the
    testimony may be published about; never the witness, whatever role the list gives
    her (a witness is often a victim too), nor a person the bundle's reviewer protected.
    Computed once a record: every part of the document reads the same answer."""
    witness_names = [record.witness_name] if record.witness_name else []
    witness_names += [*record.witness_aliases, *curated.spellings_of(*witness_names)]
    witness = Redactor([Protected(name, "witness") for name in witness_names])

    def is_public(person: PersonIn) -> bool:
        if curated.protects(person.name, *person.aliases):
            return False
        if not (
            person.role in PUBLIC_ROLES
            or (person.role == "victim" and "publication" in record.consent)
        ):
            return False
        # The whole name, in any spelling: a shared surname alone is a relative, or no
        # one. The reviewer's spellings count: the witness's kunya is the witness.
        names = [person.name, *person.aliases]
        return not any(
            found.rule.startswith(("full name", "single name"))
            for name in [*names, *curated.spellings_of(*names)]
            for found in witness.find(name)
        )

    return [is_public(person) for person in record.persons]


def _testimony_protected(
    record: TestimonyIn, curated: PersonRegistry, public: list[bool]
) -> list[Protected]:
    """Every value withheld from a testimony's public text, named by its input field."""
    protected = [Protected(record.witness_name, "witness_name")] if record.witness_name else []
    protected += _aliases(record.witness_aliases, "witness_aliases")
    if record.witness_name:
        protected += _curated_spellings(curated, "witness_name", record.witness_name)
    if record.witness_contact:
        protected.append(Protected(record.witness_contact, "witness_contact", Kind.CONTACT))
    if record.interview_place and record.protected_place:
        protected.append(Protected(record.interview_place, "interview_place", Kind.PLACE))
    for i, (person, is_public) in enumerate(zip(record.persons, public, strict=True)):
        if not is_public:
            protected.append(Protected(person.name, f"persons[{i}].name"))
            protected += _aliases(person.aliases, f"persons[{i}].aliases")
            protected += _curated_spellings(curated, f"persons[{i}]", person.name, *person.aliases)
    return protected


def _curated_spellings(curated: PersonRegistry, where: str, *names: str) -> list[Protected]:
    """Every spelling of the entries withheld `names` are (`persons.yaml`), withheld
    from the record's text with them: a kunya says who the name does."""
    return [
        Protected(spelling, f"{where} (persons.yaml)") for spelling in curated.spellings_of(*names)
    ]


def _testimony(record: TestimonyIn, curated: PersonRegistry) -> _Parts:
    flags = _public_flags(record, curated)
    listed = list(zip(record.persons, flags, strict=True))
    public = [{"name": p.name, "role": p.role} for p, is_public in listed if is_public]
    protected = [{"name": p.name, "role": p.role} for p, is_public in listed if not is_public]
    public_names = {p["name"] for p in public}
    event_dates = [event.date for event in record.events if event.date]
    facilities = list(
        dict.fromkeys(
            [*record.facilities, *(event.facility for event in record.events if event.facility)]
        )
    )
    place = record.interview_place
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
        public_text=[],
        protected=_testimony_protected(record, curated, flags),
        public_aliases=[alias for p, is_public in listed if is_public for alias in p.aliases],
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


def _filing(record: FilingIn, curated: PersonRegistry) -> _Parts:
    """Defendants are public, unless the bundle's reviewer protected one: then the public
    list leaves them out (a withheld name in it would say there is one), and the roles
    that read protected names get the list as given."""
    kind = record.doc_type.replace("_", " ").capitalize()
    title = record.title or f"{kind} · {record.court}"
    defendants = [
        ({"name": name, "role": "alleged_perpetrator"}, curated.protects(name))
        for name in record.defendants
    ]
    public_defendants = [person["name"] for person, protected in defendants if not protected]
    return _Parts(
        title=title,
        date=record.date_issued or record.date_filed,
        facilities=[],
        public_persons=[person for person, protected in defendants if not protected],
        protected_persons=[person for person, protected in defendants if protected],
        places=[],
        # The court, case number, outcome and charges are free text (`_FREE_TEXT`),
        # withheld where they name a protected defendant.
        public_text=[kind],
        protected=[
            withheld
            for i, (person, protected) in enumerate(defendants)
            if protected
            for withheld in [
                Protected(person["name"], f"defendants[{i}]"),
                *_curated_spellings(curated, f"defendants[{i}]", person["name"]),
            ]
        ],
        unredacted=(
            {"defendants": record.defendants}
            if len(public_defendants) < len(record.defendants)
            else {}
        ),
        specific={
            "court": record.court,
            "jurisdiction": record.jurisdiction,
            "case_no": record.case_no,
            "doc_type": record.doc_type,
            "date_filed": _date_doc(record.date_filed),
            "date_issued": _date_doc(record.date_issued),
            "defendants": public_defendants,
            "charges": record.charges,
            "outcome": record.outcome,
            "cites": record.cites,
            "cites_ids": sorted({i for ref in record.cites for i in reference_ids(ref)}),
        },
    )


# Free text a record's own fields carry, withheld from like its pages. Structural values
# (ids, numbers, enums, dates, hashes) are not names and stay as they are.
_FREE_TEXT = (
    "findings",
    "witness_pseudonym",
    "interviewer_org",
    "outcome",
    "court",
    "jurisdiction",
    "case_no",
)


@dataclass
class _Withholding:
    """A record's redactor, noting each span it withholds and each near miss."""

    redactor: Redactor
    raw: RawRecord
    local_id: str
    review: list[Withheld] = field(default_factory=list)

    def text(self, where: str, text: str, page: int | None = None) -> str:
        if not self.redactor or not text:
            return text
        withheld, found, misses = self.redactor.withhold(text)
        origin = self.raw.origin
        row = (origin.file, origin.line, self.local_id, where, page)
        self.review += [
            Withheld(
                "withheld", *row, r.start, r.form, r.rule, r.protected.field, r.protected.value
            )
            for r in found
        ]
        self.review += [
            Withheld(
                "near miss", *row, m.start, m.form, m.reason, m.protected.field, m.protected.value
            )
            for m in misses
        ]
        return withheld

    def fields(self, specific: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """`specific` with its free text withheld, and the originals of what changed."""
        public = dict(specific)
        for name in _FREE_TEXT:
            if isinstance(public.get(name), str):
                public[name] = self.text(name, public[name])
        # Lists of text: charges and citations may name a defendant a reviewer protected.
        for name in ("tags", "charges", "cites"):
            if public.get(name):
                public[name] = [self.text(f"{name}[{i}]", t) for i, t in enumerate(public[name])]
        if public.get("events"):
            public["events"] = [
                event | {"description": self.text(f"events[{i}].description", event["description"])}
                for i, event in enumerate(public["events"])
            ]
        changed = {k: specific[k] for k in public if public[k] != specific[k]}
        return public, changed


def _field_values(analyser: Any, texts: Sequence[str | None]) -> list[str]:
    """One value per part; the field's position gap keeps phrases from spanning parts."""
    return [value for text in texts if text and (value := analyser(text))]


def _name_key_values(names: list[str]) -> list[str]:
    """One value per name, keys in name order, so phrase queries on keys work."""
    return [" ".join(keys) for name in dict.fromkeys(names) if (keys := name_keys(name))]


def content_hash(document: dict[str, Any]) -> str:
    """Hash of what the record says, ignoring when and how often it was indexed."""
    stable = {k: v for k, v in document.items() if k not in VOLATILE_FIELDS}
    # The JSON the hash has always been taken of, `json.dumps(sort_keys=True,
    # ensure_ascii=False, separators=(",", ":"))`, written by orjson in a sixth of the
    # time: a changed hash would make a record look changed and add an "updated" to its
    # custody. The two differ only in numbers written with an exponent (orjson `1e-7`,
    # json `1e-07`); a document's only floats are OCR confidences, 0-100 to one decimal.
    return hashlib.sha256(orjson.dumps(stable, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _free_text(specific: dict[str, Any]) -> list[str]:
    """The free text of a type's own fields, as stored (withheld where it had to be)."""
    texts = [specific[name] for name in _FREE_TEXT if isinstance(specific.get(name), str)]
    texts += specific.get("tags") or []
    texts += specific.get("charges") or []
    texts += [event["description"] for event in specific.get("events") or []]
    return texts


def _passages(
    pages: Sequence[str], specific: dict[str, Any], ocr: Ocr | None
) -> list[dict[str, Any]]:
    """What semantic search reads (`evidence.semantic`): the pages, a photo's findings
    and tags, and the events' descriptions, as passages; the vectors come at bulk time,
    for the records that changed."""
    texts: list[tuple[str, int | None]] = [
        (text, n) for n, text in enumerate(pages, start=1) if text.strip()
    ]
    described = "; ".join(filter(None, [specific.get("findings"), *(specific.get("tags") or [])]))
    texts += [(described, None)] if described else []
    texts += [(event["description"], None) for event in specific.get("events") or []]
    return [
        {"n": n, "text": passage.text, **(_machine_read(ocr, n) if n else {})}
        for text, n in texts
        for passage in split_passages(text, n)
    ]


def _key_persons(parts: _Parts, curated: PersonRegistry) -> None:
    """Each person's page key, stored with them: their curated entry's id, or their
    spelling's name key (none for a name without one, such as digits)."""
    for person in parts.public_persons + parts.protected_persons:
        if key := curated.key(person["name"]):
            person["key"] = key


def _person_facts(
    persons: list[dict[str, str]], curated: PersonRegistry, *, public: bool
) -> list[str]:
    """What the person pages read of these persons (`evidence.names.person_fact`). A
    curated role is stated publicly only when the rules would publish a person in it:
    "witness" must not be learnt from an alleged perpetrator's public mention."""
    facts: set[str] = set()
    for person in persons:
        if not (key := person.get("key")):
            continue
        facts |= {
            person_fact(key, SPELLING, person["name"]),
            person_fact(key, ROLE, person["role"]),
        }
        if entry := curated.curated(person["name"]):
            facts.add(person_fact(key, CURATED))
            if spelling_key(person["name"]) == spelling_key(entry.name):
                facts.add(person_fact(key, TITLE, person["name"]))
            if entry.role and (not public or entry.role in PUBLIC_ROLES):
                facts.add(person_fact(key, ROLE, entry.role))
    return sorted(facts)


def build_document(
    collection: Collection, raw: RawRecord, record: RecordIn, extracted: Extracted
) -> Built:
    """The full document for one record and its review rows; `indexed_at` and `custody`
    are added at bulk time."""
    if isinstance(record, PhotoIn):
        parts = _photo(record, extracted, collection.persons)
    elif isinstance(record, TestimonyIn):
        parts = _testimony(record, collection.persons)
    else:
        parts = _filing(record, collection.persons)
    _key_persons(parts, collection.persons)
    gazetteer = load_gazetteer()
    facilities = [gazetteer.facilities[f] for f in parts.facilities]
    withholding = _Withholding(Redactor(parts.protected), raw, record.local_id)
    protected = {k: v for k, v in parts.specific.get("protected", {}).items() if v}
    specific, unredacted = withholding.fields(
        {k: v for k, v in parts.specific.items() if k != "protected"}
    )
    unredacted |= parts.unredacted
    title = withholding.text("title", parts.title)
    if title != parts.title:
        unredacted["title"] = parts.title
    # An id may be a name too (`rana-al-ahmad-2014`); the stable id is its hash.
    local_id = withholding.text("local_id", record.local_id)
    if local_id != record.local_id:
        unredacted["local_id"] = record.local_id
    # A file may be named after the witness (`testimonies/rana-al-ahmad.md`).
    source = {
        "file": withholding.text("source.file", raw.origin.file),
        "line": raw.origin.line,
        "media_type": extracted.image.media_type if extracted.image else None,
    }
    if source["file"] != raw.origin.file:
        unredacted["source"] = source | {"file": raw.origin.file}
    branch_nos = {f.branch_no for f in facilities if f.branch_no}
    if specific.get("branch_no"):
        branch_nos.add(specific["branch_no"])
    pages = list(extracted.pages) if extracted.pages is not None else raw.pages or []
    public_pages = [withholding.text("pages", page, n) for n, page in enumerate(pages, start=1)]
    if parts.protected and extracted.ocr:
        public_pages = _unsure_scans_withheld(public_pages, extracted.ocr)
    if parts.protected_persons:
        protected["persons"] = parts.protected_persons
    public_facts = _person_facts(parts.public_persons, collection.persons, public=True)
    if every_key := {
        p["key"] for p in parts.public_persons + parts.protected_persons if "key" in p
    }:
        # Like `person_roles`: one field holding both kinds, for the roles that read
        # protected persons, so a record naming one person both ways counts once.
        protected["person_keys"] = sorted(every_key)
        every_person = parts.public_persons + parts.protected_persons
        protected["person_facts"] = _person_facts(every_person, collection.persons, public=False)
    aliases = [p.value for p in parts.protected if "aliases[" in p.field]
    if aliases:
        protected["aliases"] = aliases
    # Every role, for the role facet of those who see protected persons: one field, so a
    # record with a role among both kinds of person counts once.
    every_role = {p["role"] for p in parts.public_persons + parts.protected_persons}
    if every_role:
        protected["person_roles"] = sorted(every_role)
    if public_pages != pages:
        protected["pages"] = [
            {"n": n, "text": t, **_machine_read(extracted.ocr, n)}
            for n, t in enumerate(pages, start=1)
        ]
    sha256 = extracted.file_sha256 or raw.document_sha256
    if public_pages != pages and sha256 == raw.document_sha256:
        # A transcript's hash would confirm a guessed name offline (put the guess where
        # `[withheld]` stands, hash, compare): it is for the roles that read the names.
        unredacted["sha256"] = sha256
        sha256 = None
    ocr = _ocr_summary(extracted.ocr)
    if ocr is not None and public_pages != pages:
        # The derived files hold the names withheld from these pages: as with the
        # transcript's own hash, their hashes are for the roles that read the names.
        unredacted["ocr"] = dict(ocr)
        del ocr["derived_sha256"], ocr["pdf_sha256"]
    if unredacted:
        protected["unredacted"] = unredacted
    protected_values = [p.value for p in parts.protected]
    private_text = [
        *protected_values,
        *(pages if "pages" in protected else []),
        *(_free_text(unredacted) if unredacted else []),
    ]
    passages = _passages(public_pages, specific, extracted.ocr)
    if public_pages != pages or _free_text(unredacted):
        # Vectors of withheld text can be inverted back to it: the full text's passages
        # are where only the roles that read protected names search.
        protected["passages"] = _passages(pages, specific | unredacted, extracted.ocr)
        protected["passages_redacted"] = True
    if private_text:
        protected["search_text"] = _field_values(analysed_text, private_text)
        protected["search_stems"] = _field_values(stemmed_text, private_text)
    # A branch number written on a body names the branch: its names find the photo too.
    branches = [b for no in sorted(branch_nos) if (b := gazetteer.by_branch(no))]
    public_text = [
        title,
        *(name for f in dict.fromkeys([*facilities, *branches]) for name in f.names),
        *sorted(branch_nos),
        *parts.places,
        *(p["name"] for p in parts.public_persons),
        *parts.public_aliases,
        *parts.public_text,
        *_free_text(specific),
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
        *parts.public_aliases,
    ]
    if parts.protected:
        # What was withheld, so text written later about this record (a chronology's
        # facts and quotes) can be withheld from the same readers by the same rules.
        protected["withheld"] = [
            {"value": p.value, "field": p.field, "kind": p.kind.value} for p in parts.protected
        ]
    protected_names = [p.value for p in parts.protected if p.kind is not Kind.CONTACT]
    if protected_names:
        protected["name_keys"] = _name_key_values(protected_names)
    document: dict[str, Any] = {
        "stable_id": stable_id(collection.id, raw.record_type, record.local_id),
        "record_type": raw.record_type,
        "collection": collection.id,
        "local_id": local_id,
        "title": title,
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
        "person_facts": public_facts,
        "sha256": sha256,
        "source": source,
        "pages": [
            {"n": n, "text": t, "terms": analysed_text(t), **_machine_read(extracted.ocr, n)}
            for n, t in enumerate(public_pages, start=1)
            if t.strip()
        ],
        "ocr": ocr,
        "passages": passages,
        "search_text": _field_values(analysed_text, public_text),
        "search_stems": _field_values(stemmed_text, public_text),
        "name_keys": _name_key_values(names),
        "protected": protected,
        **specific,
    }
    document["content_hash"] = content_hash(document)
    return Built(document, withholding.review)
