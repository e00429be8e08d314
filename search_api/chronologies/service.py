"""Chronology operations: load -> change -> save with the caller's version, audited.

Citations are checked against what the caller may see when a fact is added (a record
they cannot see cannot be cited), and again on every read: a fact citing a record the
reader may not see is left out, with its comments and its history. Only facts the
reader added themselves (before losing access to a source) are counted as left out: a
count of what a teammate cited would tell them that records above their role exist.

Every change to a fact is kept in the chronology's history (who, when, before and
after), written in the same document as the change; a fact can be restored from it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal

from evidence.access import AccessContext, Role
from evidence.errors import N_, Conflict, Forbidden, InvalidRequest, NotFound
from evidence.redaction import Kind, Protected, Redactor
from search_api.chronologies.models import (
    DEFAULT_PREFIX,
    EDITS,
    MANAGES,
    Chronology,
    Citation,
    CitationIn,
    Comment,
    ExhibitOut,
    Fact,
    FactIn,
    HistoryEntry,
    Right,
    Share,
    Version,
    check_prefix,
    dated,
    exhibit_label,
    ordered,
    same_day,
)
from search_api.chronologies.store import ChronologyStore
from search_api.deps import Caller
from search_api.readable import readable_event
from search_api.store import Store
from search_api.teams.models import TeamOut, TeamRole
from search_api.teams.store import TeamStore

__all__ = ["MAX_COLLECT", "ChronologyService"]

# How many events and records one "Add selected" may add: a timeline page's worth.
MAX_COLLECT = 200

Change = Callable[[dict[str, Any]], dict[str, Any]]
# How often a comment or a share is tried again when someone saved in between: those
# change nothing anyone else wrote, so they need no version from the caller.
_ATTEMPTS = 5
# What a change to a fact is, as opposed to a new place among facts on its date.
_PLACE = {"order", "changed_by", "changed_at"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _withheld_from(fact: Fact, records: dict[str, dict[str, Any]]) -> Fact:
    """The fact with the protected names of the records it cites withheld from its
    text, quotes and note, for a reader below investigator when its author could read
    them. What a reader who never could wrote is shown as written: withholding it would
    tell them which of their guesses is a protected name."""
    if not fact.author_saw_protected:
        return fact
    redactor = _redactor(fact, records)
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


def _redactor(fact: Fact, records: dict[str, dict[str, Any]]) -> Redactor:
    """What withholds the protected names of the records `fact` cites."""
    return Redactor(
        Protected(row["value"], row["field"], Kind(row["kind"]))
        for citation in fact.citations
        for row in records[citation.stable_id].get("protected", {}).get("withheld", [])
    )


def _comment_as_read(comment: Comment, fact: Fact, records: dict[str, dict[str, Any]]) -> Comment:
    """A comment as a reader below investigator may read it: like a fact's text, with
    the names of the fact's sources withheld when its author could read them."""
    if not comment.author_saw_protected:
        return comment
    redactor = _redactor(fact, records)
    return (
        comment.model_copy(update={"text": redactor.redact(comment.text)}) if redactor else comment
    )


def _visible_fact(fact: Fact | None, records: dict[str, dict[str, Any]]) -> bool:
    return fact is None or all(c.stable_id in records for c in fact.citations)


def _titled(fact: Fact, records: dict[str, dict[str, Any]]) -> Fact:
    """The fact citing each record by its title as the reader may read it now, looked
    up with the reader's access (`records`), not the title stored when it was cited."""
    citations = [
        c.model_copy(update={"title": records.get(c.stable_id, {}).get("title")})
        for c in fact.citations
    ]
    return fact.model_copy(update={"citations": citations})


def _as_read(fact: Fact, records: dict[str, dict[str, Any]], access: AccessContext) -> Fact:
    """A fact the reader may see, its sources titled for them and, below investigator,
    protected names withheld."""
    titled = _titled(fact, records)
    return titled if access.sees_protected_fields else _withheld_from(titled, records)


