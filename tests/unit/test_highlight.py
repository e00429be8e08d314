from __future__ import annotations

import html
import itertools
import random
import re

from evidence.analysis import analyse, stem
from search_api.highlight import ELLIPSIS, MatchTerms, match_terms, snippets
from search_api.syntax import parse_query

_MARK = re.compile(r"<mark>(.*?)</mark>")


def _snip(q: str, text: str, **kwargs: int) -> list[str]:
    return snippets(text, match_terms(parse_query(q)), **kwargs)


def _marked(fragment: str) -> list[str]:
    return [html.unescape(word) for word in _MARK.findall(fragment)]


def _plain(fragment: str) -> str:
    """The snippet's text as a reader sees it, without marks or ellipses."""
    return html.unescape(fragment.replace("<mark>", "").replace("</mark>", "")).strip(ELLIPSIS)


def test_match_terms_takes_positive_clauses_only() -> None:
    terms = match_terms(parse_query('Arrested | "Palestine Branch" tort* -saydnaya -x*'))
    assert terms.tokens == {"arrested", "palestine", "branch"}
    assert "arrest" in terms.stems
    assert terms.prefixes == ("tort",)
    assert "saydnaya" not in terms.tokens | terms.stems


def test_multi_token_prefix_term_prefixes_only_its_last_token() -> None:
    terms = match_terms(parse_query("al-kh*"))
    assert terms.tokens == {"al"}
    assert terms.prefixes == ("kh",)


def test_no_match_and_empty_text_give_nothing() -> None:
    assert _snip("koblenz", "Nothing relevant here.") == []
    assert _snip("koblenz", "") == []
    assert _snip("koblenz", " \n\t ") == []
    assert _snip("", "Koblenz") == []
    assert _snip("-koblenz", "Koblenz") == []
    assert snippets("Koblenz", match_terms(parse_query("koblenz")), limit=0) == []


def test_short_text_is_marked_whole_without_ellipsis() -> None:
    assert _snip("koblenz", "The trial in Koblenz began.") == [
        "The trial in <mark>Koblenz</mark> began."
    ]


def test_arabic_spelling_variant_is_marked() -> None:
    (fragment,) = _snip("مستشفى", "نُقل المعتقل إلى مشفى تشرين العسكري")
    assert _marked(fragment) == ["مشفى"]


def test_tashkeel_stays_inside_the_marked_word() -> None:
    (fragment,) = _snip("محمد", "شهادة مُحَمَّد عن الفرع")
    assert _marked(fragment) == ["مُحَمَّد"]
    assert "مُحَمَّد</mark>" in fragment


def test_stems_mark_other_forms_of_the_word() -> None:
    (fragment,) = _snip("arrested", "He was arrested in 2012. Arrests followed the arrest.")
    assert _marked(fragment) == ["arrested", "Arrests", "arrest"]


def test_arabic_indic_digits_match_ascii_digits() -> None:
    (fragment,) = _snip("٢١٥", "Held at Branch 215, also called فرع ٢١٥.")
    assert _marked(fragment) == ["215", "٢١٥"]


def test_prefix_term_marks_words_that_start_with_it() -> None:
    (fragment,) = _snip("tort*", "Torture, torturers and a tort claim; not retort.")
    assert _marked(fragment) == ["Torture", "torturers", "tort"]


def test_phrase_and_any_of_options_are_marked() -> None:
    (fragment,) = _snip('"palestine branch" | saydnaya', "From Palestine Branch to Saydnaya.")
    assert _marked(fragment) == ["Palestine", "Branch", "Saydnaya"]


def test_mixed_direction_text_keeps_character_offsets() -> None:
    text = "The witness (الشاهد) described فرع فلسطين, Branch 235, in Damascus."
    (fragment,) = _snip("فلسطين 235 witness", text)
    assert _marked(fragment) == ["witness", "فلسطين", "235"]
    assert _plain(fragment) == text


def test_markup_in_the_text_is_escaped() -> None:
    text = 'Note <script>alert("x")</script> & <mark>torture</mark> <b onclick=x>torture</b>'
    (fragment,) = _snip("torture", text)
    without_ours = fragment.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in without_ours and ">" not in without_ours
    assert "&lt;script&gt;" in fragment
    assert "&amp; " in fragment
    assert '"' not in fragment
    assert _plain(fragment) == text
    assert _marked(fragment) == ["torture", "torture"]


def test_only_mark_tags_are_unescaped() -> None:
    rng = random.Random(7)
    pieces = ["<", ">", "&", '"', "'", "<script>", "</mark>", "<mark>", "torture", " ", "x"]
    for _ in range(100):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 60)))
        for fragment in _snip("torture", text):
            assert re.sub(r"</?mark>", "", fragment).count("<") == 0
            assert fragment.count("<mark>") == fragment.count("</mark>") >= 1
            assert all(word.lower() == "torture" for word in _marked(fragment))


def test_long_text_is_cut_at_word_boundaries_with_ellipses() -> None:
    words = [f"w{i}" for i in range(400)]
    words[200] = "Saydnaya"
    text = " ".join(words)
    (fragment,) = _snip("saydnaya", text, width=60)
    assert fragment.startswith(ELLIPSIS) and fragment.endswith(ELLIPSIS)
    plain = _plain(fragment)
    assert plain in text
    assert plain.split()[0] in words and plain.split()[-1] in words  # no word was cut
    assert 40 <= len(plain) <= 80
    assert "<mark>Saydnaya</mark>" in fragment


