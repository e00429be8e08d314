"""Name keys: one consonant skeleton for a name, whichever script or spelling it is in.

Muhammad, Mohammed, Mohamad and محمد all become `mhmd`; Hassan, Hasan and حسن become
`hsn`; al-Khatib and الخطيب become `ktb`. Arabic letters and Latin transliterations
are mapped to the same consonant classes, vowels and the letters that only carry them
(alef, waw and yeh inside a word, ʿayn, hamza) are dropped, doubled letters collapse,
and the article (al-, el-, ال) is removed. Keys are deliberately coarse: they find
spellings a journalist would not think of, and exact tokens still rank first.
"""

from __future__ import annotations

import re
from functools import lru_cache

from evidence.analysis import analyse

__all__ = [
    "CURATED",
    "FACT_SEPARATOR",
    "ROLE",
    "SPELLING",
    "TITLE",
    "name_keys",
    "person_fact",
    "person_key",
    "read_person_fact",
    "shared_keys",
]

_ARABIC = {
    "ب": "b",
    "ت": "t",
    "ث": "t",
    "ج": "j",
    "ح": "h",
    "خ": "k",
    "د": "d",
    "ذ": "d",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "s",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "غ": "g",
    "ف": "f",
    "ق": "k",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
    "ة": "",
    "ع": "",
    "ء": "",
    "ا": "",
    "ى": "",
    "پ": "b",
    "چ": "j",
    "ڤ": "f",
    "گ": "j",
}
# Latin digraphs first, then single letters; vowels vanish.
_LATIN_DIGRAPHS = [
    ("kh", "k"),
    ("gh", "g"),
    ("sh", "s"),
    ("ch", "s"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
    ("ck", "k"),
]
_LATIN = {
    "q": "k",
    "c": "k",
    "g": "j",
    "x": "ks",
    "v": "f",
    "p": "f",
    "e": "",
    "i": "",
    "o": "",
    "u": "",
    "a": "",
}
_ARTICLES = {"al", "el", "ul", "ال"}
# Abdul-Rahman, Abdel Rahman, Abdulrahman and عبد الرحمن: `abd` and the rest.
_ABD = re.compile(r"^ab(?:dul|del|dal|d)(?=[a-z]{3,}$)")
_ABD_ALONE = {"abdul", "abdel", "abdal"}
_ARABIC_WORD = re.compile(r"[\u0600-\u06ff]")


def _arabic_key(token: str) -> str:
    word = token[2:] if token.startswith("ال") and len(token) > 3 else token
    letters = []
    for position, letter in enumerate(word):
        if letter in "وي":
            if position == 0:
                letters.append("w" if letter == "و" else "y")
            continue
        letters.append(_ARABIC.get(letter, ""))
    return "".join(letters)


def _latin_key(token: str) -> str:
    word = token
    for digraph, sound in _LATIN_DIGRAPHS:
        word = word.replace(digraph, sound.upper())
    letters = []
    for position, letter in enumerate(word):
        if letter.isupper():
            letters.append(letter.lower())
        elif letter in "wy":
            if position == 0:
                letters.append(letter)
        elif letter.isalpha():
            letters.append(_LATIN.get(letter, letter))
    return "".join(letters)


@lru_cache(maxsize=65_536)
def _key(token: str) -> str:
    raw = _arabic_key(token) if _ARABIC_WORD.search(token) else _latin_key(token)
    collapsed = re.sub(r"(.)\1+", r"\1", raw)
    return collapsed


def name_keys(text: str | None) -> list[str]:
    """The keys of the words of a name, leaving out articles, digits and empty keys."""
    return list(_name_keys(text)) if text else []


@lru_cache(maxsize=65_536)
def _name_keys(text: str) -> tuple[str, ...]:
    """Cached: the same facility and person names recur across thousands of records."""
    keys: list[str] = []
    for token in analyse(text.replace("-", " ")):
        if token in _ARTICLES or token.isdigit():
            continue
        parts = [token]
        if token in _ABD_ALONE:
            parts = ["abd"]
        elif match := _ABD.match(token):
            parts = ["abd", token[match.end() :]]
        keys.extend(key for part in parts if (key := _key(part)))
    return tuple(keys)


def person_key(text: str | None) -> str:
    """One person's key, the same in every spelling and script (`Mohammed al-Hasan`,
    `Muhammad Hassan` and `محمد الحسن` are all `mhmd-hsn`); empty for a name with no key."""
    return "-".join(name_keys(text))


# Common given names, in Arabic and one Latin spelling, for `shared_keys`: the coarse
# keys join some distinct names (محمد and محمود are both `mhmd`), which a list search
# flags for a person to review.
_GIVEN_NAMES = (
    "محمد Muhammad|محمود Mahmoud|أحمد Ahmad|حامد Hamid|حمد Hamad|حميد Humaid|حمدي Hamdi|"
    "حسن Hasan|حسين Husayn|حسان Hassan|علي Ali|علاء Alaa|عمر Omar|عمار Ammar|عامر Amer|"
    "عمرو Amr|خالد Khaled|خلود Khulud|سعيد Said|سعد Saad|سعاد Suad|نور Nour|أنور Anwar|"
    "منى Mona|أيمن Ayman|أمين Amin|رامي Rami|ريم Reem|رنا Rana|رانيا Rania|سامر Samer|"
    "سمير Samir|سليم Salim|سلمى Salma|سالم Salem|سلمان Salman|سليمان Sulayman|جمال Jamal|"
    "جميل Jamil|ناصر Nasser|نصر Nasr|معاذ Muadh|عماد Imad|فراس Firas|فارس Fares|"
    "بشار Bashar|بشير Bashir|بشرى Bushra|رياض Riyad|رضا Rida"
)


@lru_cache(maxsize=1)
def _shared() -> dict[str, tuple[str, ...]]:
    """Key -> the listed names that share it, where more than one does."""
    by_key: dict[str, list[str]] = {}
    for pair in _GIVEN_NAMES.split("|"):
        arabic, latin = pair.split(" ")
        by_key.setdefault(_key(arabic), []).append(f"{latin} ({arabic})")
    return {key: tuple(names) for key, names in by_key.items() if len(names) > 1}


def shared_keys(text: str | None) -> list[tuple[str, ...]]:
    """For each word of `text` whose key distinct common names share, those names
    (`Mahmoud` -> Muhammad (محمد), Mahmoud (محمود)): its matches may be another person."""
    return list(_shared_keys(text)) if text else []


@lru_cache(maxsize=65_536)
def _shared_keys(text: str) -> tuple[tuple[str, ...], ...]:
    """Cached: a persons index asks it of the same thousand spellings on every read."""
    shared = _shared()
    return tuple(dict.fromkeys(shared[key] for key in name_keys(text) if key in shared))


# What the person pages aggregate: one keyword per (person key, kind, value), stored at
# index time in `person_facts` (and `protected.person_facts`), so one terms aggregation
# filtered to a key's prefix gives that person's spellings (`n`), roles (`r`), whether
# a reviewer curated the key (`c`) and the spelling they chose as its name (`t`), each
# with its number of records.
FACT_SEPARATOR = "\x1f"
SPELLING, ROLE, CURATED, TITLE = "n", "r", "c", "t"


def person_fact(key: str, kind: str, value: str = "") -> str:
    return FACT_SEPARATOR.join((key, kind, value))


def read_person_fact(fact: str) -> tuple[str, str, str]:
    """`(key, kind, value)` of a stored fact."""
    key, kind, value = fact.split(FACT_SEPARATOR, 2)
    return key, kind, value
