from __future__ import annotations

import random

import pytest

from evidence.analysis import analyse
from search_api.syntax import (
    MAX_CLAUSES,
    MAX_QUERY_CHARS,
    AnyOf,
    ParsedQuery,
    Phrase,
    Term,
    describe,
    parse_query,
)


def test_words_are_required_terms() -> None:
    assert parse_query("saydnaya torture") == ParsedQuery(
        required=(Term("saydnaya"), Term("torture")), excluded=()
    )


def test_quotes_make_a_phrase_and_a_minus_excludes() -> None:
    parsed = parse_query('"palestine branch" -torture -"air force"')
    assert parsed.required == (Phrase("palestine branch"),)
    assert parsed.excluded == (Term("torture"), Phrase("air force"))


def test_bar_joins_adjacent_items_of_any_kind() -> None:
    parsed = parse_query('saydnaya | صيدنايا | "palestine branch" koblenz')
    assert parsed.required == (
        AnyOf((Term("saydnaya"), Term("صيدنايا"), Phrase("palestine branch"))),
        Term("koblenz"),
    )


def test_bar_without_spaces_still_joins() -> None:
    assert parse_query("a|b").required == (AnyOf((Term("a"), Term("b"))),)


def test_trailing_star_makes_a_prefix_term() -> None:
    assert parse_query("tort*").required == (Term("tort", prefix=True),)
    assert parse_query("tort**").required == (Term("tort", prefix=True),)
    assert parse_query("تعذ*").required == (Term("تعذ", prefix=True),)


def test_star_inside_a_word_is_part_of_its_text() -> None:
    assert parse_query("a*b").required == (Term("a*b"),)
    assert parse_query("*abc").required == (Term("*abc"),)


def test_excluded_prefix_term() -> None:
    assert parse_query("x -tort*").excluded == (Term("tort", prefix=True),)


def test_unclosed_quote_runs_to_the_end() -> None:
    assert parse_query('koblenz "palestine branch').required == (
        Term("koblenz"),
        Phrase("palestine branch"),
    )


def test_quote_ends_a_word_and_starts_a_phrase() -> None:
    assert parse_query('branch"palestine"').required == (Term("branch"), Phrase("palestine"))


def test_typographic_quotes_make_phrases() -> None:
    parsed = parse_query("“palestine branch” «فرع فلسطين»")
    assert parsed.required == (Phrase("palestine branch"), Phrase("فرع فلسطين"))


@pytest.mark.parametrize("q", ["| a | b", "a | b |", "a || b", "| | a ||| b | |"])
def test_stray_bars_are_ignored(q: str) -> None:
    assert parse_query(q).required == (AnyOf((Term("a"), Term("b"))),)


def test_lone_minus_and_star_are_ignored() -> None:
    assert parse_query("a - b * -* --").required == (Term("a"), Term("b"))
    assert parse_query("- * | -").is_empty


def test_minus_inside_a_word_is_part_of_it() -> None:
    parsed = parse_query("al-Khatib branch-215 x-")
    assert parsed.required == (Term("al-Khatib"), Term("branch-215"), Term("x-"))
    assert parsed.excluded == ()


def test_only_a_leading_minus_excludes() -> None:
    parsed = parse_query("-al-Khatib --x")
    assert parsed.required == ()
    assert parsed.excluded == (Term("al-Khatib"), Term("x"))


def test_minus_then_space_does_not_exclude_the_next_word() -> None:
    assert parse_query("- torture") == ParsedQuery(required=(Term("torture"),), excluded=())


def test_excluded_item_is_taken_out_of_an_any_of() -> None:
    assert parse_query("a | -b") == ParsedQuery(required=(Term("a"),), excluded=(Term("b"),))
    assert parse_query("-a | b") == ParsedQuery(required=(Term("b"),), excluded=(Term("a"),))
    assert parse_query("a | -b | c") == ParsedQuery(
        required=(AnyOf((Term("a"), Term("c"))),), excluded=(Term("b"),)
    )


def test_excluded_item_does_not_join_what_follows_it() -> None:
    assert parse_query("a | -b c").required == (Term("a"), Term("c"))


def test_items_without_tokens_are_dropped() -> None:
    parsed = parse_query('"..." !!! -"" -??? ، x')
    assert parsed == ParsedQuery(required=(Term("x"),), excluded=())
    assert parse_query('"..." !!! ---').is_empty


def test_any_of_left_with_one_option_becomes_that_option() -> None:
    assert parse_query("a | !!!").required == (Term("a"),)
    assert parse_query('"" | "palestine branch"').required == (Phrase("palestine branch"),)


