"""Saved chronologies, stored with optimistic concurrency: a write based on an older
`Version` than the stored one is refused with a conflict. Writes wait for the next
refresh rather than forcing one, so the writer still reads what they wrote without a
refresh per keystroke.

One document holds a chronology whole: its facts, the teams it is shared with, each
fact's comments and the history of every change, so a change and its history entry are
written together or not at all.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext, Role
from evidence.errors import N_, Conflict, Forbidden, NotFound, Unauthorized
from evidence.indices import chronologies_index, ensure_plain_index, plain_index_body
from search_api.chronologies.models import MANAGES, Right, Version, right_of
from search_api.paging import every_hit
from search_api.teams.models import TeamRole
from search_api.transport import translating

__all__ = ["ChronologyStore"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_LIST_PAGE = 500


class ChronologyStore:
    """Chronologies belong to their owner; admins may open any. Others get 404."""

    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._index = chronologies_index(prefix)
        self._mapped = False

    @staticmethod
    def require_user(access: AccessContext) -> str:
        if access.user is None:
            raise Unauthorized(N_("Log in to keep chronologies."))
        return access.user

    @translating
    async def _ensure(self) -> None:
        await ensure_plain_index(self._es, self._index, "chronologies")
        if not self._mapped:
            # An index made before sharing lacks its fields; adding fields is allowed on
            # a live index, and once per process is enough.
            properties = plain_index_body("chronologies")["mappings"]["properties"]
            await self._es.indices.put_mapping(index=self._index, properties=properties)
            self._mapped = True

    @translating
    async def create(self, access: AccessContext, title: str) -> tuple[str, Version]:
        owner = self.require_user(access)
        await self._ensure()
        chronology_id = "ch-" + secrets.token_hex(8)
        document = {
            "title": title,
            "owner": owner,
            "created": _now(),
            "updated": _now(),
            "facts": [],
            "shares": [],
            "shared_with": [],
            "comments": [],
            "history": [],
        }
        response = await self._es.index(
            index=self._index,
            id=chronology_id,
            document=document,
            op_type="create",
            refresh="wait_for",
        )
        return chronology_id, Version.of(response)

    @translating
    async def list(
        self,
        access: AccessContext,
        team_roles: dict[str, TeamRole],
        origins: bool = False,
        exhibits: bool = False,
    ) -> list[dict[str, Any]]:
        """Every chronology the caller may open (their own, those shared with their
        teams, and for admins all), last changed first, each with the caller's `right`.
        Paged through a point in time, so however many there are, none is left out. With
        `origins`, each holds the `origins` of its facts (what was added from the
        timeline, search or a record), so pages can mark what is already in one. With
        `exhibits`, each holds its numbered exhibits as stored."""
        owner = self.require_user(access)
        await self._ensure()
        query: dict[str, Any] = {"match_all": {}}
        if access.role is not Role.ADMIN:
            should: list[dict[str, Any]] = [{"term": {"owner": owner}}]
            if team_roles:
                should.append({"terms": {"shared_with": sorted(team_roles)}})
            query = {"bool": {"should": should, "minimum_should_match": 1}}
        fields = ["title", "owner", "created", "updated", "shares"]
        fields += ["facts.origin"] if origins else []
        fields += ["exhibits"] if exhibits else []
        source = {"includes": fields}
        body = {"query": query, "sort": [{"updated": "desc"}], "_source": source}
        found = []
        async for hit in every_hit(self._es, self._index, body, _LIST_PAGE):
            chronology = hit["_source"] | {"id": hit["_id"]}
            chronology["right"] = right_of(chronology, owner, access.role is Role.ADMIN, team_roles)
            if origins:
                facts = chronology.pop("facts", [])
                chronology["origins"] = [f["origin"] for f in facts if f.get("origin")]
            found.append(chronology)
        return found

    @translating
    async def load(
        self, access: AccessContext, chronology_id: str, team_roles: dict[str, TeamRole]
    ) -> tuple[dict[str, Any], Version, Right]:
        """The chronology, its version and what the caller may do with it; one they may
        not open is a 404 like one that does not exist."""
        user = self.require_user(access)
        await self._ensure()
        response = await self._es.options(ignore_status=404).get(
            index=self._index, id=chronology_id
        )
        source = response.body.get("_source") if response.body.get("found") else None
        right = right_of(source, user, access.role is Role.ADMIN, team_roles) if source else None
        if source is None or right is None:
            raise NotFound(N_("No chronology %(id)s."), id=chronology_id)
        return source, Version.of(response.body), right

    @translating
    async def save(self, chronology_id: str, source: dict[str, Any], version: Version) -> Version:
        """Write a changed chronology if nobody saved since `version`; the new version."""
        response = await self._es.options(ignore_status=409).index(
            index=self._index,
            id=chronology_id,
            document=source | {"updated": _now()},
            if_seq_no=version.seq_no,
            if_primary_term=version.primary_term,
            refresh="wait_for",
        )
        if response.meta.status == 409:
            raise Conflict(
                N_(
                    "Someone else changed this chronology since you opened it. "
                    "Reload it and apply your change again."
                )
            )
        return Version.of(response.body)

    @translating
    async def delete(
        self,
        access: AccessContext,
        chronology_id: str,
        version: Version,
        team_roles: dict[str, TeamRole],
    ) -> None:
        _, _, right = await self.load(access, chronology_id, team_roles)
        if right not in MANAGES:
            raise Forbidden(N_("Only its owner may delete this chronology."))
        response = await self._es.options(ignore_status=409).delete(
            index=self._index,
            id=chronology_id,
            if_seq_no=version.seq_no,
            if_primary_term=version.primary_term,
            refresh="wait_for",
        )
        if response.meta.status == 409:
            raise Conflict(N_("Someone else changed this chronology; reload before deleting it."))
