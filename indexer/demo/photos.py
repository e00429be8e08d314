"""Photo rows for the Caesar and Atlas bundles, streamed to photos.csv / photos.jsonl.

Rows are produced body by body (all frames of a body share its numbers, facility and
date) and written as they are made, so a million rows never sit in memory. Only a
capped share of bodies get image files, chosen up front so the cap is met exactly.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random

from indexer.demo import findings as bank
from indexer.demo.fuzzy import DateValue, Mix, date_value
from indexer.demo.gazetteer import (
    Gazetteer,
    branch_numbers,
    random_alias,
)
from indexer.demo.media import base_picture, frame_jpeg
from indexer.demo.names import person

__all__ = ["PHOTO_FIELDS", "PhotoSpec", "PhotoSummary", "write_photos"]

PHOTO_FIELDS = (
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
)

# Frames per body: 3 to 20, usually 4 or 5 (see domain notes).
_FRAMES = tuple(range(3, 21))
_FRAME_CUM = tuple(
    sum((12, 35, 30, 8, 5, 3, 2, 1.5, 1, 0.5, 0.5, 0.4, 0.3, 0.3, 0.2, 0.1, 0.1, 0.1)[: i + 1])
    for i in range(len(_FRAMES))
)


@dataclass(frozen=True)
class PhotoSpec:
    """What distinguishes one photo collection from another."""

    collection: str
    id_prefix: str
    id_width: int
    first: date
    last: date
    facilities: tuple[tuple[str, float], ...]
    date_mix: Mix
    custody_share: float
    # Shares of (restricted-or-public, confidential, sealed) overriding the default.
    overrides: tuple[str, float, float, float]
    single_share: float = 0.0  # photos that belong to no body

    def photo_id(self, number: int) -> str:
        return f"{self.id_prefix}-{number:0{self.id_width}d}"


@dataclass
class PhotoSummary:
    rows: int = 0
    images: int = 0
    identified_bodies: list[list[str]] = field(default_factory=list)


def _body_sizes(rng: Random, rows: int, single_share: float) -> list[int]:
    """Frame counts per body summing exactly to `rows`; 1 marks a body-less photo."""
    sizes: list[int] = []
    remaining = rows
    while remaining > 0:
        if rng.random() < single_share:
            size = 1
        else:
            size = min(rng.choices(_FRAMES, cum_weights=_FRAME_CUM)[0], remaining)
            if 0 < remaining - size < 3:
                size = remaining - 3 if remaining - 3 >= 3 else remaining
        sizes.append(size)
        remaining -= size
    return sizes


def _image_plan(rng: Random, sizes: list[int], budget: int) -> dict[int, int]:
    """Which bodies get image files and how many frames each: exactly `budget` files."""
    plan: dict[int, int] = {}
    candidates = [i for i, size in enumerate(sizes) if size > 1]
    rng.shuffle(candidates)
    for index in candidates:
        if budget <= 0:
            break
        plan[index] = min(sizes[index], budget)
        budget -= plan[index]
    return plan


def _level(rng: Random, overrides: tuple[str, float, float, float]) -> str:
    lower, lower_share, confidential, sealed = overrides
    roll = rng.random()
    if roll < sealed:
        return "sealed"
    if roll < sealed + confidential:
        return "confidential"
    return lower if roll < sealed + confidential + lower_share else ""


def _body_rows(
    rng: Random, spec: PhotoSpec, gaz: Gazetteer, body: int, size: int, first_photo: int
) -> tuple[list[dict[str, str]], DateValue]:
    """All frames of one body, sharing numbers, facility, date, category and findings."""
    ids, weights = zip(*spec.facilities, strict=True)
    facility_id = rng.choices(ids, weights=weights)[0]
    facility = (
        random_alias(gaz.facilities[facility_id], rng) if rng.random() < 0.10 else facility_id
    )
    when = date_value(rng, spec.first, spec.last, spec.date_mix)
    custody = rng.random() < spec.custody_share
    identification = victim = ""
    if custody:
        roll = rng.random()
        # Scaled so that ~3% / ~8% of all rows (not only custody rows) are identified.
        confirmed, recognised = 0.03 / spec.custody_share, 0.08 / spec.custody_share
        identification = (
            "forensically_confirmed"
            if roll < confirmed
            else "family_recognised"
            if roll < confirmed + recognised
            else "unidentified"
        )
        if identification != "unidentified":
            who = person(rng)
            victim = who.arabic if rng.random() < 0.5 else who.latin
    arabic = rng.random() < 0.3
    text, tags = bank.findings(rng, custody, arabic)
    branch = gaz.facilities[facility_id].branch_no or rng.choice(branch_numbers(gaz))
    shared = {
        "body_id": f"{spec.id_prefix}B-{body:0{spec.id_width}d}" if size > 1 else "",
        "detainee_no": f"SYN-{rng.randint(1, 9)}-{rng.randrange(100000):05d}" if custody else "",
        "branch_no": branch if custody else "",
        "report_no": f"SYN-R-{rng.randrange(1, 10000):04d}" if rng.random() < 0.9 else "",
        "facility": facility,
        "date_photographed": when.text,
        "category": "death_in_custody" if custody else "other",
        "identification": identification,
        "victim_name": victim,
        "confidentiality": _level(rng, spec.overrides),
        "graphic": "" if custody or rng.random() < 0.5 else "false",
    }
    rows = []
    for frame in range(size):
        row = {"photo_id": spec.photo_id(first_photo + frame), "file": ""}
        row.update(shared)
        row_text, row_tags = text, tags
        if custody and rng.random() < 0.25:
            note, tag = bank.frame_note(rng, arabic)
            row_text, row_tags = f"{text}{'، ' if arabic else '; '}{note}", sorted({*tags, tag})
        row["findings"], row["tags"] = row_text, ";".join(row_tags)
        rows.append({name: row[name] for name in PHOTO_FIELDS})
    return rows, when


def _attach_images(
    rows: list[dict[str, str]], count: int, when: DateValue, seed: str, out: Path, dup: bool
) -> bool:
    """Write `count` frames of this body as JPEGs; returns True if it wrote the duplicate."""
    rng = Random(f"{seed}:image:{rows[0]['photo_id']}")
    base = base_picture(rng)
    taken = None
    if when.has_day and when.start is not None:
        taken = datetime.combine(when.start, datetime.min.time()) + timedelta(
            hours=rng.randint(7, 16), minutes=rng.randrange(60)
        )
    previous = b""
    for frame, row in enumerate(rows[:count]):
        stamp = taken + timedelta(seconds=20 * frame) if taken else None
        data = previous if dup and frame == 1 else frame_jpeg(base, rng, row["photo_id"], stamp)
        row["file"] = f"media/{row['photo_id']}.jpg"
        (out / row["file"]).write_bytes(data)
        previous = data
    return dup and count > 1


def _rows(
    rng: Random, spec: PhotoSpec, gaz: Gazetteer, rows: int, images: int, out: Path, seed: str
) -> Iterator[list[dict[str, str]]]:
    sizes = _body_sizes(rng, rows, spec.single_share)
    imaged = _image_plan(rng, sizes, images)
    next_photo, dup_pending = 1, True
    for body, size in enumerate(sizes, start=1):
        body_rows, when = _body_rows(rng, spec, gaz, body, size, next_photo)
        next_photo += size
        if body - 1 in imaged:
            wrote = _attach_images(body_rows, imaged[body - 1], when, seed, out, dup_pending)
            dup_pending = dup_pending and not wrote
        yield body_rows


def write_photos(
    out: Path, spec: PhotoSpec, gaz: Gazetteer, rows: int, images: int, seed: int, jsonl: bool
) -> PhotoSummary:
    """Stream `rows` photo records (CSV or JSONL) and `images` JPEGs into the bundle `out`."""
    (out / "media").mkdir(parents=True, exist_ok=True)
    rng = Random(f"{seed}:{spec.collection}:photos")
    summary = PhotoSummary()
    path = out / ("photos.jsonl" if jsonl else "photos.csv")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if not jsonl:
            writer.writerow(PHOTO_FIELDS)
        for body_rows in _rows(rng, spec, gaz, rows, images, out, f"{seed}:{spec.collection}"):
            for row in body_rows:
                if jsonl:
                    handle.write(json.dumps(_json_row(row), ensure_ascii=False) + "\n")
                else:
                    writer.writerow(row.values())
                summary.images += bool(row["file"])
            summary.rows += len(body_rows)
            if body_rows[0]["victim_name"] and len(summary.identified_bodies) < 500:
                summary.identified_bodies.append([r["photo_id"] for r in body_rows])
    return summary


def _json_row(row: dict[str, str]) -> dict[str, str | bool | list[str]]:
    """JSON lines omit empty fields and use JSON types: `tags` a list, `graphic` a boolean."""
    record: dict[str, str | bool | list[str]] = {k: v for k, v in row.items() if v}
    if "tags" in record:
        record["tags"] = row["tags"].split(";")
    if "graphic" in record:
        record["graphic"] = row["graphic"] == "true"
    return record
