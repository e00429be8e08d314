"""A team as stored and shown: an id chosen by the admin, a name, and its members with
their role in the team. A team role says what a member may do with what is shared with
the team; it never widens which records they may see (their own role does that)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from evidence.errors import N_, InvalidRequest

__all__ = [
    "TEAM_ROLES",
    "Member",
    "TeamOut",
    "TeamRole",
    "check_team_id",
    "is_team_id",
    "stronger",
    "team_role",
]

TeamRole = Literal["viewer", "editor"]
TEAM_ROLES: tuple[TeamRole, ...] = ("viewer", "editor")

_TEAM_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")


def is_team_id(text: str) -> bool:
    """Lower-case letters, digits and hyphens, 2-40, starting with a letter or digit."""
    return _TEAM_ID.fullmatch(text) is not None


def check_team_id(team_id: str) -> str:
    """A team id as typed, if it is one."""
    if not is_team_id(team_id):
        raise InvalidRequest(
            N_("A team id is 2 to 40 lower-case letters, digits and hyphens, like koblenz-team.")
        )
    return team_id


def team_role(text: str) -> TeamRole:
    """A team role as a form sends it."""
    if text == "editor":
        return "editor"
    if text == "viewer":
        return "viewer"
    raise InvalidRequest(N_("A team role is viewer or editor."))


def stronger(a: TeamRole | None, b: TeamRole | None) -> TeamRole | None:
    """The role that allows more: editor over viewer over none."""
    if "editor" in (a, b):
        return "editor"
    return "viewer" if "viewer" in (a, b) else None


class Member(BaseModel):
    username: str
    role: TeamRole


class TeamOut(BaseModel):
    id: str
    name: str
    created: str
    created_by: str
    members: list[Member] = Field(description="Username order.")
