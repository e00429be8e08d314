"""Cells that a spreadsheet opens as text, never as a formula (CSV injection).

Titles, facts and notes come from bundles, uploads and users; one that starts with `=`
would run as a formula when an export is opened in a spreadsheet. Every CSV and
spreadsheet export writes its rows through `formula_safe_row`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["formula_safe", "formula_safe_row"]

# What makes a spreadsheet read a cell as a formula (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """A text that would start a formula, behind a `'`; anything else unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def formula_safe_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {column: formula_safe(value) for column, value in row.items()}
