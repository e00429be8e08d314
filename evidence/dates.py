"""Fuzzy dates: `2012`, `2012-03`, `2012-03-14`, ranges `START/END`, and `circa:` values.

A date is stored as its earliest and latest possible day, a precision and an
approximate flag, so a search for March 2012 finds a record dated only "2012" and a
chronology can order facts known to different precisions.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from evidence.errors import N_, Message

__all__ = ["PRECISION_RANK", "UNDATED_RANK", "FuzzyDate", "Precision", "parse_fuzzy_date"]

_PART = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    RANGE = "range"


# Chronologies order facts on the same earliest day by how precisely they are known.
PRECISION_RANK = {Precision.DAY: 0, Precision.MONTH: 1, Precision.YEAR: 2, Precision.RANGE: 3}
UNDATED_RANK = 9


@dataclass(frozen=True)
class FuzzyDate:
    earliest: date
    latest: date
    precision: Precision
    approximate: bool
    text: str

    def as_document(self) -> dict[str, Any]:
        return {
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat(),
            "precision": self.precision.value,
            "approximate": self.approximate,
            "text": self.text,
        }


def _bounds(part: str) -> tuple[date, date, Precision]:
    match = _PART.match(part)
    if not match:
        raise ValueError(Message(N_("'%(text)s' is not YYYY, YYYY-MM or YYYY-MM-DD"), text=part))
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if month is None:
        return date(year, 1, 1), date(year, 12, 31), Precision.YEAR
    if not 1 <= month <= 12:
        raise ValueError(Message(N_("'%(text)s' has month %(month)s"), text=part, month=month))
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return date(year, month, 1), date(year, month, last), Precision.MONTH
    if not 1 <= day <= last:
        raise ValueError(Message(N_("'%(text)s' has no day %(day)s"), text=part, day=day))
    return date(year, month, day), date(year, month, day), Precision.DAY


def parse_fuzzy_date(value: str | None) -> FuzzyDate | None:
    """Parse a date value; None for an empty value (undated), ValueError when malformed
    (its message an `evidence.errors.Message`, so a page can say it in Arabic)."""
    text = (value or "").strip()
    if not text:
        return None
    approximate = text.lower().startswith("circa:")
    body = text[len("circa:") :].strip() if approximate else text
    if "/" in body:
        start, _, end = body.partition("/")
        try:
            earliest, _, _ = _bounds(start.strip())
            _, latest, _ = _bounds(end.strip())
        except ValueError as error:
            why = N_("'%(text)s' is not a range START/END of dates: %(error)s")
            raise ValueError(Message(why, text=text, error=error.args[0])) from None
        if latest < earliest:
            raise ValueError(Message(N_("'%(text)s' ends before it starts"), text=text))
        return FuzzyDate(earliest, latest, Precision.RANGE, approximate, text)
    earliest, latest, precision = _bounds(body)
    return FuzzyDate(earliest, latest, precision, approximate, text)
