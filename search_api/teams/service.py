"""Team operations: admins create teams and set who is in them; anyone signed in reads
the teams they belong to. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

from evidence.access import Role
from evidence.errors import N_, Forbidden, InvalidRequest, NotFound, Unauthorized
from search_api.accounts.store import UserStore
from search_api.deps import Caller
from search_api.teams.models import TeamOut, TeamRole, check_team_id
from search_api.teams.store import TeamStore

__all__ = ["TeamService"]


@dataclass(frozen=True)
class TeamService:
    teams: TeamStore
    users: UserStore
    caller: Caller

    def _require_admin(self) -> None:
        self._require_user()
        if self.caller.access.role is not Role.ADMIN:
            raise Forbidden(N_("Only admins may do this."))

    def _require_user(self) -> str:
        user = self.caller.access.user
        if user is None:
            raise Unauthorized(N_("Log in to see your teams."))
        return user

    async def mine(self) -> list[TeamOut]:
        """Every team for an admin; the caller's own teams for anyone else."""
        user = self._require_user()
        if self.caller.access.role is Role.ADMIN:
            return await self.teams.every_team()
        roles = await self.teams.roles_of(user)
        return [await self.teams.get(team_id) for team_id in sorted(roles)]

    async def get(self, team_id: str) -> TeamOut:
        """A team, for an admin or one of its members; anyone else gets 404."""
        user = self._require_user()
        team = await self.teams.get(team_id)
        if self.caller.access.role is not Role.ADMIN and user not in {
            m.username for m in team.members
        }:
            raise NotFound(N_("No team %(id)s."), id=team_id)
        return team

    async def create(self, team_id: str, name: str) -> TeamOut:
        self._require_admin()
        check_team_id(team_id)
        if not name.strip():
            raise InvalidRequest(N_("A team needs a name."))
        team = await self.teams.create(team_id, name.strip()[:200], self.caller.access.user or "")
        await self.caller.audit("team.create", params={"team": team_id, "name": name})
        return team

    async def set_member(self, team_id: str, username: str, role: TeamRole) -> TeamOut:
        """Add an account to a team, or change its role there."""
        self._require_admin()
        account = await self.users.get(username)
        if account is None or account.disabled:
            raise NotFound(N_("No account %(user)s."), user=username)
        team = await self.teams.set_member(team_id, username, role)
        await self.caller.audit(
            "team.member_set", params={"team": team_id, "username": username, "role": role}
        )
        return team

    async def remove_member(self, team_id: str, username: str) -> TeamOut:
        self._require_admin()
        team = await self.teams.remove_member(team_id, username)
        await self.caller.audit(
            "team.member_remove", params={"team": team_id, "username": username}
        )
        return team

    async def delete(self, team_id: str) -> None:
        self._require_admin()
        await self.teams.delete(team_id)
        await self.caller.audit("team.delete", params={"team": team_id})
