"""Who may see what: confidentiality levels, roles, and the caller's access context.

The levels are ordered public < restricted < confidential < sealed. A role sees records
up to its ceiling. The context travels with every request down to the one layer that
talks to Elasticsearch; `restrict` turns it into the filter that layer always applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

__all__ = ["AccessContext", "Level", "Role", "restrict"]


class Level(IntEnum):
    """Confidentiality levels, comparable by rank."""

    PUBLIC = 0
    RESTRICTED = 1
    CONFIDENTIAL = 2
    SEALED = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Level:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            allowed = ", ".join(level.label for level in cls)
            raise ValueError(
                f"unknown confidentiality {value!r}; expected one of {allowed}"
            ) from None


class Role(StrEnum):
    PUBLIC = "public"
    JOURNALIST = "journalist"
    INVESTIGATOR = "investigator"
    ADMIN = "admin"

    @property
    def ceiling(self) -> Level:
        return _CEILINGS[self]


_CEILINGS = {
    Role.PUBLIC: Level.PUBLIC,
    Role.JOURNALIST: Level.RESTRICTED,
    Role.INVESTIGATOR: Level.CONFIDENTIAL,
    Role.ADMIN: Level.SEALED,
}


@dataclass(frozen=True)
class AccessContext:
    """The caller as the query layer sees them."""

    role: Role
    user: str | None = None
    # Whose share of the node's request cache this caller's searches use (a stats group,
    # `search_api.store.reader_group`): a count served fast from another's search would
    # tell that someone had asked it. None (jobs, the CLI): the share they all use.
    reader: str | None = None

    @property
    def visible_levels(self) -> list[str]:
        return [level.label for level in Level if level <= self.role.ceiling]

    @property
    def sees_protected_fields(self) -> bool:
        return self.role.ceiling >= Level.CONFIDENTIAL


PUBLIC_ACCESS = AccessContext(Role.PUBLIC)

MATCH_NOTHING: dict[str, Any] = {"match_none": {}}


def restrict(query: dict[str, Any] | None, access: AccessContext | None) -> dict[str, Any]:
    """Wrap a query so it only matches what `access` may see; no context matches nothing."""
    if access is None:
        return MATCH_NOTHING
    level_filter = {"terms": {"confidentiality": access.visible_levels}}
    return {"bool": {"must": [query or {"match_all": {}}], "filter": [level_filter]}}
