"""A list search's results as a table: a row per entry, a column per collection and
record type, its top records and the spellings they matched, and its full search.

CSV carries a byte-order mark (so spreadsheets read Arabic as UTF-8) and XLSX is
written by openpyxl; in both, every cell that would start a formula is neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from evidence.spreadsheet import formula_safe
from search_api.lists.models import ResultOut

__all__ = ["RECORD_TYPES", "csv_line", "header", "row", "to_xlsx"]

RECORD_TYPES = ("photo", "testimony", "filing")


def header(collections: list[str]) -> list[str]:
    return [
        "line",
        "id",
        "kind",
        "entry",
        "total",
        *(f"collection: {name}" for name in collections),
        *(f"type: {name}" for name in RECORD_TYPES),
        "top records",
        "matched spellings",
        "names sharing a spelling key",
        "search",
    ]


def row(result: ResultOut, collections: list[str], base_url: str) -> list[object]:
    matched = dict.fromkeys(name for record in result.top for name in record.matched)
    cells: list[object] = [
        result.line,
        result.entry_id or "",
        result.kind,
        result.text,
        result.total,
        *(result.collections.get(name, 0) for name in collections),
        *(result.types.get(name, 0) for name in RECORD_TYPES),
        "; ".join(f"{record.stable_id} {record.title or ''}".strip() for record in result.top),
        "; ".join(matched),
        "; ".join(" / ".join(names) for names in result.shared_keys),
        base_url.rstrip("/") + result.search,
    ]
    return [formula_safe(cell) for cell in cells]


def csv_line(cells: list[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


def to_xlsx(rows: Iterable[list[object]]) -> bytes:
    """The table as one XLSX sheet, written as it streams in (blocking: run in a thread)."""
    from openpyxl import Workbook  # imported when an export is asked for, not at start-up

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("list search")
    for cells in rows:
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
