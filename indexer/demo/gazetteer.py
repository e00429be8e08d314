"""The shared gazetteer as the generator uses it: names by script, and random aliases.

Demo rows draw ids and aliases from `evidence.gazetteer`, the same data the loader
resolves against, so every generated facility value is one the loader knows.
"""

from __future__ import annotations

from random import Random

from evidence.gazetteer import Facility, Gazetteer, load_gazetteer

__all__ = [
    "Facility",
    "Gazetteer",
    "arabic_names",
    "branch_numbers",
    "latin_names",
    "load_gazetteer",
    "random_alias",
]


def _is_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def latin_names(facility: Facility) -> tuple[str, ...]:
    """English and transliterated names, for Latin-script text."""
    return (facility.name_en, *(a for a in facility.aliases if not _is_arabic(a)))


def arabic_names(facility: Facility) -> tuple[str, ...]:
    """Arabic names, for Arabic text (includes spelling variants from the aliases)."""
    return (facility.name_ar, *(a for a in facility.aliases if _is_arabic(a)))


def random_alias(facility: Facility, rng: Random) -> str:
    """Any known name other than the id, English or Arabic, to exercise resolution."""
    return rng.choice(facility.names)


def branch_numbers(gazetteer: Gazetteer) -> list[str]:
    """The real security-branch numbers known to the gazetteer, sorted."""
    return sorted({f.branch_no for f in gazetteer.facilities.values() if f.branch_no})
