"""The "simple syntax" journalists type, parsed into a small typed tree.

Words, `"phrases"`, `-exclude` (also `-"a phrase"`), `a | b` between adjacent items and
`prefix*`. Malformed input is normal in a search box, so parsing never raises: it keeps
whatever it can read and drops the rest. Items are kept as typed; `evidence.analysis`
turns them into tokens later, and an item that analyses to no tokens is dropped here so
no empty clause reaches the query builder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from evidence.analysis import analyse

__all__ = [
    "MAX_CLAUSES",
    "MAX_QUERY_CHARS",
    "AnyOf",
    "Clause",
    "Item",
    "ParsedQuery",
    "Phrase",
    "Term",
    "describe",
    "parse_query",
]

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 64
MAX_SLOP = 50
# Phones and word processors turn `"` into typographic quotes; all of them open and
# close a phrase, and any one closes a phrase another opened.
_QUOTES = frozenset('"\u201c\u201d\u201e\u201f\u00ab\u00bb')
_BAR = "|"


@dataclass(frozen=True)
class Term:
    """One word as typed, without its leading `-` or trailing `*`."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """The text between a pair of quotes, matched as consecutive tokens; `"..."~N`
    allows up to N positions between them (proximity)."""

    text: str
    slop: int = 0


Item: TypeAlias = Term | Phrase


@dataclass(frozen=True)
class AnyOf:
    """Two or more items joined by `|`: at least one must match."""

    options: tuple[Term | Phrase, ...]


Clause: TypeAlias = Term | Phrase | AnyOf


@dataclass(frozen=True)
class ParsedQuery:
    """Clauses that must all match and items none of which may match."""

    required: tuple[Clause, ...] = ()
    excluded: tuple[Term | Phrase, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing left to search for: the caller lists everything (or nothing)."""
        return not self.required and not self.excluded


def _is_separator(ch: str) -> bool:
    return ch.isspace() or ch == _BAR or ch in _QUOTES


def _lex(q: str) -> list[tuple[bool, Item] | None]:
    """Items as (excluded, item) in typed order, with None for each `|`."""
    lexemes: list[tuple[bool, Item] | None] = []
    i, n = 0, len(q)
    while i < n:
        ch = q[i]
        if ch.isspace():
            i += 1
            continue
        if ch == _BAR:
            lexemes.append(None)
            i += 1
            continue
        j = i
        while j < n and q[j] == "-":
            j += 1
        excluded = j > i
        if j == n or q[j].isspace() or q[j] == _BAR:
            i = j  # a lone `-`: nothing to exclude
            continue
        if q[j] in _QUOTES:
            end = j + 1
            while end < n and q[end] not in _QUOTES:
                end += 1
            after = end + 1  # past the closing quote; an unclosed phrase ran to the end
            digits = after + 1
            while digits < n and q[digits].isdigit() and digits - after <= 3:
                digits += 1
            slop = 0
            if after < n and q[after] == "~" and digits > after + 1:
                slop = min(int(q[after + 1 : digits]), MAX_SLOP)
                after = digits
            lexemes.append((excluded, Phrase(q[j + 1 : end], slop)))
            i = after
            continue
        end = j
        while end < n and not _is_separator(q[end]):
            end += 1
        word = q[j:end]
        text = word.rstrip("*")
        lexemes.append((excluded, Term(text, prefix=len(text) < len(word))))
        i = end
    return lexemes


def _chains(lexemes: list[tuple[bool, Item] | None]) -> list[list[tuple[bool, Item]]]:
    """Runs of items joined by `|`; a `|` with no item on one side joins nothing."""
    chains: list[list[tuple[bool, Item]]] = []
    joined = False
    for lexeme in lexemes:
        if lexeme is None:
            joined = bool(chains)
        elif joined:
            chains[-1].append(lexeme)
            joined = False
        else:
            chains.append([lexeme])
    return chains


def _searchable(item: Item) -> bool:
    return bool(analyse(item.text))


def parse_query(q: str) -> ParsedQuery:
    """Parse the simple syntax; never raises, and every kept item has tokens to search."""
    if not isinstance(q, str):
        return ParsedQuery()
    required: list[Clause] = []
    excluded: list[Item] = []
    for chain in _chains(_lex(q[:MAX_QUERY_CHARS])):
        options: list[Item] = []
        for is_excluded, item in chain:
            if not _searchable(item):
                continue
            if not is_excluded:
                if item not in options and len(options) < MAX_CLAUSES:
                    options.append(item)
            elif item not in excluded and len(required) + len(excluded) < MAX_CLAUSES:
                excluded.append(item)
        if len(options) > 1:
            clause: Clause = AnyOf(tuple(options))
        elif options:
            clause = options[0]
        else:
            continue
        if clause not in required and len(required) + len(excluded) < MAX_CLAUSES:
            required.append(clause)
    return ParsedQuery(required=tuple(required), excluded=tuple(excluded))


def _render_item(item: Item) -> str:
    if isinstance(item, Phrase):
        return f'"{item.text}"' + (f"~{item.slop}" if item.slop else "")
    return f"{item.text}*" if item.prefix else item.text


def _render_clause(clause: Clause) -> str:
    if isinstance(clause, AnyOf):
        return " | ".join(_render_item(option) for option in clause.options)
    return _render_item(clause)


def describe(parsed: ParsedQuery) -> str:
    """Canonical syntax for a parsed query: required clauses first, then exclusions.

    Parsing the result gives the same query back, so messages can quote it to the user.
    """
    parts = [_render_clause(clause) for clause in parsed.required]
    parts += [f"-{_render_item(item)}" for item in parsed.excluded]
    return " ".join(parts)
