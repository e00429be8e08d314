"""Withholding protected names in any spelling or script: the one rule set.

A protected name is given once, in metadata, in one script and one spelling; the text
names the same person in others (`Rana al-Ahmad`, `Rana Alahmad`, `رنا الأحمد`, `أحمد`).
Each word of a text is reduced to the cross-script name keys of `evidence.names`
(consonant skeletons) and compared with the parts of each protected name:

- a run of two or more adjacent words that each match a different part of one name is
  withheld (`full name` when it covers every part, else `partial name`): this is how a
  given name is caught, beside another part of the name;
- a word matching the last part of a name of two or more parts is withheld alone
  (`surname`), as is a word matching a one-part name or alias (`single name`);
- the article (`al-`, `el-`, `ال`, fused as in `Alahmad`, assimilated as in `ar-Rahman`),
  `bin`, `ibn`, `بن` between two parts, and Arabic proclitics (`و`, `ب`, `ل`, `ف`, `ك`)
  are ignored; a possessive `'s` stays outside the match;
- an `Abd` compound counts as two parts however it is written (`Abdul Rahman`,
  `Abdulrahman`, `عبد الرحمن`, `عبدالرحمن`), one part may be written as two words
  (`Qatran Nabi` for `Qatrannabi`) and two parts as one (`Nasreddine`).

A word matches a part exactly (same letters once case, diacritics and letter variants are
folded) or by key; a final ta marbuta counts with or without its `h` (`فاطمة`, `Fatima`),
and French and German spellings also as English ones (`Ouaël`, `Djamil`, `Jussuf`).
A key match on its own is strong only for a capitalised Latin word, an Arabic one, or a
lower-case word whose key has four consonants or more (`katranabi`) or that is within two
letters of the name (`ahmed`, `hadad` in tags): `had` and `head` share the skeleton of
`Haddad` and are left alone unless they stand next to another part of the name. Two
Arabic spellings match strongly only when their letters agree once long vowels are dropped
(`هذا` is not `حداد`), a nisba only with its final `i` (`Homs` is not `al-Homsi`), a
one-consonant name (`Ali`, `Abu`) only as a whole word with one written consonant, and
common function words (`هذا`, `Der`) and `على` (which folds to `علي`) never on their own.
A word takes the part it matches most strongly. Places match only as a whole run;
contacts (telephone numbers, addresses) match on their letters and digits, in either
digit script, whatever separates them.

The rules prefer withholding too much: investigators always read the full text, and the
review report (`python -m indexer redactions`) lists every withheld span and every near
miss (a word whose key is one letter from a part, a word that shares a part's key only
weakly as above, or a given name standing alone) for a person to confirm or to answer
with an alias.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from itertools import pairwise

from evidence.analysis import normalise, word_spans
from evidence.names import name_keys

__all__ = ["WITHHELD", "Kind", "NearMiss", "Protected", "Redaction", "Redactor"]

WITHHELD = "[withheld]"

_ARTICLES = {"al", "el", "ul", "ال"}
# Words that link the parts of a name without being one: the article and `son/daughter
# of` (`Rami bin Khaled`, `رامي بن خالد`).
_LINKS = _ARTICLES | {"bin", "ibn", "bint", "بن", "ابن", "بنت"}
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_PROCLITICS = "وفبلك"
# What may stand between two words of one name: spaces, hyphens, commas ("Ahmad, Rana",
# "الأحمد، رنا"), underscores (file names).
_GLUE = re.compile(r"[\s\-\u2010-\u2015,\u060c_]*")
_CONTACT_SEPARATORS = r"[\s\-.()/]*"
# A contact is matched on its letters, digits and `@`: `+963 944-12` is `963944` `12`.
_CONTACT_CHARS = re.compile(r"[\w@]")
# Arabic-Indic and Eastern Arabic-Indic digits: a number is the same in either script.
_DIGIT_FORMS = {str(d): f"{d}{chr(0x660 + d)}{chr(0x6F0 + d)}" for d in range(10)}
_ANY_DIGIT = "[" + "".join(_DIGIT_FORMS.values()) + "]"
# The digits of a telephone number a national form keeps whatever the country code and
# trunk prefix: the subscriber's number, eight digits or more in most countries.
_PHONE_TAIL = 8
# A mailbox this long is withheld on its own, however the address around it is spelt.
_MAILBOX_CHARS = 4
_ASCII_DIGITS = str.maketrans(
    {chr(0x660 + d): str(d) for d in range(10)} | {chr(0x6F0 + d): str(d) for d in range(10)}
)
# The article assimilated to a sun letter, written before a hyphen: `ar-Rahman`, `ad-Din`.
_SUN_ARTICLE = re.compile(r"[aeu](sh|th|dh|[tdrzsnl])")
_ARABIC_ABD = "عبدال"  # fused `عبدالرحمن`: `عبد` and `الرحمن`, as the keys split `Abdulrahman`
_ARABIC_VOWELS = re.compile("[اويىءئؤ]")
_ARABIC_WEAK_LETTERS = re.compile("[اويىءئؤع]")  # letters a one-consonant key leaves out
# Words that share a key with common names (`هذا`, `أحد` and `Haddad`; `Der` and
# `Daraawi`) but are never one: they join a run beside a name, never stand for one.
_COMMON_WORDS = """
هذا هذه ذلك تلك هؤلاء الذي التي الذين أحد إحدى واحد واحدة إلى في من عن مع بعد
قبل كان كانت حتى لكن ثم قد لم لن ما لا هو هي هم نحن أنا عند حين بين كل بعض غير ضد
حول خلال منذ أمام فوق تحت دون أي أو إذا إن أن
all the he she his her him had has have head here there they them then their this that
was were who why what when where with from after before said told and but for not
mr mrs ms dr more
der die das den dem des ein eine er sie es wir ich man und mit von bei nach
le la les un une il elle ils nous de du des dans sur par pour avec est
"""
_ALSO_NAMES = frozenset(["said"])  # common words that are names when capitalised
# Function words written with a final alef maqsura, which folding turns into yeh: `على`
# (on) must not become `علي` (Ali). Checked on the word as written, tashkeel removed.
_MAQSURA_WORDS = frozenset(["على", "إلى", "الى", "حتى", "متى", "لدى", "سوى"])
_TASHKEEL = re.compile("[\u064b-\u065f\u0670\u0640]")
_MIN_KEY = 2  # one-consonant keys (`Ali`, `Abu`) alone only join a run beside a stronger match
_MIN_WEAK = 4  # a lower-case key match joins a run only from this length (not `had`)
_MIN_LOWER_KEY = 4  # a lower-case word matches alone by a key this long (`katranabi`)
_MIN_CLOSE = 5  # or when this long and within two letters of the name (`ahmed`)
_NEAR_KEY = 4  # one-letter near misses are looked for only for keys this long
# How a word matches a part, strongest first: only `exact` and `key` withhold on their own.
_RANK = {"exact": 0, "key": 1, "weak": 2, "short": 3}


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


@dataclass(slots=True)
class _Word:
    start: int
    end: int
    norm: str  # folded, article and proclitic left on
    bare: str  # folded, article removed
    keys: frozenset[str]
    skeletons: frozenset[str]  # Arabic letters without vowels, article and proclitic
    ending: str  # `i` for a final yeh or i sound, `-` for none, empty when either
    arabic: bool
    capitalised: bool
    common: bool  # a function word (`هذا`, `Der`): never a name on its own
    article_start: int  # where a preceding article begins, else `start`


@dataclass(frozen=True)
class _Part:
    bare: str
    keys: frozenset[str]
    skeleton: str
    arabic: bool
    ending: str


def _strip_article(token: str) -> str:
    if token.startswith("ال") and len(token) > 3:
        return token[2:]
    if token[:2] in {"al", "el"} and len(token) >= 5 and not _ARABIC.search(token):
        return token[2:]
    return token


def _with_final_h(keys: Iterable[str]) -> frozenset[str]:
    """Each key, and without a final `h`: the ta marbuta is read as heh (`فاطمة` is
    `ftmh`), while `Fatima` has no `h`."""
    keys = set(keys)
    return frozenset(keys | {key[:-1] for key in keys if len(key) >= 2 and key.endswith("h")})


def _pieces(token: str) -> list[tuple[str, str]]:
    """The (key, Arabic skeleton) of each piece of one written word: two for an `Abd`
    compound (`Abdulrahman`, `عبدالرحمن`), else one or none."""
    if token.startswith(_ARABIC_ABD) and len(token) > len(_ARABIC_ABD) + 1:
        return [*_pieces(token[:3]), *_pieces(token[3:])]
    keys = name_keys(token)
    if len(keys) != 1:
        return [(key, "") for key in keys]
    return [(keys[0], _skeleton(token))]


def _skeleton(token: str) -> str:
    """An Arabic word's letters without the article and long vowels: finer than the
    key, which also merges letters only a Latin spelling confuses (`هذا` and `حداد`)."""
    if not _ARABIC.search(token):
        return ""
    word = _strip_article(token)
    if len(word) <= 2:
        return word
    # A final yeh stays: the nisba `الحلبي` (from Aleppo) is not the city `حلب`.
    return word[:1] + _ARABIC_VOWELS.sub("", word[1:-1]) + word[-1:].replace("\u0627", "")


@lru_cache(maxsize=65_536)
def _token_keys(token: str) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """Every key (and Arabic skeleton) a written word may stand for: as written, without
    a fused article, and (Arabic) without a one-letter proclitic; one pair per piece of
    an `Abd` compound."""
    variants = {token, _strip_article(token)}
    if _ARABIC.search(token) and len(token) >= 4:
        if token[0] in _PROCLITICS:
            variants.add(token[1:])
        if token.startswith("لل"):
            variants.add(token[2:])
    variants |= {_european(variant) for variant in variants}
    pieces = [_pieces(variant) for variant in variants]
    compound = max(pieces, key=len)
    if len(compound) >= 2:
        return tuple((_with_final_h([key]), frozenset([skeleton])) for key, skeleton in compound)
    every = [piece for variant in pieces for piece in variant]
    return ((_with_final_h(key for key, _ in every), frozenset(sk for _, sk in every if sk)),)


def _european(token: str) -> str:
    """French and German spellings in English letters: `Ouael` and `Wael`, `Djamil`,
    `Dschamil` and `Jamil`, `Jussuf` and `Yusuf`."""
    if token.startswith("ou") and len(token) > 3 and token[2] in "aeiy":
        token = "w" + token[2:]
    token = token.replace("dsch", "j").replace("tsch", "ch").replace("dj", "j")
    if token.startswith("j") and not token.startswith("ja"):
        token = "y" + token[1:]
    return token


@cache
def _common_words() -> frozenset[str]:
    return frozenset(normalise(word) for word in _COMMON_WORDS.split())


@lru_cache(maxsize=65_536)
def _common(token: str, arabic_as_written: str) -> bool:
    """A function word, also behind a proclitic (`بهذه`, `وعلى`)."""
    forms = [token]
    if arabic_as_written:
        written = _TASHKEEL.sub("", arabic_as_written)
        forms += [written, written[1:]] if written[0] in _PROCLITICS else [written]
        if token[0] in _PROCLITICS:
            forms.append(token[1:])
    return any(form in _common_words() or form in _MAQSURA_WORDS for form in forms)


def _sun_article(text: str, spans: Sequence[tuple[int, int, tuple[str, ...]]], i: int) -> bool:
    """`ar` in `ar-Rahman`: an article, when a hyphen joins it to a word that starts
    with its consonant."""
    _, end, tokens = spans[i]
    match = _SUN_ARTICLE.fullmatch(tokens[0])
    if match is None or i + 1 >= len(spans) or text[end : end + 1] not in {"-", "\u2010"}:
        return False
    following = spans[i + 1][2]
    return bool(following) and following[0].startswith(match.group(1))


def _replaced(text: str, found: Sequence[Redaction]) -> str:
    pieces: list[str] = []
    position = 0
    for redaction in found:
        pieces += [text[position : redaction.start], WITHHELD]
        position = redaction.end
    return "".join(pieces) + text[position:] if pieces else text


def _words(text: str) -> list[_Word]:
    """The words of a text, articles folded into the word after them; an `Abd` compound
    (`Abdulrahman`, `عبدالرحمن`) is two words at the same place, like `Abdul Rahman`."""
    words: list[_Word] = []
    pending_article: int | None = None
    # `_` joins words in file names (`Rana_Ahmad.md`); a space of one length keeps offsets.
    spans = word_spans(text.replace("_", " "))
    for i, (start, end, tokens) in enumerate(spans):
        if not tokens:
            continue
        if tokens[0] in _LINKS or _sun_article(text, spans, i):
            pending_article = start
            continue
        article_start = pending_article if pending_article is not None else start
        words += (
            _Word(start, end, *form, article_start)
            for form in _word_forms(tokens[0], text[start:end])
        )
        pending_article = None
    return words


@lru_cache(maxsize=65_536)
def _word_forms(
    token: str, written: str
) -> tuple[tuple[str, str, frozenset[str], frozenset[str], str, bool, bool, bool], ...]:
    """Cached: what a word is, wherever it stands (all `_Word` fields but its place)."""
    arabic = bool(_ARABIC.search(token))
    common = _common(token, written if arabic else "")
    if written[0].isupper() and token in _ALSO_NAMES:
        common = False  # `Said` is a name, `said` the verb
    pieces = _token_keys(token)
    ending = _ending(written)
    bare = _strip_article(token)
    return tuple(
        (
            token,
            bare,
            keys,
            skeletons,
            ending if number == len(pieces) else "",
            arabic,
            written[0].isupper(),
            common,
        )
        for number, (keys, skeletons) in enumerate(pieces, 1)
    )


def _parts(value: str) -> list[_Part]:
    parts: list[_Part] = []
    spans = word_spans(value)
    for i, (start, end, tokens) in enumerate(spans):
        for token in tokens:
            if token in _LINKS or token.isdigit() or _sun_article(value, spans, i):
                continue
            bare = _strip_article(token)
            arabic = bool(_ARABIC.search(token))
            pieces = _pieces(token)
            ending = _ending(value[start:end])
            if len(pieces) == 1 and not arabic:
                # A French or German spelling stands for the English one too (`Ouael`).
                keys = _with_final_h([pieces[0][0], *name_keys(_european(bare))])
                parts.append(_Part(bare, keys, pieces[0][1], arabic, ending))
                continue
            parts.extend(
                _Part(
                    bare, _with_final_h([key]), skeleton, arabic, ending if n == len(pieces) else ""
                )
                for n, (key, skeleton) in enumerate(pieces, 1)
            )
    return parts


def _adjacent(text: str, before: _Word, after: _Word) -> bool:
    """Only spaces, hyphens, commas and an article or `bin` between the two words."""
    gap = text[before.end : after.article_start]
    return _GLUE.fullmatch(gap) is not None


def _close_spelling(word: str, part: str) -> bool:
    """A lower-case word of five letters or more within two letters of the name as
    written (`ahmed`, `hadad` in tags): a spelling of it, not an English word (`head`)."""
    if len(word) < _MIN_CLOSE or abs(len(word) - len(part)) > 2:
        return False
    previous = list(range(len(part) + 1))
    for i, letter in enumerate(word, 1):
        current = [i]
        for j, other in enumerate(part, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (letter != other))
            )
        previous = current
    return previous[-1] <= 2


def _edit_distance_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _joined(first: Iterable[str], second: Iterable[str]) -> frozenset[str]:
    """The keys of two pieces written as one word (`Qatran` `Nabi`: `Qatrannabi`)."""
    return frozenset(
        a + b[1:] if a and b and a[-1] == b[0] else a + b for a in first for b in second
    )


class _Name:
    """One protected name or place, as parts to match words against."""

    def __init__(self, protected: Protected) -> None:
        self.protected = protected
        self.parts = _parts(protected.value)
        # Two adjacent parts as one word (`Nasreddine`), when neither key is a single letter.
        self.joins = [
            (index, first.bare + second.bare, _joined(first.keys, second.keys))
            for index, (first, second) in enumerate(pairwise(self.parts))
            if min(map(len, first.keys | second.keys)) >= _MIN_KEY
        ]
        # What a word must share with the name to be worth a closer look.
        self.bares = {part.bare for part in self.parts} | {bare for _, bare, _ in self.joins}
        self.keys = frozenset().union(
            *(part.keys for part in self.parts), *(k for *_, k in self.joins)
        )
        self.prefixes = frozenset(key[:n] for key in self.keys for n in range(_MIN_KEY, len(key)))

    def match(self, word: _Word, part: _Part) -> str | None:
        """`exact`, `key` (strong), `weak` or `short`; None when the word is not this part.

        Two Arabic spellings must share their skeleton to match strongly, and a common
        word only ever joins a run."""
        same_letters = word.bare == part.bare or word.norm == part.bare
        if same_letters and not word.common:
            return "exact"
        how = _strength(word, part.keys & word.keys)
        if how == "short" and _whole_short_name(word, part):
            return "key"
        if how == "key" and word.common:
            return "short"
        if how == "key" and word.arabic and part.arabic and part.skeleton not in word.skeletons:
            return "weak"
        if how == "weak" and not part.arabic and _close_spelling(word.bare, part.bare):
            how = "key"
        if how == "key" and {word.ending, part.ending} == {"i", "-"}:
            return "weak"
        return how

    def spelling(self, words: Sequence[_Word], matches: Sequence[str]) -> str:
        if all(m == "exact" for m in matches):
            return "as written"
        scripts = {w.arabic for w in words} | {p.arabic for p in self.parts}
        return "other script" if len(scripts) > 1 else "other spelling"

    def step(
        self, text: str, words: Sequence[_Word], j: int, used: set[int]
    ) -> tuple[int, list[int], str] | None:
        """How word `j` continues a run: (words it takes, parts it takes, how it matched).

        One word for one part; one word for two parts written together (`Nasreddine`
        for `Nasr al-Din`); two words for one part written apart (`Qatran Nabi`)."""
        word = words[j]
        if word.norm in self.bares or word.bare in self.bares or word.keys & self.keys:
            # The strongest match wins: `وعلي` is weakly `وائل` but strongly `العلي`.
            best = min(
                (
                    (_RANK[how], index, how)
                    for index, part in enumerate(self.parts)
                    if index not in used and (how := self.match(word, part))
                ),
                default=None,
            )
            if best is not None:
                return 1, [best[1]], best[2]
            for index, bare, keys in self.joins:
                if index in used or index + 1 in used or word.common:
                    continue
                if word.bare == bare:
                    return 1, [index, index + 1], "exact"
                if how := _strength(word, word.keys & keys):
                    return 1, [index, index + 1], how
        if j + 1 >= len(words) or word.common or not (word.keys & self.prefixes):
            return None
        after = words[j + 1]
        if after.start == word.start or after.common or not _adjacent(text, word, after):
            return None
        if min(map(len, after.keys), default=0) < _MIN_KEY:
            return None
        keys = _joined(word.keys, after.keys)
        for index, part in enumerate(self.parts):
            if index in used:
                continue
            if word.bare + after.bare == part.bare:
                return 2, [index], "exact"
            if how := _strength(word, keys & part.keys):
                return 2, [index], how
        return None


@lru_cache(maxsize=65_536)
def _ending(written: str) -> str:
    """Whether a word ends in a yeh or an i sound: the nisba `Homsi` (from Homs) and
    `Homs` share a key and differ only there. A final alef maqsura may be either."""
    last = _TASHKEEL.sub("", written)[-1:].lower()
    if last == "\u0649":
        return ""
    return "i" if last in {"\u064a", "i", "y"} or written.lower().endswith(("ee", "ie")) else "-"


def _whole_short_name(word: _Word, part: _Part) -> bool:
    """`علي`, `وعلي` or `Aly` for `Ali`: a one-consonant name matches on its own only as
    a whole word of three letters or more (not `لي`, `ولي`), in Arabic with one written
    consonant (not `ليلا`, whose two lams the key folds into one)."""
    if word.common:
        return False
    forms = [word.bare]
    if word.arabic and word.bare[0] in _PROCLITICS:
        forms += [word.bare[1:], _strip_article(word.bare[1:])]
    if word.arabic and word.bare.startswith("لل"):
        forms.append(word.bare[2:])
    return any(
        len(form) >= 3
        and part.keys.intersection(name_keys(form))
        and (not word.arabic or len(_ARABIC_WEAK_LETTERS.sub("", form)) == 1)
        for form in forms
    )


def _strength(word: _Word, shared: frozenset[str]) -> str | None:
    """How strongly a word matches by the keys it shares with a part: `short` keys
    (`Ali`, `Abu`) and lower-case words (`head`) only join runs; too-short lower-case
    words (`had`) not even that."""
    if not shared:
        return None
    strong_case = word.arabic or word.capitalised
    if all(len(key) < _MIN_KEY for key in shared):
        return "short" if strong_case else None
    if strong_case or max(map(len, shared)) >= _MIN_LOWER_KEY:
        return "key"
    return "weak" if len(word.bare) >= _MIN_WEAK else None


def _runs(
    text: str, words: list[_Word], name: _Name
) -> Iterable[tuple[int, int, list[str], set[int]]]:
    """Maximal runs of adjacent words that match different parts of `name`:
    (first word, last word + 1, how each step matched, the parts matched)."""
    i = 0
    while i < len(words):
        used: set[int] = set()
        matches: list[str] = []
        j = i
        while j < len(words):
            if j > i and not _adjacent(text, words[j - 1], words[j]):
                break
            step = name.step(text, words, j, used)
            if step is None:
                break
            taken, parts, how = step
            used.update(parts)
            matches.append(how)
            j += taken
        if j > i:
            yield i, j, matches, used
            i = j
        else:
            i += 1


def _contact_char(char: str) -> str:
    return f"[{_DIGIT_FORMS[char]}]" if char in _DIGIT_FORMS else re.escape(char)


def _contact_patterns(chars: list[str]) -> list[re.Pattern[str]]:
    """The contact as given; an e-mail address's mailbox alone; and a telephone number's
    last digits, with the digits written just before them: `+963 944 123 456` is
    dialled `0944 123 456` at home, and a transcript writes it either way."""
    patterns = [re.compile(_CONTACT_SEPARATORS.join(map(_contact_char, chars)), re.IGNORECASE)]
    if "@" in chars and len(local := chars[: chars.index("@")]) >= _MAILBOX_CHARS:
        # `rana.ahmad at example dot org`: the mailbox names its owner on its own.
        mailbox = _CONTACT_SEPARATORS.join(map(_contact_char, local))
        patterns.append(re.compile(rf"(?<![\w@]){mailbox}(?!\w)", re.IGNORECASE))
    if len(chars) > _PHONE_TAIL and all(c in _DIGIT_FORMS for c in chars):
        tail = _CONTACT_SEPARATORS.join(map(_contact_char, chars[-_PHONE_TAIL:]))
        patterns.append(re.compile(f"{_ANY_DIGIT}*{tail}"))
    return patterns


class Redactor:
    """The protected values of one record, ready to find them in any of its texts."""

    def __init__(self, protected: Iterable[Protected]) -> None:
        values = list(dict.fromkeys(p for p in protected if p.value.strip()))
        self._names = [_Name(p) for p in values if p.kind is not Kind.CONTACT and _parts(p.value)]
        self._contacts = [
            (p, pattern)
            for p in values
            if p.kind is Kind.CONTACT
            and len(chars := _CONTACT_CHARS.findall(p.value.translate(_ASCII_DIGITS))) >= 3
            for pattern in _contact_patterns(chars)
        ]

    def __bool__(self) -> bool:
        return bool(self._names or self._contacts)

    def find(self, text: str) -> list[Redaction]:
        """Every span to withhold, in text order, overlapping spans merged into the first."""
        if not self or not text:
            return []
        return self._find(text, _words(text))

    def _find(self, text: str, words: list[_Word]) -> list[Redaction]:
        found = [*self._contact_spans(text), *self._name_spans(text, words)]
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

    def redact(self, text: str) -> str:
        """`text` with every protected span replaced by `[withheld]`."""
        return _replaced(text, self.find(text))

    def withhold(self, text: str) -> tuple[str, list[Redaction], list[NearMiss]]:
        """The text with protected spans replaced, the spans, and the near misses, from
        one pass over its words: what the indexer stores and the review report lists."""
        if not self or not text:
            return text, [], []
        words = _words(text)
        found = self._find(text, words)
        return _replaced(text, found), found, self._near_misses(text, words, found)

    def near_misses(self, text: str) -> list[NearMiss]:
        """Words that resemble a part of a protected name but were not withheld."""
        if not self._names or not text:
            return []
        words = _words(text)
        return self._near_misses(text, words, self._find(text, words))

    def _near_misses(self, text: str, words: list[_Word], found: list[Redaction]) -> list[NearMiss]:
        if not self._names:
            return []
        withheld = iter(found)
        span = next(withheld, None)
        misses: dict[int, NearMiss] = {}
        for word in words:
            while span is not None and span.end <= word.start:
                span = next(withheld, None)
            if span is not None and span.start <= word.start:
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
        shares = word.norm in name.bares or word.bare in name.bares or word.keys & name.keys
        for part in name.parts if shares else ():
            how = name.match(word, part)
            if how in {None, "short"}:
                continue
            if how == "weak" and not (word.arabic or word.capitalised):
                if word.arabic != part.arabic or not _close_spelling(word.bare, part.bare):
                    continue  # `card` for `كردي`, `said` for `Saadi`: words, not names
                return f"lower-case word with the key of {part.bare!r}"
            if how == "weak":
                return f"the key of {part.bare!r} in other letters"
            if name.protected.kind is Kind.NAME:
                return f"{part.bare!r} alone, not beside another part of the name"
            return f"{part.bare!r} alone, not the whole place name"
        if not (word.arabic or word.capitalised):
            return None
        for part in name.parts:
            if any(
                len(key) >= _NEAR_KEY and len(own) >= _NEAR_KEY and _edit_distance_one(key, own)
                for key in word.keys
                for own in part.keys
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
            for first, last, matches, used in _runs(text, words, name):
                run = words[first:last]
                covers_all = len(used) == len(name.parts)
                strong = any(m in {"exact", "key"} for m in matches)
                if not strong or (whole_only and not covers_all):
                    continue
                if len(used) >= 2:
                    coverage = "full name" if covers_all else "partial name"
                elif self._alone(name, run, used):
                    coverage = "single name" if len(name.parts) == 1 else "surname"
                else:
                    continue
                start = run[0].article_start
                rule = f"{coverage}, {name.spelling(run, matches)}"
                yield Redaction(start, run[-1].end, text[start : run[-1].end], rule, name.protected)

    @staticmethod
    def _alone(name: _Name, run: Sequence[_Word], used: set[int]) -> bool:
        """A lone part is withheld when it is the whole name or its last part (a word
        that matches the first and the last part, as `Hussein` for `Hassan Hussein`, too)."""
        last = len(name.parts) - 1
        if last in used:
            return True
        return len(run) == 1 and name.match(run[0], name.parts[last]) in {"exact", "key"}
