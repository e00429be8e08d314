"""The chronology model: facts, their ordering, and the version a write is based on.

A fact has a fuzzy date, its text, citations (stable id, page, quote, SHA-256), a
status (undisputed, disputed, unsure), whether it is material, issues, tags and a note.
Facts are ordered by earliest bound, then precision, then the lawyer's own order for
facts on the same date, then id; undated facts come last. Every write names the version
it was based on; if someone saved in between, the write is refused with a conflict, so
neither lawyer's change is silently lost (`store.py`).
"""

from __future__ import annotations

import re
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evidence.dates import PRECISION_RANK, UNDATED_RANK, parse_fuzzy_date
from evidence.errors import N_, InvalidRequest
from search_api.teams.models import TeamRole, stronger

__all__ = [
    "DEFAULT_PREFIX",
    "EDITS",
    "MANAGES",
    "Chronology",
    "Comment",
    "ExhibitOut",
    "Fact",
    "FactIn",
    "HistoryEntry",
    "Right",
    "Share",
    "Version",
    "check_prefix",
    "exhibit_label",
    "natural_date",
    "ordered",
    "right_of",
]

Status = Literal["undisputed", "disputed", "unsure"]
Material = Literal["yes", "no", "unsure"]
Labels = list[str]


# "circa 2012", "c. 2012", "ca. 2012", "about 2012", "حوالي 2012": how people write an
# approximate date; stored in the one syntax `evidence.dates` reads, `circa:2012`.
_APPROXIMATE = re.compile(
    r"^(?:circa|ca\.?|c\.|about|around|approx\.?|approximately|حوالي|حوالى|نحو)"
    r"(?:\s*:\s*|\s+|(?<=\.))(\S.*)$",
    re.IGNORECASE,
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def natural_date(value: str) -> str:
    """A fuzzy date as typed, in the stored syntax: `circa 2012` -> `circa:2012`, any
    digits as ASCII; anything else unchanged, for the parser to accept or explain."""
    text = value.strip().translate(_DIGITS)
    match = _APPROXIMATE.match(text)
    return f"circa:{match[1].strip()}" if match else text


class CitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stable_id: str = Field(min_length=3, max_length=64)
    page: int | None = Field(default=None, ge=1)
    quote: str | None = Field(default=None, max_length=2000)


class Citation(CitationIn):
    """A citation as stored: the hash and title are taken from the record, not the user."""

    sha256: str | None = None
    title: str | None = None


class FactIn(BaseModel):
    """A fact as a lawyer writes it."""

    model_config = ConfigDict(extra="forbid")

    date: str | None = Field(default=None, description="Fuzzy date; empty for undated.")
    text: str = Field(min_length=1, max_length=5000)
    citations: list[CitationIn] = Field(default=[], max_length=50)
    status: Status = "unsure"
    material: Material = "unsure"
    issues: Labels = Field(default=[], max_length=30)
    tags: Labels = Field(default=[], max_length=30)
    note: str | None = Field(default=None, max_length=5000)

    @field_validator("date")
    @classmethod
    def _fuzzy(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        written = natural_date(value)
        parse_fuzzy_date(written)
        return written


class Fact(FactIn):
    fact_id: str
    order: int = 0
    origin: str | None = Field(
        default=None,
        description="`event:ID` or `record:ID` when added from the timeline, search or a "
        "record page; the same one is never added twice.",
    )
    author_saw_protected: bool = Field(
        default=False,
        description="Written by someone who could read protected names; they are withheld "
        "from readers who cannot.",
    )
    added_by: str | None = Field(default=None, description="Who added it; none before teams.")
    added_at: str | None = None
    changed_by: str | None = Field(default=None, description="Who last changed its content.")
    changed_at: str | None = None
    citations: list[Citation] = []  # type: ignore[assignment]
    earliest: str | None = None
    latest: str | None = None
    precision: str | None = None
    approximate: bool = False

    @property
    def when(self) -> dict[str, Any] | None:
        """The date as `human_date` reads it (the fact's own `text` is its wording)."""
        if not self.date:
            return None
        return {
            "text": self.date,
            "approximate": self.approximate,
            "earliest": self.earliest,
            "latest": self.latest,
        }


Right = Literal["owner", "admin", "editor", "viewer"]
# What each right allows beyond reading and commenting.
EDITS: frozenset[Right] = frozenset({"owner", "admin", "editor"})
MANAGES: frozenset[Right] = frozenset({"owner", "admin"})


class Share(BaseModel):
    team: str
    role: TeamRole


class Comment(BaseModel):
    """One message in a fact's thread."""

    comment_id: str
    fact_id: str
    author: str
    at: str
    text: str
    author_saw_protected: bool = False


Action = Literal["add", "edit", "delete", "move", "restore"]


class HistoryEntry(BaseModel):
    """One change to one fact: who, when, and the fact before and after (none before an
    add, none after a delete)."""

    entry_id: str
    fact_id: str
    at: str
    by: str
    action: Action
    before: Fact | None = None
    after: Fact | None = None


# Exhibit numbers: `EX-001`, or the prefix a case uses (`K215-001`).
DEFAULT_PREFIX = "EX"
_PREFIX = re.compile(r"[A-Z][A-Z0-9]{0,11}")


def check_prefix(prefix: str) -> str:
    """An exhibit prefix as stored: upper case letters and digits, starting with a letter."""
    wanted = prefix.strip().upper()
    if not _PREFIX.fullmatch(wanted):
        raise InvalidRequest(
            N_("An exhibit prefix is 1 to 12 letters and digits, starting with a letter (EX).")
        )
    return wanted


def exhibit_label(prefix: str, number: int) -> str:
    return f"{prefix}-{number:03d}"


class ExhibitOut(BaseModel):
    """A cited record's exhibit number as the reader may read it."""

    label: str = Field(description="`EX-001`: the prefix and the number.")
    number: int
    stable_id: str
    title: str | None = None
    facts: list[int] = Field(default=[], description="The numbers of the facts citing it.")
    pages: list[int] = Field(default=[], description="The pages those facts cite.")


class Chronology(BaseModel):
    id: str
    title: str
    owner: str
    created: str
    updated: str
    version: str = Field(description="Send it back with every change.")
    right: Right = Field(
        default="owner", description="Yours: owners and admins also share and delete it."
    )
    shares: list[Share] = Field(default=[], description="Teams it is shared with.")
    facts: list[Fact]
    comments: dict[str, list[Comment]] = Field(
        default={}, description="Each shown fact's thread, oldest first, by fact id."
    )
    exhibit_prefix: str = DEFAULT_PREFIX
    exhibits: list[ExhibitOut] = Field(
        default=[],
        description="Each cited record's exhibit number, in number order. A number stays "
        "once given; it counts only the exhibits you may see.",
    )
    hidden_facts: int = Field(
        default=0,
        description="Facts you added that cite records you can no longer see. Facts others "
        "added citing records you cannot see are left out, uncounted.",
    )

    @property
    def exhibit_labels(self) -> dict[str, str]:
        """Stable id -> `EX-001`, for citing exhibits by number."""
        return {exhibit.stable_id: exhibit.label for exhibit in self.exhibits}


def right_of(
    source: dict[str, Any], user: str | None, admin: bool, team_roles: dict[str, TeamRole]
) -> Right | None:
    """What `user` may do with a stored chronology: its owner, an admin, or through the
    teams it is shared with (a share as viewer makes every member a viewer; a member who
    is a team's viewer stays one); None when they may not open it."""
    if user is not None and source["owner"] == user:
        return "owner"
    if admin:
        return "admin"
    best: TeamRole | None = None
    for share in source.get("shares", []):
        member = team_roles.get(share["team"])
        if member is not None:
            given: TeamRole = (
                "editor" if (member, share["role"]) == ("editor", "editor") else "viewer"
            )
            best = stronger(best, given)
    return best


def dated(
    fact_in: FactIn,
    fact_id: str,
    order: int,
    citations: list[Citation],
    author_saw_protected: bool = False,
    origin: str | None = None,
) -> Fact:
    """A stored fact with its date bounds worked out."""
    when = parse_fuzzy_date(fact_in.date)
    return Fact(
        **fact_in.model_dump(exclude={"citations"}),
        fact_id=fact_id,
        order=order,
        origin=origin,
        author_saw_protected=author_saw_protected,
        citations=citations,
        earliest=when.earliest.isoformat() if when else None,
        latest=when.latest.isoformat() if when else None,
        precision=when.precision.value if when else None,
        approximate=when.approximate if when else False,
    )


def _sort_key(fact: Fact) -> tuple[Any, ...]:
    rank = PRECISION_RANK.get(fact.precision, UNDATED_RANK) if fact.precision else UNDATED_RANK  # type: ignore[call-overload]
    return (fact.earliest is None, fact.earliest or "", rank, fact.order, fact.fact_id)


def ordered(facts: list[Fact]) -> list[Fact]:
    """Chronological order; undated facts last, never dropped."""
    return sorted(facts, key=_sort_key)


def same_day(a: Fact, b: Fact) -> bool:
    return (a.earliest, a.precision) == (b.earliest, b.precision)


# ASCII digits only and at most 18 of them, so the numbers fit Elasticsearch's longs.
_VERSION = re.compile(r"([0-9]{1,18})\.([0-9]{1,18})")


class Version(NamedTuple):
    """The state a chronology was read in, `seq_no.primary_term` as text: a write names
    it, and is refused if someone saved since."""

    seq_no: int
    primary_term: int

    @classmethod
    def parse(cls, text: str) -> Version:
        """The one reader of versions, so every route refuses a malformed one alike."""
        match = _VERSION.fullmatch(text)
        if match is None or int(match[2]) == 0:
            raise InvalidRequest(
                N_("version must be the value the chronology was read with (like 4.1); reload it.")
            )
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, response: Any) -> Version:
        return cls(response["_seq_no"], response["_primary_term"])

    def __str__(self) -> str:
        return f"{self.seq_no}.{self.primary_term}"
