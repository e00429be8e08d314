"""Teams in their own index. Member changes are read-change-write with the version read,
retried when two admins change one team at once, so neither change is lost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.errors import N_, Conflict, InvalidRequest, NotFound
from evidence.indices import ensure_plain_index, teams_index
from search_api.paging import every_hit
from search_api.teams.models import Member, TeamOut, TeamRole, is_team_id
from search_api.transport import translating

__all__ = ["TeamStore"]

_ATTEMPTS = 5
# More teams than one person works in; a member of more sees what is shared with
# the first this many found.
_MAX_TEAMS = 1000


def _by_id(team: TeamOut) -> str:
    return team.id


def _team(team_id: str, source: dict[str, Any]) -> TeamOut:
    members = sorted(source.get("members", []), key=lambda m: m["username"])
    return TeamOut(
        id=team_id,
        name=source["name"],
        created=source["created"],
        created_by=source["created_by"],
        members=[Member.model_validate(m) for m in members],
    )


class TeamStore:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._index = teams_index(prefix)

    @translating
    async def _ensure(self) -> None:
        await ensure_plain_index(self._es, self._index, "teams")

    @translating
    async def create(self, team_id: str, name: str, by: str) -> TeamOut:
        await self._ensure()
        document = {
            "name": name,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "created_by": by,
            "member_names": [],
            "members": [],
        }
        response = await self._es.options(ignore_status=409).index(
            index=self._index, id=team_id, document=document, op_type="create", refresh=True
        )
        if response.meta.status == 409:
            raise InvalidRequest(N_("A team %(id)s exists already."), id=team_id)
        return _team(team_id, document)

    async def _read(self, team_id: str) -> tuple[dict[str, Any], int, int]:
        if not is_team_id(team_id):  # no such team, and not a request Elasticsearch refuses
            raise NotFound(N_("No team %(id)s."), id=team_id)
        response = await self._es.options(ignore_status=404).get(index=self._index, id=team_id)
        if not response.body.get("found"):
            raise NotFound(N_("No team %(id)s."), id=team_id)
        body = response.body
        return body["_source"], body["_seq_no"], body["_primary_term"]

    @translating
    async def get(self, team_id: str) -> TeamOut:
        await self._ensure()
        source, _, _ = await self._read(team_id)
        return _team(team_id, source)

    @translating
    async def every_team(self) -> list[TeamOut]:
        await self._ensure()
        body = {"query": {"match_all": {}}, "sort": [{"created": "asc"}, {"_doc": "asc"}]}
        found = every_hit(self._es, self._index, body)
        return sorted([_team(hit["_id"], hit["_source"]) async for hit in found], key=_by_id)

    @translating
    async def roles_of(self, username: str) -> dict[str, TeamRole]:
        """team id -> `username`'s role in it, for every team they belong to."""
        await self._ensure()
        response = await self._es.search(
            index=self._index, query={"term": {"member_names": username}}, size=_MAX_TEAMS
        )
        roles: dict[str, TeamRole] = {}
        for hit in response["hits"]["hits"]:
            for member in hit["_source"]["members"]:
                if member["username"] == username:
                    roles[hit["_id"]] = member["role"]
        return roles

    @translating
    async def _change(
        self, team_id: str, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
    ) -> TeamOut:
        await self._ensure()
        for _ in range(_ATTEMPTS):
            source, seq_no, primary_term = await self._read(team_id)
            members = change(list(source["members"]))
            changed = source | {
                "members": members,
                "member_names": [m["username"] for m in members],
            }
            response = await self._es.options(ignore_status=409).index(
                index=self._index,
                id=team_id,
                document=changed,
                if_seq_no=seq_no,
                if_primary_term=primary_term,
                refresh=True,
            )
            if response.meta.status != 409:
                return _team(team_id, changed)
        raise Conflict(N_("The team is being changed by someone else; try again."))

    async def set_member(self, team_id: str, username: str, role: TeamRole) -> TeamOut:
        def change(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
            others = [m for m in members if m["username"] != username]
            return [*others, {"username": username, "role": role}]

        return await self._change(team_id, change)

    async def remove_member(self, team_id: str, username: str) -> TeamOut:
        def change(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
            if not any(m["username"] == username for m in members):
                raise NotFound(N_("%(user)s is not in team %(id)s."), user=username, id=team_id)
            return [m for m in members if m["username"] != username]

        return await self._change(team_id, change)

    @translating
    async def delete(self, team_id: str) -> None:
        await self._ensure()
        if not is_team_id(team_id):
            raise NotFound(N_("No team %(id)s."), id=team_id)
        response = await self._es.options(ignore_status=404).delete(
            index=self._index, id=team_id, refresh=True
        )
        if response.meta.status == 404:
            raise NotFound(N_("No team %(id)s."), id=team_id)
