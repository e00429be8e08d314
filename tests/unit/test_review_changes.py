"""What a reload changed in a bundle's redaction review (`indexer.review.compare`): keyed
by place and form, so text that did not change never shows as changed."""

from __future__ import annotations

from typing import Any

from indexer.review import compare


def row(kind: str, form: str, offset: int, page: int | None = 1, **other: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "file": "testimonies/t-1.md",
        "line": 1,
        "local_id": "T-1",
        "field": "pages",
        "page": page,
        "offset": offset,
        "form": form,
        "rule": "surname, as written",
        "protected_field": "witness_name",
        "protected_value": "Rami Haddad",
    } | other


def test_the_same_rows_change_nothing_even_when_an_edit_before_them_moves_them() -> None:
    before = [
        row("withheld", "Haddad", 10),
        row("withheld", "Haddad", 40),
        row("near miss", "Rami", 60),
    ]
    after = [
        row("withheld", "Haddad", 25),
        row("withheld", "Haddad", 55),
        row("near miss", "Rami", 75),
    ]
    changes = compare(before, after)
    assert set(changes.counts().values()) == {0}


def test_another_rule_or_protected_field_for_the_same_span_is_no_change() -> None:
    """An alias that also matches a span already withheld changes nothing in the text."""
    before = [row("withheld", "Haddad", 10)]
    after = [row("withheld", "Haddad", 10, protected_field="witness_aliases[0]")]
    assert set(compare(before, after).counts().values()) == {0}


def test_a_near_miss_covered_by_a_new_span_is_reported_as_now_withheld() -> None:
    before = [row("near miss", "Rami", 14, rule="'rami' alone")]
    after = [row("withheld", "Abu Rami", 10, rule="full name, as written")]
    changes = compare(before, after)
    assert changes.near_misses_withheld == [(before[0], after[0])]
    assert changes.newly_withheld == [] and changes.near_misses_gone == []


def test_spans_added_and_gone_and_near_misses_added_and_gone() -> None:
    before = [row("withheld", "Haddad", 10), row("near miss", "Rami", 30)]
    after = [
        row("withheld", "Haddad", 10),
        row("withheld", "Haddad", 50),  # a second occurrence is a new span
        row("withheld", "حداد", 5, page=2),
        row("near miss", "Ramy", 30),
    ]
    changes = compare(before, after)
    assert [r["form"] for r in changes.newly_withheld] == ["Haddad", "حداد"]
    assert changes.newly_withheld[0]["offset"] == 50
    assert [r["form"] for r in changes.new_near_misses] == ["Ramy"]
    assert [r["form"] for r in changes.near_misses_gone] == ["Rami"]
    assert compare(after, before).counts()["no_longer_withheld"] == 2


def test_a_span_in_another_record_or_field_is_a_change() -> None:
    before = [row("withheld", "Haddad", 10)]
    after = [
        row("withheld", "Haddad", 10, local_id="T-2"),
        row("withheld", "Haddad", 10, field="title", page=None),
    ]
    changes = compare(before, after)
    assert changes.counts()["newly_withheld"] == 2 and changes.counts()["no_longer_withheld"] == 1
    assert "2 newly withheld, 1 no longer withheld" in changes.summary()
