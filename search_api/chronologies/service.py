"""Chronology operations: load -> change -> save with the caller's version, audited.

Citations are checked against what the caller may see when a fact is added (a record
they cannot see cannot be cited), and again on every read: a fact citing a record the
reader may not see is left out, and only its count is given.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from evidence.access import AccessContext
from evidence.errors import N_, InvalidRequest, NotFound
from evidence.redaction import Kind, Protected, Redactor
from search_api.chronologies.models import (
    Chronology,
    Citation,
    CitationIn,
    Fact,
    FactIn,
    Version,
    dated,
    ordered,
    same_day,
)
from search_api.chronologies.store import ChronologyStore
from search_api.deps import Caller
from search_api.readable import readable_event
from search_api.store import Store

__all__ = ["MAX_COLLECT", "ChronologyService"]

# How many events and records one "Add selected" may add: a timeline page's worth.
MAX_COLLECT = 200

Change = Callable[[dict[str, Any]], dict[str, Any]]


def _withheld_from(fact: Fact, records: dict[str, dict[str, Any]]) -> Fact:
    """The fact with the protected names of the records it cites withheld from its
    text, quotes and note, for a reader below investigator when its author could read
    them. What a reader who never could wrote is shown as written: withholding it would
    tell them which of their guesses is a protected name."""
    if not fact.author_saw_protected:
        return fact
    redactor = Redactor(
        Protected(row["value"], row["field"], Kind(row["kind"]))
        for citation in fact.citations
        for row in records[citation.stable_id].get("protected", {}).get("withheld", [])
    )
    if not redactor:
        return fact
    citations = [
        c.model_copy(update={"quote": redactor.redact(c.quote) if c.quote else c.quote})
        for c in fact.citations
    ]
    return fact.model_copy(
        update={
            "text": redactor.redact(fact.text),
            "note": redactor.redact(fact.note) if fact.note else fact.note,
            "citations": citations,
        }
    )


def _titled(fact: Fact, records: dict[str, dict[str, Any]]) -> Fact:
    """The fact citing each record by its title as the reader may read it now, looked
    up with the reader's access (`records`), not the title stored when it was cited."""
    citations = [
        c.model_copy(update={"title": records.get(c.stable_id, {}).get("title")})
        for c in fact.citations
    ]
    return fact.model_copy(update={"citations": citations})


def _shape(
    chronology_id: str,
    source: dict[str, Any],
    version: Version,
    records: dict[str, dict[str, Any]],
    access: AccessContext,
) -> Chronology:
    """The chronology as `access` may read it: facts citing records it cannot see are
    counted, not shown; below investigator, protected names are withheld from facts
    written by someone who could read them."""
    facts = [Fact.model_validate(fact) for fact in source.get("facts", [])]
    shown = [_titled(f, records) for f in facts if all(c.stable_id in records for c in f.citations)]
    if not access.sees_protected_fields:
        shown = [_withheld_from(f, records) for f in shown]
    return Chronology(
        id=chronology_id,
        title=source["title"],
        owner=source["owner"],
        created=source["created"],
        updated=source["updated"],
        version=str(version),
        facts=ordered(shown),
        hidden_facts=len(facts) - len(shown),
    )


def _cited(source: dict[str, Any]) -> set[str]:
    return {c["stable_id"] for f in source.get("facts", []) for c in f.get("citations", [])}


def _next_order(facts: list[dict[str, Any]], fact: Fact) -> int:
    orders = [f["order"] for f in facts if same_day(Fact.model_validate(f), fact)]
    return max(orders, default=-1) + 1