def _shape(
    chronology_id: str,
    source: dict[str, Any],
    version: Version,
    right: Right,
    records: dict[str, dict[str, Any]],
    access: AccessContext,
) -> Chronology:
    """The chronology as `access` may read it: facts citing records it cannot see are
    left out with their comments (counted only when the reader added them); below
    investigator, protected names are withheld from facts and comments written by
    someone who could read them."""
    facts = [Fact.model_validate(fact) for fact in source.get("facts", [])]
    visible = {f.fact_id: f for f in facts if _visible_fact(f, records)}
    mine_hidden = [
        f
        for f in facts
        if f.fact_id not in visible and (f.added_by or source["owner"]) == access.user
    ]
    comments: dict[str, list[Comment]] = {}
    for row in source.get("comments", []):
        comment = Comment.model_validate(row)
        if (fact := visible.get(comment.fact_id)) is not None:
            if not access.sees_protected_fields:
                comment = _comment_as_read(comment, fact, records)
            comments.setdefault(comment.fact_id, []).append(comment)
    shown = _renumbered(ordered([_as_read(f, records, access) for f in visible.values()]))
    prefix = source.get("exhibit_prefix") or DEFAULT_PREFIX
    return Chronology(
        id=chronology_id,
        title=source["title"],
        owner=source["owner"],
        created=source["created"],
        updated=source["updated"],
        version=str(version),
        right=right,
        shares=[Share.model_validate(share) for share in source.get("shares", [])],
        facts=shown,
        comments=comments,
        exhibit_prefix=prefix,
        exhibits=_exhibits_shown(source, shown, prefix, records),
        hidden_facts=len(mine_hidden),
    )


def _exhibits_shown(
    source: dict[str, Any],
    shown: list[Fact],
    prefix: str,
    records: dict[str, dict[str, Any]],
) -> list[ExhibitOut]:
    """The exhibits the facts `shown` cite, numbered as the reader may read them: an
    exhibit they cannot see (its record hidden from them, or cited only by facts hidden
    from them) is not counted, so no gap says where it stands. An exhibit of a record
    they see that no fact cites any more keeps its number, and its gap."""
    citing: dict[str, tuple[list[int], list[int]]] = {}
    for n, fact in enumerate(shown, start=1):
        for citation in fact.citations:
            facts, pages = citing.setdefault(citation.stable_id, ([], []))
            if n not in facts:
                facts.append(n)
            if citation.page and citation.page not in pages:
                pages.append(citation.page)
    titles = {c.stable_id: c.title for f in shown for c in f.citations}
    cited_at_all = _cited(source)
    skipped, out = 0, []
    for row in sorted(source.get("exhibits", []), key=lambda row: row["number"]):
        stable_id = row["stable_id"]
        if stable_id in citing:
            number = row["number"] - skipped
            facts, pages = citing[stable_id]
            out.append(
                ExhibitOut(
                    label=exhibit_label(prefix, number),
                    number=number,
                    stable_id=stable_id,
                    title=titles.get(stable_id),
                    facts=facts,
                    pages=sorted(pages),
                )
            )
        elif stable_id not in records or stable_id in cited_at_all:
            skipped += 1
    return out


def _first_cited(source: dict[str, Any]) -> list[str]:
    """Every cited record once, in the order the chronology first cites it."""
    facts = ordered([Fact.model_validate(f) for f in source.get("facts", [])])
    return list(dict.fromkeys(c.stable_id for f in facts for c in f.citations))


def _numbered(source: dict[str, Any], by: str) -> dict[str, Any]:
    """The chronology with an exhibit number for every record it cites: a record keeps
    the number it was given; a newly cited one gets the next."""
    exhibits = list(source.get("exhibits", []))
    held = {row["stable_id"] for row in exhibits}
    top = max((row["number"] for row in exhibits), default=0)
    at = _now()
    for stable_id in _first_cited(source):
        if stable_id not in held:
            top += 1
            exhibits.append({"stable_id": stable_id, "number": top, "at": at, "by": by})
    if len(exhibits) == len(held):
        return source
    return source | {"exhibits": exhibits}


