"""Reading a roster: a CSV, an XLSX or pasted text into entries, and bad rows into
problems with their line, field and reason. Pure: bytes in, entries out.

A roster is one entry per line. A first row whose cells are all known column names
(`entry`, `id`, `kind` and the search filters) is a header; without one, the first
column is the entry and the rest is ignored. Each entry becomes the query it stands for
(`Entry.query`): a person's name or a number is searched as a phrase, so its words stay
together, in any spelling or script; branches and free text are searched as written,
in the project's syntax.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from evidence.errors import N_, InvalidRequest
from search_api.params import Mode, SearchParams
from search_api.syntax import parse_query

__all__ = ["MAX_ENTRIES", "Entry", "Kind", "Problem", "Roster", "read_roster"]

MAX_ENTRIES = 50_000
MAX_ENTRY_LENGTH = 300
ENTRY_COLUMN = "entry"
_ENTRY_NAMES = {"entry", "name", "query", "number"}
FILTER_COLUMNS = ("collection", "type", "facility", "branch", "date_from", "date_to")
_SYNTAX = re.compile(r'["*|]|(^|\s)-\S')


class Kind(StrEnum):
    PERSON = "person"
    NUMBER = "number"
    BRANCH = "branch"
    TEXT = "text"


@dataclass(frozen=True)
class Problem:
    """A row that was not run: where it is and why."""

    line: int
    field: str
    reason: str


@dataclass(frozen=True)
class Entry:
    line: int
    text: str
    kind: Kind
    entry_id: str | None = None
    filters: dict[str, list[str] | str] = field(default_factory=dict)

    @property
    def query(self) -> str:
        """The search the entry stands for: names and numbers as phrases."""
        if self.kind in (Kind.PERSON, Kind.NUMBER):
            return '"' + self.text.replace('"', " ") + '"'
        return self.text

    def stored(self) -> dict[str, Any]:
        """As the list's document keeps it for the job."""
        return {
            "line": self.line,
            "text": self.text,
            "kind": self.kind.value,
            "id": self.entry_id,
            "filters": self.filters,
        }

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> Entry:
        return cls(
            stored["line"], stored["text"], Kind(stored["kind"]), stored["id"], stored["filters"]
        )

    def params(self) -> SearchParams:
        """The search as `/search?mode=keyword` would run it, so totals agree."""
        return SearchParams.model_validate({"q": self.query, "mode": Mode.KEYWORD} | self.filters)


@dataclass(frozen=True)
class Roster:
    entries: list[Entry]
    problems: list[Problem]

    @property
    def rows(self) -> int:
        return len(self.entries) + len(self.problems)


def guess_kind(text: str) -> Kind:
    """Without a `kind` column: syntax is a query, digits alone a number, a branch is
    named, and anything else a person."""
    if _SYNTAX.search(text):
        return Kind.TEXT
    if not any(ch.isalpha() for ch in text):
        return Kind.NUMBER
    if re.search(r"\b(branch|فرع)\b", text, re.IGNORECASE):
        return Kind.BRANCH
    return Kind.PERSON


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidRequest(
            N_("The list is not UTF-8 text (byte %(at)s); save it as UTF-8."), at=error.start
        ) from error


def _cells_of_csv(data: bytes) -> list[list[str]]:
    """Excel's CSV, with the delimiter its first line uses most (`,` `;` or tab): a
    sniffer also guesses the quoting, and guesses it wrong on a quoted phrase."""
    text = _decoded(data)
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    return list(csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter))


def _cells_of_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # imported when a workbook arrives, not at start-up

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InvalidRequest(
            N_("The workbook could not be read: %(why)s"), why=str(error)
        ) from error
    try:
        sheet = workbook.worksheets[0]
        return [
            ["" if cell is None else str(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        workbook.close()


def _cells_of_text(data: bytes) -> list[list[str]]:
    return [[line] for line in _decoded(data).splitlines()]


def _header(first: list[str]) -> list[str] | None:
    names = [cell.strip().lower() for cell in first]
    known = _ENTRY_NAMES | {"id", "kind", *FILTER_COLUMNS}
    named = [name for name in names if name]
    if named and all(name in known for name in named) and _ENTRY_NAMES & set(named):
        return names
    return None


def _entry(line: int, row: dict[str, str]) -> Entry | Problem:
    text = " ".join(row.get(ENTRY_COLUMN, "").split())
    if not text:
        return Problem(line, ENTRY_COLUMN, "empty entry")
    if len(text) > MAX_ENTRY_LENGTH:
        return Problem(line, ENTRY_COLUMN, f"longer than {MAX_ENTRY_LENGTH} characters")
    kind_text = row.get("kind", "").strip().lower()
    if kind_text and kind_text not in set(Kind):
        return Problem(line, "kind", f"unknown kind {kind_text!r}: use {', '.join(Kind)}")
    kind = Kind(kind_text) if kind_text else guess_kind(text)
    filters: dict[str, list[str] | str] = {}
    for name in FILTER_COLUMNS:
        value = row.get(name, "").strip()
        if value:
            filters[name] = value if name.startswith("date_") else [value]
    entry = Entry(line, text, kind, row.get("id", "").strip() or None, filters)
    try:
        entry.params()
    except ValidationError as error:
        first = error.errors()[0]
        where = str(first["loc"][0]) if first["loc"] else ENTRY_COLUMN
        return Problem(line, where, str(first["msg"]).removeprefix("Value error, "))
    if not parse_query(entry.query).required:
        return Problem(line, ENTRY_COLUMN, "nothing to search for")
    return entry


def read_roster(data: bytes, filename: str) -> Roster:
    """Entries and problems, in line order; a roster over `MAX_ENTRIES` rows, or in a
    format that is not CSV, XLSX or text, is refused as a whole."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        cells = _cells_of_xlsx(data)
    elif name.endswith((".csv", ".tsv")):
        cells = _cells_of_csv(data)
    elif name.endswith(".txt") or not name:
        cells = _cells_of_text(data)
    else:
        raise InvalidRequest(
            N_("A list is a .csv, .xlsx or .txt file, or pasted text; %(name)s is none."),
            name=filename,
        )
    header = _header(cells[0]) if cells else None
    body = list(enumerate(cells, start=1))[1 if header else 0 :]
    body = [(line, row) for line, row in body if any(cell.strip() for cell in row)]
    if len(body) > MAX_ENTRIES:
        raise InvalidRequest(
            N_("The list has %(rows)s entries; at most %(most)s run at once. Split it."),
            rows=len(body),
            most=MAX_ENTRIES,
        )
    columns = [ENTRY_COLUMN if name in _ENTRY_NAMES else name for name in header or [ENTRY_COLUMN]]
    entries: list[Entry] = []
    problems: list[Problem] = []
    for line, row in body:
        read = _entry(line, dict(zip(columns, (cell.strip() for cell in row), strict=False)))
        if isinstance(read, Entry):
            entries.append(read)
        else:
            problems.append(read)
    return Roster(entries, problems)