def test_hyphenated_words_are_not_cut() -> None:
    text = "x " * 10 + "al-Khatib and more words about Koblenz and the trial there"
    for width in range(10, 60, 3):
        (fragment,) = _snip("koblenz", text, width=width)
        plain = _plain(fragment)
        assert not plain.startswith("Khatib") and not plain.endswith("al-")


def test_snippet_at_the_start_or_end_has_no_ellipsis_there() -> None:
    text = "Saydnaya " + " ".join(f"w{i}" for i in range(100)) + " Koblenz."
    first, second = _snip("saydnaya | koblenz", text, width=40)
    assert first.startswith("<mark>Saydnaya</mark>") and first.endswith(ELLIPSIS)
    assert second.startswith(ELLIPSIS) and second.endswith("<mark>Koblenz</mark>.")


def test_best_window_has_most_distinct_words_and_comes_first() -> None:
    filler = " ".join(f"w{i}" for i in range(60))
    text = f"torture torture torture. {filler} Torture at Saydnaya prison. {filler} torture."
    fragments = _snip("torture saydnaya", text, width=60)
    assert len(fragments) == 2
    assert _marked(fragments[0]) == ["Torture", "Saydnaya"]
    assert _marked(fragments[1]) == ["torture", "torture", "torture"]


def test_windows_never_overlap() -> None:
    rng = random.Random(42)
    words = [f"w{i}" for i in range(3000)]
    for index in rng.sample(range(3000), 300):
        words[index] = rng.choice(["Saydnaya", "torture", "Koblenz"]) + str(index)
    text = " ".join(words)  # every word is unique, so each snippet is found in one place
    for width in (20, 80, 180, 400):
        fragments = _snip("saydnaya* torture* koblenz*", text, limit=6, width=width)
        assert len(fragments) == 6
        spans = []
        for fragment in fragments:
            plain = _plain(fragment).split()
            start = next(i for i in range(len(words)) if words[i : i + len(plain)] == plain)
            spans.append((start, start + len(plain)))
        spans.sort()
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))


def test_close_windows_split_the_gap_between_them() -> None:
    # Too far apart for one window, yet each window, widened to `width` at the text's
    # edge, would reach into the other's.
    text = "Saydnaya " + " ".join(f"w{i}" for i in range(1, 15)) + " Koblenz"
    for width in range(len(text) // 2, len(text) - 8):
        first, second = _snip("saydnaya koblenz", text, limit=2, width=width)
        left, right = _plain(first).split(), _plain(second).split()
        assert left[0] == "Saydnaya" and right[-1] == "Koblenz"
        assert left + right == text.split()[: len(left)] + text.split()[-len(right) :]
        assert not set(left) & set(right), width


def test_whitespace_runs_are_folded() -> None:
    (fragment,) = _snip("koblenz", "The\n\n trial\tin   Koblenz\r\nbegan.")
    assert fragment == "The trial in <mark>Koblenz</mark> began."


def test_long_document_marks_every_occurrence_in_its_snippets() -> None:
    paragraph = (
        "The detainee was held in Branch 215 and later moved to Saydnaya prison, "
        "according to witness statements filed with the court in Koblenz. "
        "نُقل المعتقل إلى فرع فلسطين ثم إلى سجن صيدنايا. "
    )
    text = paragraph * 1200  # about 150 KB, like a fifty-page filing
    text += "At the very end the torture of Ahmad in Saydnaya is described."
    assert len(text) > 140_000
    fragments = _snip("torture saydnaya | صيدنايا", text, limit=3)
    assert len(fragments) == 3
    assert "<mark>torture</mark>" in fragments[0]
    assert "the <mark>torture</mark> of Ahmad in <mark>Saydnaya</mark>" in fragments[0]
    for fragment in fragments:
        assert _plain(fragment) in text
        marked = _marked(fragment)
        assert set(marked) <= {"torture", "Saydnaya", "صيدنايا"}
        for word in ("Saydnaya", "صيدنايا"):
            assert marked.count(word) == _plain(fragment).count(word) >= 1
        assert len(_plain(fragment)) <= 180 + 40


def test_custom_match_terms_are_used_as_given() -> None:
    terms = MatchTerms(tokens=frozenset(), stems=frozenset(), prefixes=("215",))
    (fragment,) = snippets("Branch 2150 and ٢١٥", terms)
    assert _marked(fragment) == ["2150", "٢١٥"]


def test_random_texts_and_queries_never_raise_and_mark_only_matches() -> None:
    rng = random.Random(1982)
    alphabet = "ab تعذ\u064e\u0640-*|\"<>&'\n\u00a0٢1."
    for _ in range(300):
        q = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        terms = match_terms(parse_query(q))
        fragments = snippets(text, terms, limit=rng.randint(0, 3), width=rng.randint(0, 60))
        for fragment in fragments:
            assert "<" not in re.sub(r"</?mark>", "", fragment)
            for word in _marked(fragment):
                tokens = analyse(word)
                assert any(
                    t in terms.tokens or stem(t) in terms.stems or t.startswith(terms.prefixes)
                    for t in tokens
                ), (q, text, word)
