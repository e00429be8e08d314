"""The one text-analysis module, used when indexing and when querying.

The server-core Elasticsearch has no Arabic or folding filters, so analysis happens
here: text becomes a space-separated stream of normalised tokens that the index stores
in a `whitespace`-analysed field, and queries go through the same function. Whatever
this module does to a document it does to a query, so the two always meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import snowballstemmer

__all__ = ["analyse", "analysed_text", "normalise", "stem", "stemmed_text", "word_spans"]

# Arabic-Indic (U+0660..) and Eastern Arabic-Indic (U+06F0..) digits to ASCII.
_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}
_ARABIC_LETTERS = {
    "\u0622": "\u0627",  # alef with madda -> alef
    "\u0623": "\u0627",  # alef with hamza above -> alef
    "\u0625": "\u0627",  # alef with hamza below -> alef
    "\u0671": "\u0627",  # alef wasla -> alef
    "\u0649": "\u064a",  # alef maqsura -> yeh
    "\u0629": "\u0647",  # ta marbuta -> heh
    "\u06cc": "\u064a",  # Persian yeh -> yeh
    "\u06d2": "\u064a",  # Urdu yeh barree -> yeh
    "\u06a9": "\u0643",  # keheh -> kaf
    "\u06af": "\u0643",  # gaf -> kaf
    "\u06c1": "\u0647",  # Urdu heh goal -> heh
    "\u06be": "\u0647",  # heh doachashmee -> heh
    "\u06c3": "\u0647",  # ta marbuta goal -> heh
    "\u0640": "",  # tatweel
}
_TRANSLATE = str.maketrans({**{chr(k): v for k, v in _DIGITS.items()}, **_ARABIC_LETTERS})
_TOKEN = re.compile(r"\w+", re.UNICODE)
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
# A word in original text, including the combining marks and tatweel `\w` leaves out.
_WORD = re.compile(r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u0640]+")
# Whole-word spelling variants, keyed by their normalised form.
_WORD_VARIANTS = {
    "مستشفي": "مشفي",  # hospital: mustashfa and mashfa
    "المستشفي": "المشفي",
}


@cache
def _combining_marks() -> re.Pattern[str]:
    """Every combining code point as one character class: stripping runs in C, not per
    character in Python (this was the indexer's hottest line)."""
    marks = [ch for ch in map(chr, range(0x300, 0x30000)) if unicodedata.combining(ch)]
    return re.compile("[" + "".join(re.escape(ch) for ch in marks) + "]+")


def normalise(text: str) -> str:
    """Fold case, diacritics (Latin accents and Arabic tashkeel), letter variants and digits."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
    stripped = _combining_marks().sub("", decomposed)
    return unicodedata.normalize("NFC", stripped).translate(_TRANSLATE).casefold()


_DIGIT_TABLE = str.maketrans({chr(code): digit for code, digit in _DIGITS.items()})


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Eastern Arabic-Indic digits written as ASCII, nothing else changed.

    For the sentence encoder, whose tokenizer reads each of those digits as an unknown
    piece: `١٨ شباط ٢٠١٤` would lose its date in search by meaning.
    """
    return text.translate(_DIGIT_TABLE)


def analyse(text: str) -> list[str]:
    """The tokens a text is indexed and searched under."""
    return list(_tokens(text))


@lru_cache(maxsize=65_536)
def _tokens(text: str) -> tuple[str, ...]:
    """Cached: facility names, places and tags recur in thousands of records."""
    return tuple(_WORD_VARIANTS.get(token, token) for token in _TOKEN.findall(normalise(text)))


def analysed_text(*texts: str | None) -> str:
    """Join the tokens of several texts into the form stored in a `whitespace` field."""
    return " ".join(" ".join(tokens) for text in texts if text and (tokens := _tokens(text)))


@cache
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(language)


@lru_cache(maxsize=262_144)
def stem(token: str) -> str:
    """Arabic-script tokens take the Arabic stemmer, all others the English one.

    A query's language is unknown, so one stemmer per script keeps index and query in
    step; French and German words still match exactly through the unstemmed field.
    """
    language = "arabic" if _ARABIC_SCRIPT.search(token) else "english"
    stem: str = _stemmer(language).stemWord(token)
    return stem


def stemmed_text(*texts: str | None) -> str:
    """Like `analysed_text`, with every token stemmed: `arrested` and `arrest` meet."""
    return " ".join(_stems(text) for text in texts if text and _tokens(text))


@lru_cache(maxsize=65_536)
def _stems(text: str) -> str:
    return " ".join(map(stem, _tokens(text)))


def word_spans(text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Each word of the original text with its offsets and the tokens it analyses to.

    Highlighting marks the original words whose tokens a query matched, so snippets
    show the text as written, not as normalised.
    """
    return [(m.start(), m.end(), _tokens(m.group())) for m in _WORD.finditer(text)]
