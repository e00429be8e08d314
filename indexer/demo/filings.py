"""Legal filings: one per public milestone, then invented submissions and orders.

Page texts differ from page to page ("Page 3 of 5", different sections), so that a hit
can be cited by page. `cites` only ever names records this generator wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from random import Random
from typing import Any

from indexer.demo.documents import front_matter, pdf_bytes, yaml_text
from indexer.demo.fuzzy import date_value
from indexer.demo.gazetteer import (
    Gazetteer,
    branch_numbers,
    latin_names,
)
from indexer.demo.legal import COURTS, MILESTONES, PAGE_TEXT, Milestone
from indexer.demo.names import person, pseudonym

__all__ = ["EvidencePool", "write_filings"]

_DOC_TYPES = (
    ("submission", 35),
    ("order", 25),
    ("complaint", 10),
    ("indictment", 8),
    ("appeal", 7),
    ("arrest_warrant", 5),
    ("judgment", 5),
    ("other", 5),
)
_CHARGES = (
    "crimes against humanity (torture)",
    "crimes against humanity (murder)",
    "enforced disappearance",
    "war crimes",
    "aiding and abetting crimes against humanity",
    "sexual violence as a crime against humanity",
)
_OUTCOMES = {
    "judgment": ("life imprisonment", "10 years", "acquittal", "12 years 6 months"),
    "order": ("granted", "rejected", "partly granted"),
    "appeal": ("dismissed", "allowed", "pending"),
}
_PAGE = {
    "en": "Page {} of {} (SYNTHETIC demo text)",
    "de": "Seite {} von {} (SYNTHETIC Demo-Text)",
    "fr": "Page {} sur {} (texte SYNTHETIC de démonstration)",
}
_DAY = (0.85, 0.15, 0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class EvidencePool:
    """What filings may cite: ids the photo and testimony writers actually produced."""

    caesar_id: Callable[[int], str]
    caesar_count: int
    atlas_id: Callable[[int], str]
    atlas_count: int
    caesar_bodies: list[list[str]]
    testimony_ids: list[str]

    def photos(self, rng: Random, body: bool) -> list[str]:
        if body and self.caesar_bodies:
            return [f"caesar:{pid}" for pid in rng.choice(self.caesar_bodies)[:6]]
        if self.atlas_count and rng.random() < 0.4:
            return [f"atlas:{self.atlas_id(rng.randint(1, self.atlas_count))}"]
        if self.caesar_count:
            return [f"caesar:{self.caesar_id(rng.randint(1, self.caesar_count))}"]
        return []

    def testimonies(self, rng: Random, count: int) -> list[str]:
        picked = rng.sample(self.testimony_ids, k=min(count, len(self.testimony_ids)))
        return [f"testimonies:{tid}" for tid in picked]


def _cites(rng: Random, pool: EvidencePool, what: str) -> list[str]:
    refs: list[str] = []
    if what in ("photos", "both"):
        refs += pool.photos(rng, body=True) + pool.photos(rng, body=False)
    if what in ("testimonies", "both"):
        refs += pool.testimonies(rng, rng.randint(2, 4))
    if what == "random":
        for _ in range(rng.randint(0, 4)):
            refs += pool.photos(rng, False) if rng.random() < 0.6 else pool.testimonies(rng, 1)
    return list(dict.fromkeys(refs))


def _invented(rng: Random, index: int) -> Milestone:
    """A synthetic filing in a real court, with an obviously synthetic case number."""
    court, jurisdiction, doc_types, has_defendants = rng.choice(COURTS)
    fitting = [(t, w) for t, w in _DOC_TYPES if t in doc_types]
    doc_type = rng.choices([t for t, _ in fitting], [w for _, w in fitting])[0]
    when = date_value(rng, date(2016, 1, 1), date(2025, 6, 30), _DAY).text
    issued = doc_type in ("order", "judgment", "arrest_warrant")
    language = rng.choices(("en", "de", "fr"), (70, 18, 12))[0]
    accused = rng.randint(1, 2) if has_defendants and doc_type != "other" else 0
    defendants = tuple(person(rng, "m").latin for _ in range(accused))
    return Milestone(
        court=court,
        jurisdiction=jurisdiction,
        doc_type=doc_type,
        date_filed="" if issued else when,
        date_issued=when if issued else "",
        event=f"{doc_type.replace('_', ' ')} no. {index} in an invented case",
        language=language,
        defendants=defendants,
        charges=tuple(sorted(rng.sample(_CHARGES, k=rng.randint(0, 2)))) if defendants else (),
        outcome=rng.choice(_OUTCOMES.get(doc_type, ("pending",))),
        cites="random",
    )


def _pages(rng: Random, m: Milestone, refs: list[str], gaz: Gazetteer, witnesses: int) -> list[str]:
    bank = PAGE_TEXT[m.language]
    count = rng.randint(3, 8)
    slots = {
        "court": m.court,
        "date": m.date_issued or m.date_filed,
        "event": m.event,
        "outcome": m.outcome or "pending",
        "pages": count,
    }
    chunks = [refs[i :: count - 2] for i in range(count - 2)] if refs else [[]] * (count - 2)
    pages = []
    for page in range(1, count + 1):
        slots.update(
            page=page,
            facility=rng.choice(
                latin_names(gaz.facilities[rng.choice(("branch-215", "branch-235", "saydnaya"))])
            ),
            hospital=rng.choice(
                latin_names(gaz.facilities[rng.choice(("hospital-601", "hospital-tishreen"))])
            ),
            branch=rng.choice(branch_numbers(gaz)),
            witness=pseudonym(rng.randint(1, max(witnesses, 1))),
        )
        if page == 1:
            parts = [bank["summary"][0], rng.choice(bank["body"])]
        elif page == count:
            parts = [rng.choice(bank["body"]), bank["outcome"][0]]
        else:
            parts = rng.sample(bank["body"], k=2)
            if chunks[page - 2]:
                parts.append(bank["evidence"][0].replace("{refs}", ", ".join(chunks[page - 2])))
        header = _PAGE[m.language].format(page, count)
        pages.append(header + "\n\n" + "\n\n".join(p.format(**slots) for p in parts))
    return pages


def _meta(
    m: Milestone, filing_id: str, case_no: str, refs: list[str], level: str
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "filing_id": filing_id,
        "court": m.court,
        "jurisdiction": m.jurisdiction,
        "case_no": case_no,
        "doc_type": m.doc_type,
        "title": f"{m.court}: {m.event} (SYNTHETIC)",
        "date_filed": m.date_filed,
        "date_issued": m.date_issued,
        "defendants": list(m.defendants),
        "charges": list(m.charges),
        "outcome": m.outcome,
        "cites": refs,
        "language": m.language,
        "confidentiality": level,
    }
    return {key: value for key, value in meta.items() if value}


# Every 10th filing written as a PDF file, from the 7th, is a scan with no text layer,
# read by OCR when loaded: 4 of the caesar scale's 420 filings (about 1%), 3 of small's
# 120.
SCANNED_EVERY, SCANNED_FIRST = 10, 7


def scan_bytes(pages: list[str], title: str, language: str) -> bytes:
    """The filing as a scanner would give it: page images, no text layer."""
    from indexer.demo.scans import image_pdf, page, text_pages

    images = [
        page(lines)
        for text in pages
        for lines in text_pages(f"SYNTHETIC DEMO DOCUMENT - {title}\n{text}")
    ]
    return image_pdf(images)


def write_filings(
    out: Path, gaz: Gazetteer, pool: EvidencePool, count: int, files: int, seed: int
) -> int:
    """Milestones first, then invented filings; the first `files` as PDF/md, the rest JSONL."""
    rng = Random(f"{seed}:filings")
    folder = out / "filings"
    folder.mkdir(parents=True, exist_ok=True)
    jsonl = (
        (out / "filings.jsonl").open("w", encoding="utf-8", newline="\n") if count > files else None
    )
    written = 0
    try:
        for index in range(1, count + 1):
            public = index <= len(MILESTONES)
            m = MILESTONES[index - 1] if public else _invented(rng, index)
            refs = _cites(rng, pool, m.cites) if m.cites else []
            roll = rng.random()
            level = "" if public or roll > 0.17 else "confidential" if roll < 0.05 else "restricted"
            case_no = (
                ""
                if public
                else f"SYN-{rng.randint(1, 9)} StE {rng.randint(1, 40)}/{rng.randint(16, 25)}"
            )
            meta = _meta(m, f"FIL-{index:04d}", case_no, refs, level)
            pages = _pages(rng, m, refs, gaz, len(pool.testimony_ids))
            stem = meta["filing_id"].lower()
            if index > files and jsonl is not None:
                jsonl.write(json.dumps({**meta, "pages": pages}, ensure_ascii=False) + "\n")
            elif index % 4 == 0:
                # Form feeds are page breaks in .md bodies (a documented loader extension).
                body = "\n\f\n".join(f"## {p}" for p in pages)
                (folder / f"{stem}.md").write_text(front_matter(meta, body), encoding="utf-8")
            else:
                scanned = index % SCANNED_EVERY == SCANNED_FIRST
                made = scan_bytes if scanned else pdf_bytes
                (folder / f"{stem}.pdf").write_bytes(made(pages, meta["title"], m.language))
                (folder / f"{stem}.pdf.yaml").write_text(yaml_text(meta), encoding="utf-8")
            written += 1
    finally:
        if jsonl is not None:
            jsonl.close()
    return written
