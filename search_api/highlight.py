"""Snippets of stored text with the query's words wrapped in `<mark>`.

Elasticsearch cannot highlight here: documents are analysed in Python and indexed as
pre-analysed tokens, so it never sees the original text's offsets. Snippets are built
from the stored original text with `evidence.analysis.word_spans`, which maps each
written word to the tokens it was indexed under, so what is marked is exactly what the
query could have matched, shown as it was written.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from evidence.analysis import analyse, stem, word_spans
from search_api.syntax import AnyOf, ParsedQuery, Phrase, Term

__all__ = ["ELLIPSIS", "MatchTerms", "match_terms", "matched_spans", "snippets"]

ELLIPSIS = "\u2026"
# How far a cut may move to land on whitespace, so `al-Khatib` or `(Saydnaya).` stay
# whole; a longer run without whitespace is cut at an analysis word boundary instead.
_CHUNK_REACH = 16
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class MatchTerms:
    """What a query's positive clauses match, in the analysed forms words are compared in."""

    tokens: frozenset[str]
    stems: frozenset[str]
    prefixes: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        """Nothing can match, so there is nothing to mark."""
        return not self.tokens and not self.stems and not self.prefixes


def _positive_items(parsed: ParsedQuery) -> Iterator[Term | Phrase]:
    for clause in parsed.required:
        yield from clause.options if isinstance(clause, AnyOf) else (clause,)


def match_terms(parsed: ParsedQuery) -> MatchTerms:
    """The tokens, stems and prefixes to mark; excluded clauses never match a shown hit.

    A prefix term's last token is the prefix and its earlier tokens are whole words, as
    in the query (`match_phrase_prefix`), so `al-kh*` marks `al` and words from `kh`.
    """
    tokens: set[str] = set()
    prefixes: list[str] = []
    for item in _positive_items(parsed):
        analysed = analyse(item.text)
        if isinstance(item, Term) and item.prefix and analysed:
            *analysed, last = analysed
            if last not in prefixes:
                prefixes.append(last)
        tokens.update(analysed)
    return MatchTerms(
        tokens=frozenset(tokens),
        stems=frozenset(stem(token) for token in tokens),
        prefixes=tuple(prefixes),
    )


class _Scan:
    """One pass over the words: where each word is, and which of them matched.

    Matched words are parallel lists; `keys` number each matched word by its stems, so
    `Arrest` and `arrests` count as one distinct word when windows are ranked.
    """

    def __init__(self, text: str, terms: MatchTerms) -> None:
        self.text = text
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.match_starts: list[int] = []
        self.match_ends: list[int] = []
        self.keys: list[int] = []
        key_ids: dict[tuple[str, ...], int] = {}
        verdicts: dict[tuple[str, ...], int] = {}  # tokens -> key id, or -1: no match
        for start, end, tokens in word_spans(text):
            self.starts.append(start)
            self.ends.append(end)
            key = verdicts.get(tokens)
            if key is None:
                key = -1
                if _matches(tokens, terms):
                    key = key_ids.setdefault(tuple(stem(t) for t in tokens), len(key_ids))
                verdicts[tokens] = key
            if key >= 0:
                self.match_starts.append(start)
                self.match_ends.append(end)
                self.keys.append(key)
        self.distinct_keys = len(key_ids)
        self.begin = len(text) - len(text.lstrip())
        self.finish = len(text.rstrip())

    def left_cut(self, position: int, floor: int) -> int:
        """The start of the first whole word at or after `position`, widened to whitespace."""
        index = bisect_left(self.starts, position)
        if index == 0:
            return max(self.begin, floor)
        cut = self.starts[index]
        reach = max(floor, cut - _CHUNK_REACH)
        for back in range(cut - 1, reach - 1, -1):
            if self.text[back].isspace():
                return back + 1
        return 0 if reach == 0 else cut

    def right_cut(self, position: int, ceiling: int) -> int:
        """The end of the last whole word at or before `position`, widened to whitespace."""
        index = bisect_right(self.ends, position) - 1
        if index == len(self.ends) - 1:
            return min(self.finish, ceiling)
        cut = self.ends[index]
        reach = min(ceiling, cut + _CHUNK_REACH)
        for ahead in range(cut, reach):
            if self.text[ahead].isspace():
                return ahead
        return len(self.text) if reach == len(self.text) else cut


def _matches(tokens: tuple[str, ...], terms: MatchTerms) -> bool:
    for token in tokens:
        if token in terms.tokens or token.startswith(terms.prefixes):
            return True
        if terms.stems and stem(token) in terms.stems:
            return True
    return False


