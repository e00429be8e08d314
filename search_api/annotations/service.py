"""Note and tag operations for one caller, audited. A record is annotated and its
annotations read only when the caller may see it now (through the Store, so the access
filter applies); a note is kept at least at the record's level; a team is one the caller
is in. What another reader sees is decided when they read (`store._visible`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence.access import Level
from evidence.errors import N_, InvalidRequest, NotFound, Unauthorized
from evidence.redaction import Kind, Protected, Redactor
from search_api.annotations.models import AnnotationOut, NoteIn, TagIn, level_of
from search_api.annotations.store import AnnotationStore
from search_api.deps import Caller
from search_api.facets import Tagged
from search_api.store import Store
from search_api.teams.store import TeamStore

__all__ = ["AnnotationService"]


@dataclass(frozen=True)
class AnnotationService:
    store: Store
    annotations: AnnotationStore
    teams: TeamStore
    caller: Caller

    def _user(self) -> str:
        if self.caller.access.user is None:
            raise Unauthorized(N_("Log in to keep notes and tags."))
        return self.caller.access.user

    async def _team_ids(self) -> list[str]:
        return sorted(await self.teams.roles_of(self._user()))

    async def _check_team(self, team: str | None) -> None:
        if team is not None and team not in await self._team_ids():
            raise NotFound(N_("No team %(id)s."), id=team)

    async def _records(self, record_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Each record's level and protected names, for records the caller may see;
        NotFound (as for one that does not exist) for any other."""
        body = {
            "query": {"ids": {"values": record_ids}},
            "size": len(record_ids),
            "_source": ["confidentiality", "protected.withheld"],
        }
        hits = (await self.store.search(body, self.caller.access))["hits"]["hits"]
        found = {hit["_id"]: hit["_source"] for hit in hits}
        for record_id in record_ids:
            if record_id not in found:
                raise NotFound(N_("No record %(id)s."), id=record_id)
        return found

    def _names_protected(self, record: dict[str, Any], text: str) -> bool:
        """Whether `text`, written by someone who reads protected names, names one of the
        record's, in any spelling: then it is kept from roles below investigator. What a
        reader who never could wrote is theirs: marking it would confirm a guess."""
        if not self.caller.access.sees_protected_fields:
            return False
        rows = record.get("protected", {}).get("withheld", [])
        redactor = Redactor(Protected(r["value"], r["field"], Kind(r["kind"])) for r in rows)
        return bool(redactor.find(text))

    async def add_note(self, record_id: str, note: NoteIn) -> AnnotationOut:
        self._user()
        await self._check_team(note.team)
        record = (await self._records([record_id]))[record_id]
        raised = {record_id: level_of(record["confidentiality"], note.level)}
        if raised[record_id] > self.caller.access.role.ceiling:
            raise InvalidRequest(N_("A note cannot be kept above your own role's level."))
        protected = note.protected or self._names_protected(record, note.text)
        fields = {"kind": "note", "text": note.text, "team": note.team, "protected": protected}
        (made,) = await self.annotations.add(self.caller.access, [record_id], raised, fields)
        await self.caller.audit(
            "note.add",
            record_ids=[record_id],
            params={"note": made.id, "team": note.team, "level": made.level},
        )
        return made

    async def add_tag(self, record_ids: list[str], tag: TagIn) -> list[AnnotationOut]:
        """Tag each record (one or many, as from search results); one the caller may not
        see is refused as one that does not exist, and nothing is tagged."""
        self._user()
        await self._check_team(tag.team)
        unique = list(dict.fromkeys(record_ids))
        records = await self._records(unique)
        fields: dict[str, Any] = {"kind": "tag", "tag": tag.tag, "team": tag.team}
        levels = {i: Level.parse(record["confidentiality"]) for i, record in records.items()}
        # A tag naming a record's protected person is kept from lower roles on that record.
        naming = [i for i in unique if self._names_protected(records[i], tag.tag)]
        plain = [i for i in unique if i not in naming]
        made = []
        for chosen, protected in ((plain, False), (naming, True)):
            if chosen:
                made += await self.annotations.add(
                    self.caller.access, chosen, levels, fields | {"protected": protected}
                )
        await self.caller.audit(
            "tag.add", record_ids=unique, params={"tag": tag.tag, "team": tag.team}
        )
        return made

    async def on_record(self, record_id: str) -> list[AnnotationOut]:
        """The notes and tags on a record the caller may see, as they may see them."""
        self._user()
        await self._records([record_id])
        found = await self.annotations.on_record(
            self.caller.access, await self._team_ids(), record_id
        )
        if any(a.kind == "note" for a in found):
            await self.caller.audit("notes.view", record_ids=[record_id])
        return found

    async def tagged(self) -> Tagged:
        """The caller's tags for search: none for a visitor."""
        if self.caller.access.user is None:
            return {}
        found = await self.annotations.tagged(self.caller.access, await self._team_ids())
        return {tag: sorted(ids) for tag, ids in found.items()}

    async def search_notes(self, q: str, size: int, offset: int) -> tuple[int, list[AnnotationOut]]:
        """The caller's and their teams' notes matching `q`, on records they may see now:
        the total counts those alone, so no note on a hidden record is counted."""
        self._user()
        access, teams = self.caller.access, await self._team_ids()
        noted = await self.annotations.noted_records(access, teams, q)
        visible: list[str] = []
        if noted:
            body = {"query": {"ids": {"values": noted}}, "size": len(noted), "_source": False}
            hits = (await self.store.search(body, access))["hits"]["hits"]
            visible = sorted(hit["_id"] for hit in hits)
        total, notes = await self.annotations.notes(access, teams, q, visible, size, offset)
        await self.caller.audit(
            "notes.search", q=q, record_ids=sorted({n.record_id for n in notes}), total=total
        )
        return total, notes

    async def delete(self, annotation_id: str) -> None:
        """Delete a note or tag the caller wrote."""
        self._user()
        annotation = await self.annotations.own(self.caller.access, annotation_id)
        await self.annotations.delete(annotation_id)
        await self.caller.audit(
            f"{annotation.kind}.delete",
            record_ids=[annotation.record_id],
            params={annotation.kind: annotation_id},
        )
