"""Witness testimonies: structured metadata plus a transcript in the witness's language.

The transcript is assembled from the same events as the metadata (facility names,
persons and fuzzy dates match), so a search hit in the text and a facet on the metadata
agree. Small runs write every testimony as a file so that every format appears; larger
runs write most of them to testimonies.jsonl.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from random import Random
from typing import Any

from indexer.demo import text as bank
from indexer.demo.documents import docx_bytes, front_matter, pdf_bytes, yaml_text
from indexer.demo.fuzzy import EVENT_MIX, INTERVIEW_MIX, DateValue, date_value, spoken
from indexer.demo.gazetteer import (
    Gazetteer,
    arabic_names,
    latin_names,
    random_alias,
)
from indexer.demo.names import CITIES, NGOS, Person, contact, person, pseudonym
from indexer.demo.topics import TOPICS, topics_of

__all__ = ["TestimonySummary", "write_testimonies"]

_LANGUAGES = (("ar", 45), ("en", 35), ("fr", 10), ("de", 10))
_PDF_LANGUAGES = _LANGUAGES[1:]  # PDFs use Latin script only
# Other file slots lean Arabic so that, with the PDFs, files still come out near 45/35/10/10.
_FILE_LANGUAGES = (("ar", 54), ("en", 29), ("fr", 8.5), ("de", 8.5))
_FORMATS = ("md", "md", "pdf", "md", "txt", "docx", "md", "md", "txt", "docx", "md", "pdf")
_CONSENT = ("court", "publication", "research")
_MARKER = {
    "en": "SYNTHETIC demo transcript: an invented testimony; every person in it is fictional.",
    "fr": "Transcription SYNTHETIC de démonstration : témoignage inventé, personnes fictives.",
    "de": "SYNTHETIC Demo-Transkript: erfundene Aussage, alle Personen sind fiktiv.",
    "ar": "نص تجريبي مُختلَق (SYNTHETIC): شهادة غير حقيقية وجميع الأشخاص فيها خياليون.",
}
_PAGE = {"en": "Page {} of {}", "fr": "Page {} sur {}", "de": "Seite {} von {}"}
# Which facilities fit which kind of event.
_WHERE = {
    "arrest": ("branch-215", "branch-216", "branch-227", "branch-235", "branch-251", "afi-mezzeh"),
    "transfer": ("branch-235", "branch-248", "branch-251", "saydnaya", "afi-mezzeh"),
    "interrogation": ("branch-215", "branch-227", "branch-235", "branch-248", "afi-mezzeh"),
    "cell": ("branch-215", "branch-235", "branch-261", "saydnaya", "afi-mezzeh"),
    "death": ("hospital-601", "hospital-tishreen", "hospital-harasta"),
    "release": ("branch-248", "saydnaya", "branch-235"),
    "recognition": ("hospital-601", "hospital-tishreen"),
}

# Which template slot stands for which person role.
_INVOLVED = {"victim": "{who}", "alleged_perpetrator": "{officer}"}


@dataclass
class TestimonySummary:
    count: int = 0
    files: int = 0
    ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Event:
    kind: str
    when: DateValue
    facility_id: str


def _events(rng: Random, gaz: Gazetteer) -> list[_Event]:
    """2-6 events in narrative order, each dated no earlier than the one before.

    The witness is arrested, moved and interrogated; they saw the victim in a cell; the
    victim died, the witness was released, the family later recognised the victim.
    """
    middle = rng.choices(("transfer", "interrogation", "cell"), k=rng.randint(0, 3))
    tail = rng.choice((["release"], ["death"], ["death", "release"], ["death", "recognition"]))
    kinds = ["arrest", *middle, *tail]
    events, floor = [], date(2011, 3, 15)
    for kind in kinds:
        first = max(floor, date(2014, 1, 20)) if kind == "recognition" else floor
        last = min(date(2024, 12, 31), first + timedelta(days=400 if kind != "arrest" else 1300))
        when = date_value(rng, first, last, EVENT_MIX)
        ids = [fid for fid in _WHERE[kind] if fid in gaz.facilities]
        events.append(_Event(kind, when, rng.choice(ids)))
        floor = when.start or floor
    return events


def _named(who: Person, language: str, rng: Random) -> str:
    """Usually the script of the testimony, sometimes the other one (cross-script search)."""
    other = "en" if language == "ar" else "ar"
    return who.name_for(other if rng.random() < 0.2 else language)


def _testimony(
    rng: Random, gaz: Gazetteer, index: int, fmt: str, seed: int
) -> tuple[dict[str, Any], list[str], str]:
    """Metadata and transcript paragraphs for testimony number `index`."""
    languages = {"pdf": _PDF_LANGUAGES, "jsonl": _LANGUAGES}.get(fmt, _FILE_LANGUAGES)
    language = rng.choices([code for code, _ in languages], [w for _, w in languages])[0]
    witness, victim, officer = person(rng), person(rng, "m"), person(rng, "m")
    relative, other = person(rng, "f"), person(rng, "m")
    events = _events(rng, gaz)
    org, city = rng.choice(NGOS), rng.choice(CITIES)
    latest = max(e.when.end or date(2014, 1, 1) for e in events)
    earliest = min(max(latest + timedelta(days=30), date(2014, 2, 1)), date(2025, 6, 1))
    interview = date_value(rng, earliest, date(2025, 6, 30), INTERVIEW_MIX)
    meta: dict[str, Any] = {
        "testimony_id": f"TST-{index:05d}",
        "witness_pseudonym": pseudonym(index),
        "witness_name": witness.name_for(language),
        "witness_contact": contact(rng, witness, index),
        "interview_date": interview.text,
        "interview_place": city,
        "protected_place": rng.random() < 0.3,
        "language": language,
        "interviewer_org": org,
        "consent": [c for c in _CONSENT if rng.random() < 0.6] or ["research"],
    }
    if not interview.text:
        del meta["interview_date"]
    if rng.random() < 0.2:
        del meta["language"]  # left for language detection
    names = {
        "victim": _named(victim, language, rng),
        "alleged_perpetrator": _named(officer, language, rng),
        "family": _named(relative, language, rng),
        "witness": _named(other, language, rng),
        "other": _named(other, language, rng),
    }
    script = "ar" if language == "ar" else "latin"
    place = rng.choice(bank.PLACES[script])
    paragraphs = [_MARKER[language], bank.INTRO[language].format(org=org, city=city)]
    meta_events: list[dict[str, Any]] = []
    facilities: list[str] = []
    roles: set[str] = set()
    for event in events:
        facility = gaz.facilities[event.facility_id]
        ref = random_alias(facility, rng) if rng.random() < 0.2 else facility.id
        facilities.append(ref)
        names_here = arabic_names(facility) if language == "ar" else latin_names(facility)
        template = rng.choice(bank.TEMPLATES[language][event.kind])
        para = template.format(
            when=spoken(event.when, language, eastern_digits=rng.random() < 0.2),
            where=rng.choice(names_here),
            who=names["victim"],
            officer=names["alleged_perpetrator"],
            place=place,
        )
        paragraphs.append(para[0].upper() + para[1:])
        involved = [role for role, uses in _INVOLVED.items() if uses in template]
        involved += ["family"] if event.kind == "recognition" else []
        roles.update(involved)
        record: dict[str, Any] = {
            "date": event.when.text,
            "description": bank.DESCRIPTIONS[language][event.kind],
            "facility": ref,
        }
        if involved:
            record["persons"] = [names[role] for role in involved]
        meta_events.append(record)
    if rng.random() < 0.4:
        extra = "witness" if rng.random() < 0.7 else "other"
        roles.add(extra)
        paragraphs.append(bank.ALSO[extra][language].format(name=names[extra]))
    paragraphs.append(bank.CLOSING[language])
    if language == "ar":
        paragraphs = [bank.arabic_variant(p, rng) for p in paragraphs]
    # The topic paragraphs take nothing from `rng`, so every other field stays as it was.
    topics = [TOPICS[topic][language] for topic in topics_of(index, seed)]
    paragraphs[-1:-1] = topics
    meta["facilities"] = sorted(set(facilities))
    if roles:
        meta["persons"] = [{"name": names[r], "role": r} for r in sorted(roles)]
    meta["events"] = meta_events
    roll = rng.random()
    level = "sealed" if roll < 0.03 else "confidential" if roll < 0.13 else "public"
    if roll < 0.28:
        meta["confidentiality"] = level
    return meta, paragraphs, language


def _pages(rng: Random, paragraphs: list[str], language: str) -> list[str]:
    """2-5 pages of near-equal paragraph counts, so that every page fits on one PDF page."""
    count = rng.randint(2, min(5, len(paragraphs)))
    size, extra = divmod(len(paragraphs), count)
    bounds = [i * size + min(i, extra) for i in range(count + 1)]
    label = _PAGE.get(language, _PAGE["en"])
    return [
        f"{label.format(i, count)}\n\n" + "\n\n".join(paragraphs[bounds[i - 1] : bounds[i]])
        for i in range(1, count + 1)
    ]


def _write_file(
    folder: Path, fmt: str, meta: dict[str, Any], paragraphs: list[str], language: str, rng: Random
) -> None:
    stem = meta["testimony_id"].lower()
    title = f"Testimony {meta['testimony_id']} (SYNTHETIC)"
    body = "\n\n".join(paragraphs)
    if fmt == "md":
        (folder / f"{stem}.md").write_text(
            front_matter(meta, f"# {title}\n\n{body}"), encoding="utf-8"
        )
    elif fmt == "txt":
        (folder / f"{stem}.txt").write_text(front_matter(meta, body), encoding="utf-8")
    else:
        data = (
            pdf_bytes(_pages(rng, paragraphs, language), title, language)
            if fmt == "pdf"
            else docx_bytes(title, paragraphs, rtl=language == "ar")
        )
        (folder / f"{stem}.{fmt}").write_bytes(data)
        (folder / f"{stem}.{fmt}.yaml").write_text(yaml_text(meta), encoding="utf-8")


def write_testimonies(
    out: Path, gaz: Gazetteer, count: int, files: int, seed: int
) -> TestimonySummary:
    """`files` testimonies as documents under testimonies/, the rest in testimonies.jsonl."""
    rng = Random(f"{seed}:testimonies")
    folder = out / "testimonies"
    folder.mkdir(parents=True, exist_ok=True)
    summary = TestimonySummary()
    jsonl = None
    try:
        for index in range(1, count + 1):
            fmt = _FORMATS[(index - 1) % len(_FORMATS)] if index <= files else "jsonl"
            meta, paragraphs, language = _testimony(rng, gaz, index, fmt, seed)
            if fmt == "jsonl":
                if jsonl is None:
                    jsonl = (out / "testimonies.jsonl").open("w", encoding="utf-8", newline="\n")
                jsonl.write(
                    json.dumps({**meta, "text": "\n\n".join(paragraphs)}, ensure_ascii=False) + "\n"
                )
            else:
                _write_file(folder, fmt, meta, paragraphs, language, rng)
                summary.files += 1
            summary.count += 1
            summary.ids.append(meta["testimony_id"])
    finally:
        if jsonl is not None:
            jsonl.close()
    return summary
