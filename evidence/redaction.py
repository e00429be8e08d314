"""Withholding protected names in any spelling or script: the one rule set.

A protected name is given once, in metadata, in one script and one spelling; the text
names the same person in others (`Rana al-Ahmad`, `Rana Alahmad`, `رنا الأحمد`, `أحمد`).
Each word of a text is reduced to the cross-script name keys of `evidence.names`
(consonant skeletons) and compared with the parts of each protected name:

- a run of two or more adjacent words that each match a different part of one name is
  withheld (`full name` when it covers every part in order, else `partial name`): this
  is how a given name is caught, beside another part of the name;
- a word matching the last part of a name of two or more parts is withheld alone
  (`surname`), as is a word matching a one-part name or alias (`single name`);
- the article (`al-`, `el-`, `ال`, fused as in `Alahmad`) and Arabic proclitics (`و`,
  `ب`, `ل`, `ف`, `ك`) are ignored, a possessive `'s` stays outside the match.

A word matches a part exactly (same letters once case, diacritics and letter variants are
folded) or by key. A key match on its own is strong only for a capitalised Latin word or
an Arabic one: `had` shares its skeleton with `Haddad` and is left alone unless it stands
next to another part of the name. Places match only as a whole run; contacts (telephone
numbers, addresses) match on their letters and digits, whatever separates them.

The rules prefer withholding too much: investigators always read the full text, and the
review report (`python -m indexer redactions`) lists every withheld span and every near
miss (a word whose key is one letter from a part, or a given name standing alone) for a
person to confirm or to answer with an alias.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache

from evidence.analysis import word_spans
from evidence.names import name_keys

__all__ = ["WITHHELD", "Kind", "NearMiss", "Protected", "Redaction", "Redactor"]

WITHHELD = "[withheld]"

_ARTICLES = {"al", "el", "ul", "ال"}
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_PROCLITICS = "وفبلك"
# What may stand between two words of one name: spaces, hyphens, commas ("Ahmad, Rana"),
# underscores (file names).
_GLUE = re.compile(r"[\s\-\u2010-\u2015,_]*")
_CONTACT_SEPARATORS = r"[\s\-.()/]*"
# A contact is matched on its letters, digits and `@`: `+963 944-12` is `963944` `12`.
_CONTACT_CHARS = re.compile(r"[\w@]")
_MIN_KEY = 2  # one-consonant keys (`Ali`, `Abu`) match only exactly
_MIN_WEAK = 4  # a lower-case key match joins a run only from this length (not `had`)
_NEAR_KEY = 4  # one-letter near misses are looked for only for keys this long
_NEAR_SPELLING = 0.8  # a lower-case word this close in letters to a part is a near miss
# Arabic words that fold into a name (`على` "on" into `علي` Ali): never withheld alone.
_FUNCTION_WORDS = {"على", "إلى", "الى", "حتى", "لدى", "متى", "من", "في", "عن", "مع", "ما"}
# Inside Arabic script, long vowels and hamza seats vary between spellings of one name.
_ARABIC_VOWELS = re.compile("[اويىءأإآئؤ]")


class Kind(StrEnum):
    NAME = "name"
    PLACE = "place"
    CONTACT = "contact"


@dataclass(frozen=True)
class Protected:
    """One protected value and the input field it came from (`witness_name`,
    `persons[2].name`, `victim_aliases[0]`)."""

    value: str
    field: str
    kind: Kind = Kind.NAME


@dataclass(frozen=True)
class Redaction:
    """A withheld span of a text, the form it had there, and why."""

    start: int
    end: int
    form: str
    rule: str
    protected: Protected


@dataclass(frozen=True)
class NearMiss:
    """A word that looks like part of a protected name but was not withheld."""

    start: int
    end: int
    form: str
    reason: str
    protected: Protected


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    norm: str  # folded, article and proclitic left on
    bare: str  # folded, article removed
    keys: frozenset[str]
    skeletons: frozenset[str]  # Arabic words: letters without vowels, per variant
    arabic: bool
    capitalised: bool
    function_word: bool
    article_start: int  # where a preceding article begins, else `start`


@dataclass(frozen=True)
class _Part:
    bare: str
    key: str
    arabic: bool
    skeleton: str


def _strip_article(token: str) -> str:
    if token.startswith("ال") and len(token) > 3:
        return token[2:]
    if token[:2] in {"al", "el"} and len(token) >= 5 and not _ARABIC.search(token):
        return token[2:]
    return token


def _variants(token: str) -> set[str]:
    """A written word as it stands, without a fused article, and (Arabic) without a
    one-letter proclitic."""
    variants = {token, _strip_article(token)}
    if _ARABIC.search(token) and len(token) >= 4:
        if token[0] in _PROCLITICS:
            variants |= {token[1:], _strip_article(token[1:])}
        if token.startswith("لل"):
            variants.add(token[2:])
    return variants


@lru_cache(maxsize=65_536)
def _token_keys(token: str) -> frozenset[str]:
    """Every key a written word may stand for."""
    return frozenset(key for variant in _variants(token) for key in name_keys(variant))


def _skeleton(token: str) -> str:
    return _ARABIC_VOWELS.sub("", token[0]) + _ARABIC_VOWELS.sub("", token[1:]) if token else ""


@lru_cache(maxsize=65_536)
def _token_skeletons(token: str) -> frozenset[str]:
    if not _ARABIC.search(token):
        return frozenset()
    return frozenset(_skeleton(variant) for variant in _variants(token))


def _words(text: str) -> list[_Word]:
    words: list[_Word] = []
    pending_article: int | None = None
    # `_` joins words in file names (`Rana_Ahmad.md`); a space of the same length keeps offsets.
    for start, end, tokens in word_spans(text.replace("_", " ")):
        if not tokens:
            continue
        token = tokens[0]
        if token in _ARTICLES:
            pending_article = start
            continue
        words.append(
            _Word(
                start,
                end,
                token,
                _strip_article(token),
                _token_keys(token),
                _token_skeletons(token),
                bool(_ARABIC.search(token)),
                text[start].isupper(),
                text[start:end] in _FUNCTION_WORDS,
                pending_article if pending_article is not None else start,
            )
        )
        pending_article = None
    return words


def _parts(value: str) -> list[_Part]:
    parts: list[_Part] = []
    for _, _, tokens in word_spans(value.replace("-", " ")):
        for token in tokens:
            if token in _ARTICLES or token.isdigit():
                continue
            bare = _strip_article(token)
            arabic = bool(_ARABIC.search(token))
            skeleton = _skeleton(bare) if arabic else ""
            parts.extend(_Part(bare, key, arabic, skeleton) for key in name_keys(token))
    return parts


def _adjacent(text: str, before: _Word, after: _Word) -> bool:
    """Only spaces, hyphens, commas and an article between the two words."""
    gap = text[before.end : after.article_start]
    return _GLUE.fullmatch(gap) is not None


def _edit_distance_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


class _Name:
    """One protected name or place, as parts to match words against."""

    def __init__(self, protected: Protected) -> None:
        self.protected = protected
        self.parts = _parts(protected.value)

    def match(self, word: _Word, part: _Part) -> str | None:
        """`exact`, `key` (strong) or `weak`; None when the word is not this part."""
        if word.bare == part.bare or word.norm == part.bare:
            return "exact"
        if len(part.key) < _MIN_KEY or part.key not in word.keys:
            return None
        if word.arabic and part.arabic and part.skeleton not in word.skeletons:
            return None  # one script: the letters decide (شهادة is not شحادة)
        if word.arabic or word.capitalised:
            return "key"
        return "weak" if len(word.bare) >= _MIN_WEAK else None

    def spelling(self, words: Sequence[_Word], matches: Sequence[str]) -> str:
        if all(m == "exact" for m in matches):
            return "as written"
        scripts = {w.arabic for w in words} | {p.arabic for p in self.parts}
        return "other script" if len(scripts) > 1 else "other spelling"


def _runs(text: str, words: list[_Word], name: _Name) -> Iterable[tuple[int, int, list[str]]]:
    """Maximal runs of adjacent words each matching a different part of `name`:
    (first word, last word + 1, how each matched)."""
    i = 0
    while i < len(words):
        used: set[int] = set()
        matches: list[str] = []
        j = i
        while j < len(words):
            if j > i and not _adjacent(text, words[j - 1], words[j]):
                break
            found = next(
                (
                    (index, how)
                    for index, part in enumerate(name.parts)
                    if index not in used and (how := name.match(words[j], part))
                ),
                None,
            )
            if found is None:
                break
            used.add(found[0])
            matches.append(found[1])
            j += 1
        if j > i:
            yield i, j, matches
            i = j
        else:
            i += 1


class Redactor:
    """The protected values of one record, ready to find them in any of its texts."""

    def __init__(self, protected: Iterable[Protected]) -> None:
        values = list(dict.fromkeys(p for p in protected if p.value.strip()))
        self._names = [_Name(p) for p in values if p.kind is not Kind.CONTACT and _parts(p.value)]
        self._contacts = [
            (p, re.compile(_CONTACT_SEPARATORS.join(map(re.escape, chars)), re.IGNORECASE))
            for p in values
            if p.kind is Kind.CONTACT and len(chars := _CONTACT_CHARS.findall(p.value)) >= 3
        ]

    def __bool__(self) -> bool:
        return bool(self._names or self._contacts)

    def find(self, text: str) -> list[Redaction]:
        """Every span to withhold, in text order, overlapping spans merged into the first."""
        if not self or not text:
            return []
        found = [*self._contact_spans(text), *self._name_spans(text, _words(text))]
        found.sort(key=lambda r: (r.start, -r.end))
        merged: list[Redaction] = []
        for redaction in found:
            if merged and redaction.start < merged[-1].end:
                last = merged[-1]
                if redaction.end > last.end:
                    merged[-1] = Redaction(
                        last.start,
                        redaction.end,
                        text[last.start : redaction.end],
                        last.rule,
                        last.protected,
                    )
                continue
            merged.append(redaction)
        return merged

    def redact(self, text: str, found: Sequence[Redaction] | None = None) -> str:
        """`text` with every protected span (`found`, else `find(text)`) replaced by
        `[withheld]`."""
        pieces: list[str] = []
        position = 0
        for redaction in self.find(text) if found is None else found:
            pieces += [text[position : redaction.start], WITHHELD]
            position = redaction.end
        return "".join(pieces) + text[position:] if pieces else text

    def redact_all(self, texts: Sequence[str]) -> list[str]:
        return [self.redact(text) for text in texts]

    def near_misses(self, text: str, withheld: Sequence[Redaction] | None = None) -> list[NearMiss]:
        """Words that resemble a part of a protected name but were not withheld
        (`withheld`: what `find(text)` gave, when the caller has it already)."""
        if not self._names or not text:
            return []
        words = _words(text)
        withheld = self.find(text) if withheld is None else withheld
        misses: dict[int, NearMiss] = {}
        for word in words:
            if any(r.start <= word.start < r.end for r in withheld):
                continue
            for name in self._names:
                reason = self._miss_reason(word, name)
                if reason and word.start not in misses:
                    form = text[word.start : word.end]
                    misses[word.start] = NearMiss(
                        word.start, word.end, form, reason, name.protected
                    )
        return sorted(misses.values(), key=lambda m: m.start)

    @staticmethod
    def _miss_reason(word: _Word, name: _Name) -> str | None:
        if word.function_word:
            return None
        for part in name.parts:
            how = name.match(word, part)
            if how == "weak":
                similar = SequenceMatcher(None, word.bare, part.bare).ratio() >= _NEAR_SPELLING
                if word.arabic == part.arabic and similar:
                    return f"lower-case word spelt like {part.bare!r}"
                continue
            if how is not None and name.protected.kind is Kind.NAME:
                return f"{part.bare!r} alone, not beside another part of the name"
            if how is not None:
                return f"{part.bare!r} alone, not the whole place name"
        if not (word.arabic or word.capitalised):
            return None
        for part in name.parts:
            if len(part.key) >= _NEAR_KEY and any(
                len(key) >= _NEAR_KEY and _edit_distance_one(key, part.key) for key in word.keys
            ):
                return f"one letter from the key of {part.bare!r}"
        return None

    def _contact_spans(self, text: str) -> Iterable[Redaction]:
        for protected, pattern in self._contacts:
            for match in pattern.finditer(text):
                yield Redaction(match.start(), match.end(), match.group(), "contact", protected)

    def _name_spans(self, text: str, words: list[_Word]) -> Iterable[Redaction]:
        for name in self._names:
            whole_only = name.protected.kind is Kind.PLACE
            for first, last, matches in _runs(text, words, name):
                run = words[first:last]
                covers_all = len(run) == len(name.parts)
                if whole_only and not covers_all:
                    continue
                if len(run) >= 2 and any(m != "weak" for m in matches):
                    coverage = "full name" if covers_all else "partial name"
                elif len(run) == 1 and matches[0] != "weak" and self._alone(name, run[0]):
                    coverage = "single name" if len(name.parts) == 1 else "surname"
                else:
                    continue
                start = run[0].article_start
                rule = f"{coverage}, {name.spelling(run, matches)}"
                yield Redaction(start, run[-1].end, text[start : run[-1].end], rule, name.protected)

    @staticmethod
    def _alone(name: _Name, word: _Word) -> bool:
        """A lone word is withheld when it is the whole name or its last part, and not
        a function word that folds into one."""
        if word.function_word:
            return False
        if len(name.parts) == 1:
            return True
        return name.match(word, name.parts[-1]) is not None