def _replace(
    facts: list[dict[str, Any]],
    fact_id: str,
    change: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> list[dict[str, Any]]:
    if not any(f["fact_id"] == fact_id for f in facts):
        raise NotFound(N_("No fact %(id)s."), id=fact_id)
    changed = [change(f) if f["fact_id"] == fact_id else f for f in facts]
    return [f for f in changed if f is not None]


def _moved(source: dict[str, Any], fact_id: str, direction: str) -> dict[str, Any]:
    """Swap a fact with its neighbour on the same date; other dates keep their order."""
    facts = ordered([Fact.model_validate(f) for f in source["facts"]])
    index = next((i for i, f in enumerate(facts) if f.fact_id == fact_id), None)
    if index is None:
        raise NotFound(N_("No fact %(id)s."), id=fact_id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(facts) or not same_day(facts[index], facts[other]):
        raise InvalidRequest(N_("Only facts on the same date can be reordered."))
    for position, fact in enumerate(f for f in facts if same_day(f, facts[index])):
        fact.order = position
    facts[index].order, facts[other].order = facts[other].order, facts[index].order
    return source | {"facts": [f.model_dump(mode="json") for f in facts]}


@dataclass(frozen=True)
class ChronologyService:
    """One caller's operations on chronologies."""

    store: Store
    chronologies: ChronologyStore
    caller: Caller

    @property
    def _sees_protected(self) -> bool:
        return self.caller.access.sees_protected_fields

    async def _visible(self, ids: set[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        body = {
            "query": {"ids": {"values": sorted(ids)}},
            "size": len(ids),
            # `protected.withheld` only serves to withhold names, and a transcript's hash is
            # read from `protected` only by roles that read the names (`_citations`).
            "_source": [
                "stable_id",
                "title",
                "date.text",
                "sha256",
                "protected.withheld",
                "protected.unredacted.sha256",
            ],
        }
        hits = (await self.store.search(body, self.caller.access))["hits"]["hits"]
        return {hit["_id"]: hit["_source"] for hit in hits}

    async def open(self, chronology_id: str) -> Chronology:
        source, version = await self.chronologies.load(self.caller.access, chronology_id)
        records = await self._visible(_cited(source))
        await self.caller.audit(
            "chronology.view", record_ids=sorted(records), params={"chronology": chronology_id}
        )
        return _shape(chronology_id, source, version, records, self.caller.access)

    async def current_version(self, chronology_id: str) -> Version:
        return (await self.chronologies.load(self.caller.access, chronology_id))[1]

    async def create(self, title: str) -> str:
        if not title.strip():
            raise InvalidRequest(N_("A chronology needs a title."))
        chronology_id, _ = await self.chronologies.create(self.caller.access, title.strip()[:300])
        await self.caller.audit(
            "chronology.create", params={"chronology": chronology_id, "title": title}
        )
        return chronology_id

    async def delete(self, chronology_id: str, version: Version) -> None:
        await self.chronologies.delete(self.caller.access, chronology_id, version)
        await self.caller.audit("chronology.delete", params={"chronology": chronology_id})

    async def _change(
        self, chronology_id: str, version: Version, action: str, change: Change, **audit: Any
    ) -> Chronology:
        source, _ = await self.chronologies.load(self.caller.access, chronology_id)
        changed = change(source)
        new_version = await self.chronologies.save(chronology_id, changed, version)
        await self.caller.audit(action, params={"chronology": chronology_id} | audit)
        records = await self._visible(_cited(changed))
        return _shape(chronology_id, changed, new_version, records, self.caller.access)

    async def rename(self, chronology_id: str, version: Version, title: str) -> Chronology:
        if not title.strip():
            raise InvalidRequest(N_("A chronology needs a title."))
        return await self._change(
            chronology_id,
            version,
            "chronology.rename",
            lambda s: s | {"title": title.strip()[:300]},
            title=title,
        )

    async def _citations(self, fact_in: FactIn) -> list[Citation]:
        found = await self._visible({c.stable_id for c in fact_in.citations})
        return self._cited_from(fact_in, found)

    def _cited_from(self, fact_in: FactIn, found: dict[str, dict[str, Any]]) -> list[Citation]:
        """The fact's citations with hash and title from the records found for the caller;
        NotFound for one it cannot see, worded as for one that does not exist."""
        citations = []
        for citation in fact_in.citations:
            record = found.get(citation.stable_id)
            if record is None:
                raise NotFound(N_("No record %(id)s to cite."), id=citation.stable_id)
            sha256 = record.get("sha256")
            if self._sees_protected:
                sha256 = sha256 or record.get("protected", {}).get("unredacted", {}).get("sha256")
            citations.append(
                Citation(**citation.model_dump(), sha256=sha256, title=record.get("title"))
            )
        return citations

    async def add_fact(self, chronology_id: str, version: Version, fact_in: FactIn) -> Chronology:
        citations = await self._citations(fact_in)
        fact_id = "f-" + secrets.token_hex(6)

        def change(source: dict[str, Any]) -> dict[str, Any]:
            fact = dated(fact_in, fact_id, 0, citations, self._sees_protected)
            fact.order = _next_order(source["facts"], fact)
            return source | {"facts": [*source["facts"], fact.model_dump(mode="json")]}

        return await self._change(
            chronology_id, version, "chronology.fact_add", change, fact=fact_id
        )

    async def add_event(self, chronology_id: str, version: Version, event_id: str) -> Chronology:
        """A fact from a timeline event, citing its record (page and hash included)."""
        return (await self.collect(chronology_id, [event_id], [], version))[0]

    async def _event_facts(self, event_ids: list[str]) -> dict[str, FactIn]:
        """`event:ID` -> the fact each event makes, citing its record's page."""
        if not event_ids:
            return {}
        access = self.caller.access
        body = {"query": {"ids": {"values": event_ids}}, "size": len(event_ids)}
        hits = (await self.store.search(body, access, target="events"))["hits"]["hits"]
        found = {hit["_id"]: readable_event(hit["_source"], access) for hit in hits}
        facts = {}
        for event_id in event_ids:
            if (event := found.get(event_id)) is None:
                raise NotFound(N_("No event %(id)s."), id=event_id)
            citation = event["citation"]
            facts[f"event:{event_id}"] = FactIn(
                date=(event.get("date") or {}).get("text"),
                text=event["description"],
                citations=[CitationIn(stable_id=citation["stable_id"], page=citation.get("page"))],
            )
        return facts

    async def _record_facts(self, record_ids: list[str]) -> dict[str, FactIn]:
        """`record:ID` -> a fact dated and titled as the record, citing it."""
        found = await self._visible(set(record_ids))
        facts = {}
        for record_id in record_ids:
            if (record := found.get(record_id)) is None:
                raise NotFound(N_("No record %(id)s."), id=record_id)
            facts[f"record:{record_id}"] = FactIn(
                date=(record.get("date") or {}).get("text"),
                text=record.get("title") or record_id,
                citations=[CitationIn(stable_id=record_id)],
            )
        return facts

    async def collect(
        self,
        chronology_id: str,
        event_ids: list[str],
        record_ids: list[str],
        version: Version | None = None,
    ) -> tuple[Chronology, list[str]]:
        """Add events and records as facts at once, and which were added (`event:ID`,
        `record:ID`). One the chronology already holds is not added again. Every id must
        be one the caller may see: one they may not is refused as an unknown one, and
        nothing is added. Without a version, the chronology as it is now is changed."""
        events, records = list(dict.fromkeys(event_ids)), list(dict.fromkeys(record_ids))
        if not events and not records:
            raise InvalidRequest(N_("Select at least one event or record to add."))
        if len(events) + len(records) > MAX_COLLECT:
            raise InvalidRequest(N_("Add at most %(n)s events and records at once."), n=MAX_COLLECT)
        source, _ = await self.chronologies.load(self.caller.access, chronology_id)
        if source["owner"] != self.caller.access.user:
            # An admin may open anyone's chronology, but adding in bulk what its owner may
            # not see would tell the owner, through "cites records outside your access",
            # that such records exist: bulk adds go to one's own chronologies only.
            raise NotFound(N_("No chronology %(id)s."), id=chronology_id)
        facts_in = await self._event_facts(events) | await self._record_facts(records)
        found = await self._visible({c.stable_id for f in facts_in.values() for c in f.citations})
        cited = {origin: self._cited_from(f, found) for origin, f in facts_in.items()}
        if version is None:
            version = await self.current_version(chronology_id)
        added: list[str] = []

        def change(source: dict[str, Any]) -> dict[str, Any]:
            facts = list(source["facts"])
            held = {f.get("origin") for f in facts}
            for origin, fact_in in facts_in.items():
                if origin in held:
                    continue
                fact = dated(
                    fact_in,
                    "f-" + secrets.token_hex(6),
                    0,
                    cited[origin],
                    self._sees_protected,
                    origin,
                )
                fact.order = _next_order(facts, fact)
                facts.append(fact.model_dump(mode="json"))
                added.append(origin)
            return source | {"facts": facts}

        # `added` is filled by `change`, before the audit entry is written.
        chronology = await self._change(
            chronology_id, version, "chronology.collect", change, added=added
        )
        return chronology, added

    async def update_fact(
        self, chronology_id: str, version: Version, fact_id: str, fact_in: FactIn
    ) -> Chronology:
        citations = await self._citations(fact_in)

        def edit(old: dict[str, Any]) -> dict[str, Any]:
            fact = dated(
                fact_in, fact_id, old["order"], citations, self._sees_protected, old.get("origin")
            )
            return fact.model_dump(mode="json")

        return await self._change(
            chronology_id,
            version,
            "chronology.fact_edit",
            lambda s: s | {"facts": _replace(s["facts"], fact_id, edit)},
            fact=fact_id,
        )

    async def delete_fact(self, chronology_id: str, version: Version, fact_id: str) -> Chronology:
        return await self._change(
            chronology_id,
            version,
            "chronology.fact_delete",
            lambda s: s | {"facts": _replace(s["facts"], fact_id, lambda _: None)},
            fact=fact_id,
        )

    async def move_fact(
        self, chronology_id: str, version: Version, fact_id: str, direction: Literal["up", "down"]
    ) -> Chronology:
        return await self._change(
            chronology_id,
            version,
            "chronology.fact_move",
            lambda s: _moved(s, fact_id, direction),
            fact=fact_id,
            direction=direction,
        )
