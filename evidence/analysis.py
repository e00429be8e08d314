"""The one text-analysis module, used when indexing and when querying.

The server-core Elasticsearch has no Arabic or folding filters, so analysis happens
here: text becomes a space-separated stream of normalised tokens that the index stores
in a `whitespace`-analysed field, and queries go through the same function. Whatever
this module does to a document it does to a query, so the two always meet.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["analyse", "analysed_text", "normalise"]

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
    "\u06a9": "\u0643",  # keheh -> kaf
    "\u0640": "",  # tatweel
}
_TRANSLATE = str.maketrans({**{chr(k): v for k, v in _DIGITS.items()}, **_ARABIC_LETTERS})
_TOKEN = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> str:
    """Fold case, diacritics (Latin accents and Arabic tashkeel), letter variants and digits."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).translate(_TRANSLATE).casefold()


def analyse(text: str) -> list[str]:
    """The tokens a text is indexed and searched under."""
    return _TOKEN.findall(normalise(text))


def analysed_text(*texts: str | None) -> str:
    """Join the tokens of several texts into the form stored in a `whitespace` field."""
    return " ".join(token for text in texts if text for token in analyse(text))