def _referenced(source: dict[str, Any]) -> set[str]:
    """The records a chronology names: those its facts cite, and its exhibits."""
    return _cited(source) | {row["stable_id"] for row in source.get("exhibits", [])}


def _renumbered(facts: list[Fact]) -> list[Fact]:
    """Facts in order, each numbered from 0 among those shown on its date: a gap in the
    stored numbers would say where a fact the reader cannot see stands."""
    shown: list[Fact] = []
    for fact in facts:
        position = shown[-1].order + 1 if shown and same_day(shown[-1], fact) else 0
        shown.append(fact.model_copy(update={"order": position}))
    return shown


def _cited_in(facts: Iterable[dict[str, Any] | None]) -> set[str]:
    return {c["stable_id"] for f in facts if f for c in f.get("citations", [])}


def _cited(source: dict[str, Any]) -> set[str]:
    return _cited_in(source.get("facts", []))


def _normal(fact: dict[str, Any]) -> dict[str, Any]:
    """A stored fact with every field, so facts stored before a field existed compare
    equal to themselves."""
    return Fact.model_validate(fact).model_dump(mode="json")


def _content(fact: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fact.items() if k not in _PLACE}


def _recorded(
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    action: Literal["add", "edit", "delete", "move", "restore"],
    by: str,
    moved: str | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The new facts with who added and who last changed each, and the history entries
    of the change: one per fact added, deleted or changed, and for a move, the moved
    fact alone (its neighbours' positions are renumbered, not changed)."""
    at = _now()
    before = {f["fact_id"]: _normal(f) for f in old}
    stamped, entries = [], []
    for fact in map(_normal, new):
        previous = before.get(fact["fact_id"])
        if previous is None and not fact.get("added_by"):
            fact = fact | {"added_by": by, "added_at": at}
        elif previous is None or _content(previous) != _content(fact):
            fact = fact | {"changed_by": by, "changed_at": at}
        stamped.append(fact)
        kind = "add" if previous is None and action != "restore" else action
        changed = previous is None or _content(previous) != _content(fact)
        if (changed or moved == fact["fact_id"]) and previous != fact:
            entries.append(_entry(fact["fact_id"], at, by, kind, previous, fact))
    kept = {f["fact_id"] for f in new}
    entries += [_entry(i, at, by, "delete", f, None) for i, f in before.items() if i not in kept]
    return stamped, entries


def _entry(
    fact_id: str,
    at: str,
    by: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "entry_id": "h-" + secrets.token_hex(6),
        "fact_id": fact_id,
        "at": at,
        "by": by,
        "action": action,
        "before": before,
        "after": after,
    }


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


def _moved(
    source: dict[str, Any], fact_id: str, direction: str, shown: Callable[[Fact], bool]
) -> dict[str, Any]:
    """Swap a fact with its neighbour on the same date among the facts the mover is
    `shown`; other dates keep their order, and so do facts they cannot see."""
    facts = ordered([Fact.model_validate(f) for f in source["facts"]])
    seen = [f for f in facts if shown(f)]
    index = next((i for i, f in enumerate(seen) if f.fact_id == fact_id), None)
    if index is None:
        raise NotFound(N_("No fact %(id)s."), id=fact_id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(seen) or not same_day(seen[index], seen[other]):
        raise InvalidRequest(N_("Only facts on the same date can be reordered."))
    for position, fact in enumerate(f for f in facts if same_day(f, seen[index])):
        fact.order = position
    seen[index].order, seen[other].order = seen[other].order, seen[index].order
    return source | {"facts": [f.model_dump(mode="json") for f in facts]}


@dataclass
class ChronologyService:
    """One caller's operations on chronologies: their own, and those shared with their
    teams, with what their right allows (`models.right_of`)."""

    store: Store
    chronologies: ChronologyStore
    teams: TeamStore
    caller: Caller
    _roles: dict[str, TeamRole] | None = field(default=None, init=False)

    @property
    def _sees_protected(self) -> bool:
        return self.caller.access.sees_protected_fields

    @property
    def _user(self) -> str:
        return ChronologyStore.require_user(self.caller.access)

    async def team_roles(self) -> dict[str, TeamRole]:
        """The caller's teams and their role in each, read once per request."""
        if self._roles is None:
            user = self.caller.access.user
            self._roles = await self.teams.roles_of(user) if user else {}
        return self._roles

    async def _load(self, chronology_id: str) -> tuple[dict[str, Any], Version, Right]:
        roles = await self.team_roles()
        return await self.chronologies.load(self.caller.access, chronology_id, roles)

    async def readable(self, origins: bool = False) -> list[dict[str, Any]]:
        """Every chronology the caller may open, with their right on each."""
        roles = await self.team_roles()
        return await self.chronologies.list(self.caller.access, roles, origins)

    async def exhibits_of(self, stable_ids: set[str]) -> list[tuple[Chronology, ExhibitOut]]:
        """The exhibit numbers `stable_ids` have in the caller's own chronologies and
        those shared with their teams (not every chronology an admin may open), each
        numbered as the caller reads it. None for a visitor, who keeps none."""
        user = self.caller.access.user
        if user is None or not stable_ids:
            return []
        roles = await self.team_roles()
        found = []
        for listed in await self.chronologies.list(self.caller.access, roles, exhibits=True):
            shares = listed.get("shares", [])
            mine = listed["owner"] == user or any(s["team"] in roles for s in shares)
            numbered = {row["stable_id"] for row in listed.get("exhibits", [])}
            if not mine or not numbered & stable_ids:
                continue
            try:
                source, version, right = await self._load(listed["id"])
            except NotFound:
                continue  # deleted since it was listed
            records = await self._visible(_referenced(source))
            chronology = _shape(listed["id"], source, version, right, records, self.caller.access)
            found += [(chronology, e) for e in chronology.exhibits if e.stable_id in stable_ids]
        return found

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
        source, version, right = await self._load(chronology_id)
        records = await self._visible(_referenced(source))
        await self.caller.audit(
            "chronology.view",
            record_ids=sorted(_cited(source) & set(records)),
            params={"chronology": chronology_id},
        )
        return _shape(chronology_id, source, version, right, records, self.caller.access)

    async def current_version(self, chronology_id: str) -> Version:
        return (await self._load(chronology_id))[1]

    async def create(self, title: str) -> str:
        if not title.strip():
            raise InvalidRequest(N_("A chronology needs a title."))
        chronology_id, _ = await self.chronologies.create(self.caller.access, title.strip()[:300])
        await self.caller.audit(
            "chronology.create", params={"chronology": chronology_id, "title": title}
        )
        return chronology_id

    async def delete(self, chronology_id: str, version: Version) -> None:
        roles = await self.team_roles()
        await self.chronologies.delete(self.caller.access, chronology_id, version, roles)
        await self.caller.audit("chronology.delete", params={"chronology": chronology_id})

    @staticmethod
    def _require(right: Right, needed: frozenset[Right]) -> None:
        if right in needed:
            return
        if needed is MANAGES:
            raise Forbidden(N_("Only the owner of this chronology may do this."))
        raise Forbidden(N_("You may read this chronology; only its editors change it."))

    async def _shown_fact(self, source: dict[str, Any], fact_id: str) -> Fact:
        """A fact the caller may see; one citing a record they cannot see is refused as
        one that does not exist."""
        stored = next((f for f in source["facts"] if f["fact_id"] == fact_id), None)
        fact = Fact.model_validate(stored) if stored else None
        if fact is None or not _visible_fact(fact, await self._visible(_cited_in([stored]))):
            raise NotFound(N_("No fact %(id)s."), id=fact_id)
        return fact

    async def _change(
        self,
        chronology_id: str,
        version: Version,
        action: str,
        change: Change,
        recorded_as: Literal["add", "edit", "delete", "move", "restore"],
        fact_id: str | None = None,
        **audit: Any,
    ) -> Chronology:
        """Apply `change` to the chronology as it is, if it is still at `version`; the
        facts it changes are stamped and their history kept. With `fact_id`, that fact
        must be one the caller may see."""
        source, _, right = await self._load(chronology_id)
        self._require(right, EDITS)
        if fact_id is not None:
            await self._shown_fact(source, fact_id)
        changed = change(source)
        facts, entries = _recorded(
            source["facts"],
            changed["facts"],
            recorded_as,
            self._user,
            fact_id if recorded_as == "move" else None,
        )
        changed |= {"facts": facts, "history": [*source.get("history", []), *entries]}
        changed = _numbered(changed, self._user)
        new_version = await self.chronologies.save(chronology_id, changed, version)
        await self.caller.audit(action, params={"chronology": chronology_id} | audit)
        records = await self._visible(_referenced(changed))
        return _shape(chronology_id, changed, new_version, right, records, self.caller.access)

    async def _retried(
        self, chronology_id: str, needed: frozenset[Right], change: Change
    ) -> tuple[dict[str, Any], Version, Right]:
        """Apply a change that touches nothing anyone else writes (a comment, a share) to
        the chronology as it is now, read again if someone saved in between."""
        for _ in range(_ATTEMPTS):
            source, version, right = await self._load(chronology_id)
            self._require(right, needed)
            changed = change(source)
            try:
                return changed, await self.chronologies.save(chronology_id, changed, version), right
            except Conflict:
                continue
        raise Conflict(N_("This chronology is being changed by others; try again."))

    async def rename(self, chronology_id: str, version: Version, title: str) -> Chronology:
        if not title.strip():
            raise InvalidRequest(N_("A chronology needs a title."))
        return await self._change(
            chronology_id,
            version,
            "chronology.rename",
            lambda s: s | {"title": title.strip()[:300]},
            "edit",
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
            chronology_id, version, "chronology.fact_add", change, "add", fact=fact_id
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
        _, current, right = await self._load(chronology_id)
        if right == "admin":
            # An admin may open anyone's chronology, but bulk adds go to the chronologies
            # they own or edit through a team, as the pages offer.
            raise NotFound(N_("No chronology %(id)s."), id=chronology_id)
        self._require(right, EDITS)
        facts_in = await self._event_facts(events) | await self._record_facts(records)
        found = await self._visible({c.stable_id for f in facts_in.values() for c in f.citations})
        cited = {origin: self._cited_from(f, found) for origin, f in facts_in.items()}
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
            chronology_id, version or current, "chronology.collect", change, "add", added=added
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
            kept = {k: old.get(k) for k in ("added_by", "added_at")}
            return fact.model_dump(mode="json") | kept

        return await self._change(
            chronology_id,
            version,
            "chronology.fact_edit",
            lambda s: s | {"facts": _replace(s["facts"], fact_id, edit)},
            "edit",
            fact_id,
            fact=fact_id,
        )

    async def delete_fact(self, chronology_id: str, version: Version, fact_id: str) -> Chronology:
        return await self._change(
            chronology_id,
            version,
            "chronology.fact_delete",
            lambda s: s | {"facts": _replace(s["facts"], fact_id, lambda _: None)},
            "delete",
            fact_id,
            fact=fact_id,
        )

    async def move_fact(
        self, chronology_id: str, version: Version, fact_id: str, direction: Literal["up", "down"]
    ) -> Chronology:
        source, _, _ = await self._load(chronology_id)
        records = await self._visible(_cited(source))
        return await self._change(
            chronology_id,
            version,
            "chronology.fact_move",
            lambda s: _moved(s, fact_id, direction, lambda f: _visible_fact(f, records)),
            "move",
            fact_id,
            fact=fact_id,
            direction=direction,
        )

    async def comment(self, chronology_id: str, fact_id: str, text: str) -> Chronology:
        """Add to a fact's thread; anyone who may read the chronology may comment."""
        if not text.strip():
            raise InvalidRequest(N_("A comment needs some text."))
        if len(text) > 5000:
            raise InvalidRequest(N_("A comment holds at most 5,000 characters."))
        source, _, _ = await self._load(chronology_id)
        await self._shown_fact(source, fact_id)
        comment = Comment(
            comment_id="c-" + secrets.token_hex(6),
            fact_id=fact_id,
            author=self._user,
            at=_now(),
            text=text.strip(),
            author_saw_protected=self._sees_protected,
        )

        def change(source: dict[str, Any]) -> dict[str, Any]:
            if not any(f["fact_id"] == fact_id for f in source["facts"]):
                raise NotFound(N_("No fact %(id)s."), id=fact_id)
            return source | {"comments": [*source.get("comments", []), comment.model_dump()]}

        changed, version, right = await self._retried(
            chronology_id, frozenset(EDITS | {"viewer"}), change
        )
        await self.caller.audit(
            "chronology.comment",
            params={"chronology": chronology_id, "fact": fact_id, "comment": comment.comment_id},
        )
        records = await self._visible(_referenced(changed))
        return _shape(chronology_id, changed, version, right, records, self.caller.access)

    async def share(self, chronology_id: str, team_id: str, role: TeamRole | None) -> Chronology:
        """Share with a team the owner belongs to (an admin: any team) as `role`, or
        stop sharing with it (`role` None)."""
        roles = await self.team_roles()
        if role is not None and team_id not in roles:
            if self.caller.access.role is not Role.ADMIN:
                raise NotFound(N_("No team %(id)s."), id=team_id)
            await self.teams.get(team_id)

        def change(source: dict[str, Any]) -> dict[str, Any]:
            shares = [s for s in source.get("shares", []) if s["team"] != team_id]
            if role is not None:
                shares.append({"team": team_id, "role": role})
            elif len(shares) == len(source.get("shares", [])):
                raise NotFound(N_("This chronology is not shared with %(id)s."), id=team_id)
            return source | {"shares": shares, "shared_with": [s["team"] for s in shares]}

        changed, version, right = await self._retried(chronology_id, MANAGES, change)
        action = "chronology.share" if role else "chronology.unshare"
        await self.caller.audit(
            action, params={"chronology": chronology_id, "team": team_id, "role": role}
        )
        records = await self._visible(_referenced(changed))
        return _shape(chronology_id, changed, version, right, records, self.caller.access)

    async def share_targets(self) -> list[TeamOut]:
        """The teams the caller may share with: their own; an admin's, every team."""
        if self.caller.access.role is Role.ADMIN:
            return await self.teams.every_team()
        return [await self.teams.get(team_id) for team_id in sorted(await self.team_roles())]

    async def history(self, chronology_id: str, fact_id: str | None = None) -> list[HistoryEntry]:
        """Changes to the chronology's facts (or to one), newest first: those whose fact
        the caller may see, before and after, as they may read it. Positions among facts
        on a date are left out (0): they would count facts the caller cannot see."""
        source, _, _ = await self._load(chronology_id)
        rows = [
            row for row in source.get("history", []) if fact_id is None or row["fact_id"] == fact_id
        ]
        records = await self._visible(_cited_in(r[k] for r in rows for k in ("before", "after")))
        access = self.caller.access
        shown = []
        for row in reversed(rows):
            entry = HistoryEntry.model_validate(row)
            if not (_visible_fact(entry.before, records) and _visible_fact(entry.after, records)):
                continue
            before, after = (
                fact and _as_read(fact, records, access).model_copy(update={"order": 0})
                for fact in (entry.before, entry.after)
            )
            shown.append(entry.model_copy(update={"before": before, "after": after}))
        await self.caller.audit(
            "chronology.history", params={"chronology": chronology_id, "fact": fact_id}
        )
        return shown

    async def restore(self, chronology_id: str, version: Version, entry_id: str) -> Chronology:
        """Put a fact back as a history entry left it (as it was before, for a delete).
        The entry, and the fact as it is now, must be ones the caller may see."""
        source, _, _ = await self._load(chronology_id)
        row = next((r for r in source.get("history", []) if r["entry_id"] == entry_id), None)
        current = None
        if row is not None:
            current = next((f for f in source["facts"] if f["fact_id"] == row["fact_id"]), None)
        wanted = row and (row["after"] or row["before"])
        records = await self._visible(_cited_in([wanted, current]))
        if (
            row is None
            or wanted is None
            or not _visible_fact(Fact.model_validate(wanted), records)
            or (current is not None and not _visible_fact(Fact.model_validate(current), records))
        ):
            raise NotFound(N_("No history entry %(id)s."), id=entry_id)
        fact_id = row["fact_id"]

        def change(source: dict[str, Any]) -> dict[str, Any]:
            others = [f for f in source["facts"] if f["fact_id"] != fact_id]
            return source | {"facts": [*others, wanted]}

        return await self._change(
            chronology_id,
            version,
            "chronology.restore",
            change,
            "restore",
            entry=entry_id,
            fact=fact_id,
        )

    async def renumber(self, chronology_id: str) -> Chronology:
        """Number the exhibits again from 1, in the order the chronology first cites them;
        exhibits no fact cites any more lose their number. An explicit act of the owner,
        kept in the chronology's exhibit log and the audit log."""
        user, at = self._user, _now()

        def change(source: dict[str, Any]) -> dict[str, Any]:
            before = {row["stable_id"]: row["number"] for row in source.get("exhibits", [])}
            exhibits = [
                {"stable_id": stable_id, "number": n, "at": at, "by": user}
                for n, stable_id in enumerate(_first_cited(source), start=1)
            ]
            entry = {"at": at, "by": user, "action": "renumber", "before": before}
            return source | {
                "exhibits": exhibits,
                "exhibit_log": [*source.get("exhibit_log", []), entry],
            }

        return await self._exhibit_change(chronology_id, change, "chronology.renumber")

    async def set_prefix(self, chronology_id: str, prefix: str) -> Chronology:
        """The prefix of every exhibit number (`K215-001`); numbers stay as they are."""
        wanted, user = check_prefix(prefix), self._user

        def change(source: dict[str, Any]) -> dict[str, Any]:
            entry = {
                "at": _now(),
                "by": user,
                "action": "prefix",
                "before": source.get("exhibit_prefix") or DEFAULT_PREFIX,
                "after": wanted,
            }
            return source | {
                "exhibit_prefix": wanted,
                "exhibit_log": [*source.get("exhibit_log", []), entry],
            }

        return await self._exhibit_change(
            chronology_id, change, "chronology.exhibit_prefix", prefix=wanted
        )

    async def _exhibit_change(
        self, chronology_id: str, change: Change, action: str, **audit: Any
    ) -> Chronology:
        changed, version, right = await self._retried(chronology_id, MANAGES, change)
        await self.caller.audit(action, params={"chronology": chronology_id} | audit)
        records = await self._visible(_referenced(changed))
        return _shape(chronology_id, changed, version, right, records, self.caller.access)

    async def numbered(self, chronology_id: str) -> Chronology:
        """The chronology as the caller reads it, every cited record numbered first (a
        chronology made before exhibit numbers gets them now). For packages, which are
        audited themselves."""
        source, version, right = await self._load(chronology_id)
        if _numbered(source, self._user) is not source:
            source, version, right = await self._retried(
                chronology_id, frozenset(EDITS | {"viewer"}), partial(_numbered, by=self._user)
            )
        records = await self._visible(_referenced(source))
        return _shape(chronology_id, source, version, right, records, self.caller.access)
