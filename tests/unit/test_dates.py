from datetime import date

import pytest

from evidence.dates import Precision, parse_fuzzy_date


@pytest.mark.parametrize(
    ("value", "earliest", "latest", "precision"),
    [
        ("2012", date(2012, 1, 1), date(2012, 12, 31), Precision.YEAR),
        ("2012-02", date(2012, 2, 1), date(2012, 2, 29), Precision.MONTH),
        ("2012-03-14", date(2012, 3, 14), date(2012, 3, 14), Precision.DAY),
        ("2012-03/2012-06", date(2012, 3, 1), date(2012, 6, 30), Precision.RANGE),
        ("2011/2013-08-05", date(2011, 1, 1), date(2013, 8, 5), Precision.RANGE),
    ],
)
def test_bounds_follow_the_written_precision(
    value: str, earliest: date, latest: date, precision: Precision
) -> None:
    parsed = parse_fuzzy_date(value)
    assert parsed is not None
    assert (parsed.earliest, parsed.latest, parsed.precision) == (earliest, latest, precision)
    assert parsed.approximate is False


def test_circa_marks_approximate_and_keeps_the_text() -> None:
    parsed = parse_fuzzy_date("circa:2013-05")
    assert parsed is not None
    assert parsed.approximate is True
    assert parsed.as_document()["text"] == "circa:2013-05"


@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty_means_undated_not_an_error(value: str | None) -> None:
    assert parse_fuzzy_date(value) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2012-13", "month 13"),
        ("2011-02-29", "no day 29"),
        ("14/03/2012", "is not YYYY"),
        ("2013/2012", "ends before it starts"),
        ("yesterday", "is not YYYY"),
    ],
)
def test_malformed_dates_say_what_is_wrong(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_fuzzy_date(value)
