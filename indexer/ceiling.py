"""Who may write which record: the upload ceiling, as pure decisions.

A load is written either by the archive manager's trusted CLI (no `Writer`) or by an
uploader, whose account has a ceiling. An uploader never creates, changes, lowers or
replaces a record whose current or new level is above that ceiling, and the refusal
reads the same whether the record exists or not, so it does not tell them that a
record above them exists. Lowering a record's level is an admin's decision; it is
applied, and kept in custody as its own event naming who lowered it.
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence.access import Level, Role

__all__ = [
    "CANNOT_WRITE",
    "LOWERING_IS_FOR_ADMINS",
    "Writer",
    "actor",
    "lowering_event",
    "refusal",
]

# One wording for "above your ceiling" and "a record you may not change": telling them
# apart would tell the uploader that a record above their ceiling exists.
CANNOT_WRITE = "this record cannot be written by your account"
LOWERING_IS_FOR_ADMINS = "only an admin may lower a record's confidentiality"


@dataclass(frozen=True)
class Writer:
    """The account an upload is written for: its name and the highest level it sees."""

    username: str
    ceiling: Level

    @classmethod
    def of(cls, username: str, role: Role) -> Writer:
        return cls(username, role.ceiling)

    @property
    def may_lower(self) -> bool:
        """Only an account that sees every level (an admin) may lower a record's level."""
        return self.ceiling is Level.SEALED


def _level(label: str | None) -> Level | None:
    return None if label is None else Level.parse(label)


def refusal(writer: Writer | None, before: str | None, after: str) -> str | None:
    """Why `writer` may not write a record whose stored level is `before` (None: no such
    record) and whose new level is `after`; None when they may."""
    if writer is None:
        return None
    old, new = _level(before), Level.parse(after)
    if new > writer.ceiling or (old is not None and old > writer.ceiling):
        return CANNOT_WRITE
    if old is not None and new < old and not writer.may_lower:
        return LOWERING_IS_FOR_ADMINS
    return None


def actor(writer: Writer | None) -> str:
    """Whom custody names for a write: the uploader, or the indexer for the trusted CLI."""
    return "indexer" if writer is None else writer.username


def lowering_event(
    writer: Writer | None, before: str | None, after: str, now: str
) -> dict[str, str] | None:
    """The custody event of a record whose level goes down, or None if it does not."""
    old, new = _level(before), Level.parse(after)
    if old is None or new >= old:
        return None
    return {
        "at": now,
        "action": "lowered",
        "actor": actor(writer),
        "detail": f"confidentiality lowered from {old.label} to {new.label} by {actor(writer)}",
    }