def test_dropped_item_between_bars_leaves_the_others_joined() -> None:
    assert parse_query("a | !!! | b").required == (AnyOf((Term("a"), Term("b"))),)


def test_duplicates_are_kept_once() -> None:
    parsed = parse_query("a a | a -b -b")
    assert parsed == ParsedQuery(required=(Term("a"),), excluded=(Term("b"),))
    assert parse_query("a | b | a").required == (AnyOf((Term("a"), Term("b"))),)


@pytest.mark.parametrize("space", ["\t", "\n", "\u00a0", "\u2003", "\u3000", "\u2029"])
def test_any_unicode_whitespace_separates_words(space: str) -> None:
    assert parse_query(f"a{space}b{space}|{space}c").required == (
        Term("a"),
        AnyOf((Term("b"), Term("c"))),
    )


def test_arabic_query_parses_like_latin() -> None:
    parsed = parse_query('فرع | "فرع فلسطين" -صيدنايا تعذ*')
    assert parsed.required == (
        AnyOf((Term("فرع"), Phrase("فرع فلسطين"))),
        Term("تعذ", prefix=True),
    )
    assert parsed.excluded == (Term("صيدنايا"),)


def test_empty_and_blank_queries_are_empty() -> None:
    assert parse_query("").is_empty
    assert parse_query("   \n\t").is_empty
    assert not parse_query("-x").is_empty


def test_long_input_is_truncated_before_parsing() -> None:
    q = "a" * MAX_QUERY_CHARS + " b"
    assert parse_query(q).required == (Term("a" * MAX_QUERY_CHARS),)


def test_at_most_max_clauses_are_kept_in_typed_order() -> None:
    words = [f"w{i}" for i in range(200)]
    parsed = parse_query(" ".join(f"-{w}" if i % 2 else w for i, w in enumerate(words)))
    kept = [*parsed.required, *parsed.excluded]
    assert len(kept) == MAX_CLAUSES
    assert {item.text for item in kept} == set(words[:MAX_CLAUSES])


def test_any_of_options_are_bounded() -> None:
    parsed = parse_query(" | ".join(f"w{i}" for i in range(200)))
    (clause,) = parsed.required
    assert isinstance(clause, AnyOf)
    assert len(clause.options) == MAX_CLAUSES


@pytest.mark.parametrize(
    ("q", "canonical"),
    [
        ("a   b", "a b"),
        ('-x "p q" a|b|"r s" tort**', '"p q" a | b | "r s" tort* -x'),
        ("| a || -b |", "a -b"),
        ('صيدنايا | "فرع فلسطين" -تعذ*', 'صيدنايا | "فرع فلسطين" -تعذ*'),
        ("", ""),
    ],
)
def test_describe_renders_canonical_syntax(q: str, canonical: str) -> None:
    assert describe(parse_query(q)) == canonical


def _items(parsed: ParsedQuery) -> list[Term | Phrase]:
    items: list[Term | Phrase] = list(parsed.excluded)
    for clause in parsed.required:
        items.extend(clause.options if isinstance(clause, AnyOf) else (clause,))
    return items


def test_random_input_never_raises_and_keeps_only_searchable_items() -> None:
    rng = random.Random(20110315)
    alphabet = '"-|* abc ابت\u064e\t\u00a0«».!1٢'
    for _ in range(400):
        q = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        parsed = parse_query(q)
        assert len(parsed.required) + len(parsed.excluded) <= MAX_CLAUSES
        for clause in parsed.required:
            if isinstance(clause, AnyOf):
                assert len(clause.options) >= 2
        for item in _items(parsed):
            assert analyse(item.text), (q, item)
            if isinstance(item, Term):
                assert not item.text.startswith("-")
                assert not item.text.endswith("*")
        # The canonical form parses back to the same query.
        assert parse_query(describe(parsed)) == parsed, q


def test_hostile_inputs_never_raise() -> None:
    for q in ['"' * 999, "-" * 2000, "|" * 5000, "*" * 10, '-"', '"-', "\x00\ud800", "a" * 10_000]:
        parse_query(q)


def test_proximity_after_a_phrase() -> None:
    parsed = parse_query('"palestine branch"~5 x')
    assert parsed.required[0] == Phrase("palestine branch", 5)
    assert describe(parsed) == '"palestine branch"~5 x'
    assert parse_query('"a b"~999').required[0] == Phrase("a b", 50)
    assert parse_query('"a b"~').required[0] == Phrase("a b")
