"""Why a hit matched, when the page cannot show it: a name found in another script or
spelling (`Anwar Raslan` found `أنور رسلان`) is named as the hit's "matched" line.

Only names the caller may read are candidates: the record's public persons and its
facilities' names for everyone, its protected persons for the roles that see protected
fields. A name the query's words already spell is not repeated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from evidence.access import AccessContext
from evidence.analysis import analyse
from evidence.gazetteer import load_gazetteer
from evidence.names import name_keys
from search_api.syntax import AnyOf, ParsedQuery, Phrase, Term

__all__ = ["PROTECTED_PERSONS", "matched_spellings"]

PROTECTED_PERSONS = "protected.persons"
_MAX_SHOWN = 3


def _close(a: str, b: str) -> bool:
    """Equal, or one edit apart in a key of four letters or more (what search forgives)."""
    if a == b:
        return True
    if min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _contains(name: list[str], query: list[str]) -> bool:
    """The query's keys appear in order, side by side, in the name's keys."""
    width = len(query)
    return any(
        all(_close(q, n) for q, n in zip(query, name[i : i + width], strict=True))
        for i in range(len(name) - width + 1)
    )


def _entities(source: dict[str, Any], access: AccessContext) -> Iterable[tuple[str, ...]]:
    """Each person and place of the record the caller may read, with all its names."""
    gazetteer = load_gazetteer()
    persons = list(source.get("persons") or [])
    if access.sees_protected_fields:
        persons += (source.get("protected") or {}).get("persons") or []
    yield from ((p["name"],) for p in persons if p.get("name"))
    places = [gazetteer.facilities.get(f) for f in source.get("facilities") or []]
    places += [gazetteer.by_branch(no) for no in source.get("branch_nos") or []]
    yield from (place.names for place in dict.fromkeys(p for p in places if p))


def _items(parsed: ParsedQuery) -> list[Term | Phrase]:
    return [
        item
        for clause in parsed.required
        for item in (clause.options if isinstance(clause, AnyOf) else (clause,))
        if isinstance(item, Phrase) or not item.prefix
    ]


def matched_spellings(
    parsed: ParsedQuery, source: dict[str, Any], access: AccessContext
) -> list[str]:
    """The record's names a positive query word matched in another spelling or script.

    `source` is the raw hit (with `protected`); protected names are read from it only
    when `access` may see them. A person or place one of whose names is written as
    typed needs no explanation and is skipped.
    """
    wanted = [(keys, set(analyse(i.text))) for i in _items(parsed) if (keys := name_keys(i.text))]
    found: list[str] = []
    for names in _entities(source, access) if wanted else ():
        for query_keys, query_words in wanted:
            if any(query_words <= set(analyse(name)) for name in names):
                continue
            spelling = next((n for n in names if _contains(name_keys(n), query_keys)), None)
            if spelling and spelling not in found:
                found.append(spelling)
        if len(found) >= _MAX_SHOWN:
            break
    return found[:_MAX_SHOWN]
