"""Photo metadata: `photos.csv` (UTF-8, header row) and/or `photos.jsonl`."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from indexer.report import Origin, Rejection
from indexer.sources.base import RawRecord, read_jsonl

__all__ = ["read_photos"]

MAX_FIELD_CHARS = 1_000_000
# surrogateescape turns each invalid byte into one of these lone surrogates.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _read_csv(path: Path) -> Iterator[RawRecord | Rejection]:
    # Findings outgrow the csv module's default of 131,072 characters per field. Its
    # limit is process-wide, so it is set here, where a CSV is read, not on import.
    csv.field_size_limit(MAX_FIELD_CHARS)
    # surrogateescape keeps reading past invalid bytes; the row holding them is rejected.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Origin(path.name, 1).reject("(header)", f"unreadable header: {error}")
            return
        header = [name.strip() for name in header]
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield Origin(path.name, start).reject("(row)", f"malformed CSV: {error}")
                continue
            origin = Origin(path.name, start)
            if not any(cell.strip() for cell in row):
                continue
            if _ESCAPED_BYTE.search("".join(row)):
                yield origin.reject("(row)", "not UTF-8: the row holds invalid bytes")
            elif len(row) != len(header):
                yield origin.reject("(row)", f"{len(row)} values for {len(header)} columns")
            else:
                yield RawRecord("photo", origin, dict(zip(header, row, strict=True)))


def read_photos(root: Path) -> Iterator[RawRecord | Rejection]:
    if (root / "photos.csv").is_file():
        yield from _read_csv(root / "photos.csv")
    if (root / "photos.jsonl").is_file():
        yield from read_jsonl(root / "photos.jsonl", "photo")
