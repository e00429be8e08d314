"""The one rule every CSV export follows: no cell starts a spreadsheet formula."""

from __future__ import annotations

import pytest

from evidence.spreadsheet import formula_safe, formula_safe_row


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=", "-"])
def test_a_cell_that_would_start_a_formula_gets_a_leading_quote(text: str) -> None:
    assert formula_safe(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["", "plain", "a=b", " =1", "'=1", "2012-03-14", 5, -5, None, True]
)
def test_anything_else_is_unchanged(value: object) -> None:
    assert formula_safe(value) == value


def test_a_row_keeps_its_columns_and_numbers() -> None:
    row = {"title": "=HYPERLINK(1)", "source_line": -3, "note": None}
    assert formula_safe_row(row) == {"title": "'=HYPERLINK(1)", "source_line": -3, "note": None}