def matched_spans(text: str, terms: MatchTerms) -> list[tuple[int, int]]:
    """Where the query's words are in `text`, by the same rule as snippets: the record
    page marks a whole page with it, and counts which pages hold a hit."""
    if terms.is_empty:
        return []
    return [(start, end) for start, end, tokens in word_spans(text) if _matches(tokens, terms)]


@dataclass(frozen=True)
class _Window:
    first: int  # index of its first matched word
    last: int  # index of its last matched word, inclusive
    floor: int = field(default=0, compare=False)  # how far it may extend
    ceiling: int = field(default=0, compare=False)


def _choose(scan: _Scan, width: int, limit: int) -> list[_Window]:
    """The best windows of matches that fit in `width` and share none, best first.

    Two pointers give, for each match, the matches that fit after it and how many
    distinct words they are, in one pass; ranking is by distinct words, then by matches.
    """
    starts, ends, keys = scan.match_starts, scan.match_ends, scan.keys
    counts = [0] * scan.distinct_keys
    distinct = stop = 0
    ranked: list[tuple[int, int, int, int]] = []
    for first in range(len(starts)):
        while stop < len(starts) and (stop == first or ends[stop] - starts[first] <= width):
            distinct += counts[keys[stop]] == 0
            counts[keys[stop]] += 1
            stop += 1
        ranked.append((-distinct, first - stop, first, stop - 1))
        counts[keys[first]] -= 1
        distinct -= counts[keys[first]] == 0
    ranked.sort()
    chosen: list[_Window] = []
    for _, _, first, last in ranked:
        if all(last < other.first or other.last < first for other in chosen):
            chosen.append(_Window(first, last))
            if len(chosen) == limit:
                break
    return chosen


def _with_room(chosen: list[_Window], scan: _Scan) -> list[_Window]:
    """Neighbouring windows split the gap between their matches, so snippets never overlap."""
    starts, ends = scan.match_starts, scan.match_ends
    by_position = sorted(chosen, key=lambda window: window.first)
    room: dict[_Window, tuple[int, int]] = {}
    for index, window in enumerate(by_position):
        floor, ceiling = 0, len(scan.text)
        if index:
            floor = (ends[by_position[index - 1].last] + starts[window.first]) // 2
        if index + 1 < len(by_position):
            ceiling = (ends[window.last] + starts[by_position[index + 1].first]) // 2
        room[window] = (floor, ceiling)
    return [_Window(w.first, w.last, *room[w]) for w in chosen]


def _bounds(window: _Window, scan: _Scan, width: int) -> tuple[int, int]:
    """About `width` characters around the window's matches, inside its room, cut between words."""
    start, end = scan.match_starts[window.first], scan.match_ends[window.last]
    spare = max(0, width - (end - start))
    left, right = start - spare // 2, end + spare - spare // 2
    if left < window.floor:
        left, right = window.floor, right + window.floor - left
    if right > window.ceiling:
        left, right = max(window.floor, left - (right - window.ceiling)), window.ceiling
    return scan.left_cut(left, window.floor), scan.right_cut(right, window.ceiling)


def _render(scan: _Scan, left: int, right: int) -> str:
    """Escape all of the text; only the `<mark>` tags added here are markup."""
    text = scan.text
    parts = [ELLIPSIS] if left > scan.begin else []
    position = left
    # Every matched word inside the snippet is marked, also those beside its window.
    index = bisect_left(scan.match_starts, left)
    while index < len(scan.match_starts) and scan.match_ends[index] <= right:
        start, end = scan.match_starts[index], scan.match_ends[index]
        parts.append(html.escape(_SPACES.sub(" ", text[position:start])))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
        index += 1
    parts.append(html.escape(_SPACES.sub(" ", text[position:right])))
    if right < scan.finish:
        parts.append(ELLIPSIS)
    return "".join(parts)


def snippets(text: str, terms: MatchTerms, *, limit: int = 2, width: int = 180) -> list[str]:
    """Up to `limit` non-overlapping HTML snippets around the matched words, best first.

    Best means most distinct matched words. Each is about `width` characters of the
    original text, cut between words, with `…` where cut and runs of whitespace folded.
    One pass over the words and a sort of the candidate windows: long texts stay fast.
    """
    if limit < 1 or not text or terms.is_empty or text.isspace():
        return []
    scan = _Scan(text, terms)
    if not scan.match_starts:
        return []
    width = max(width, 1)
    windows = _with_room(_choose(scan, width, limit), scan)
    return [_render(scan, *_bounds(window, scan, width)) for window in windows]
