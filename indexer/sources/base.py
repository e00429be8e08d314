"""What a reader hands on: the raw fields of one record, and where they came from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence.originals import sha256_file
from indexer.report import Origin, Rejection

__all__ = ["RawRecord", "read_jsonl", "sha256_file"]

MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class RawRecord:
    record_type: str
    origin: Origin
    fields: dict[str, Any]
    pages: list[str] | None = None
    document: Path | None = field(default=None)
    document_sha256: str | None = None


def read_jsonl(path: Path, record_type: str) -> Iterator[RawRecord | Rejection]:
    """One JSON object per line; blank lines are skipped, bad ones rejected by line."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            origin = Origin(path.name, number)
            if not raw.strip():
                continue
            if len(raw) > MAX_LINE_BYTES:
                yield origin.reject("(line)", f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            try:
                value = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8").strip())
            except UnicodeDecodeError as error:
                yield origin.reject("(line)", f"not UTF-8 at byte {error.start}")
                continue
            except json.JSONDecodeError as error:
                yield origin.reject(
                    "(line)", f"not valid JSON: {error.msg} at column {error.colno}"
                )
                continue
            if not isinstance(value, dict):
                yield origin.reject("(line)", f"expected a JSON object, got {type(value).__name__}")
                continue
            yield RawRecord(record_type, origin, value)
