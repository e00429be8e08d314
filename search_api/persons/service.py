"""Person pages: one person key, stored with each mention at index time, with the
spellings, roles and records found for it in what the caller may read. Every count is
an aggregation through the one store, on the public fields or, for the roles that read
protected persons, the fields holding both: a protected person (a witness, a victim,
family) is not among a lower role's keys, so their key is a 404 for that role, exactly
as a key nobody has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evidence.access import AccessContext
from evidence.errors import N_, NotFound
from evidence.names import CURATED, ROLE, SPELLING, TITLE, read_person_fact, shared_keys
from search_api.deps import Caller
from search_api.paging import PitChains
from search_api.params import TimelineParams
from search_api.persons.models import (
    Pair,
    PersonCase,
    PersonIndex,
    PersonLink,
    PersonPage,
    Spelling,
)
from search_api.persons.query import (
    KEYS,
    cases_of,
    facts_body,
    keys_body,
    pairs_body,
    person_search,
    person_timeline,
    search_link,
    timeline_link,
)
from search_api.service import overview, timeline
from search_api.store import Store
from search_api.urls import query_string

__all__ = ["GRAPH_SIZE", "PersonService", "named_persons", "pairs_among"]

INDEX_SIZE = 200
CO_NAMED_SHOWN = 15
# Persons drawn in the graph of who appears with whom (and pairs counted: 45).
GRAPH_SIZE = 10


@dataclass
class _Facts:
    """What `person_facts` say of one key."""

    spellings: dict[str, int] = field(default_factory=dict)
    roles: set[str] = field(default_factory=set)
    curated: bool = False
    title: str | None = None

    def link(self, key: str, records: int) -> PersonLink:
        ordered = sorted(self.spellings.items(), key=lambda item: (-item[1], item[0]))
        # A reviewer's entry is their word on who is who: nothing left to tell apart.
        ambiguous = (
            []
            if self.curated
            else sorted(
                {n for spelling in self.spellings for g in shared_keys(spelling) for n in g}
            )
        )
        return PersonLink(
            key=key,
            name=self.title or ordered[0][0],
            spellings=[Spelling(name=name, records=count) for name, count in ordered],
            records=records,
            curated=self.curated,
            ambiguous=ambiguous,
        )


async def _facts(store: Store, keys: list[str], access: AccessContext) -> dict[str, _Facts]:
    if not keys:
        return {}
    found: dict[str, _Facts] = {}
    aggs = (await store.search(facts_body(keys, access), access))["aggregations"]
    for i, asked in enumerate(keys):
        for bucket in aggs[f"k{i}"]["facts"]["buckets"]:
            key, kind, value = read_person_fact(bucket["key"])
            if key == asked:
                _add(found.setdefault(key, _Facts()), kind, value, bucket["doc_count"])
    return {key: facts for key, facts in found.items() if facts.spellings}


def _add(facts: _Facts, kind: str, value: str, records: int) -> None:
    """One stored fact (`evidence.names.person_fact`) into what is known of its key."""
    if kind == SPELLING:
        facts.spellings[value] = records
    elif kind == ROLE:
        facts.roles.add(value)
    elif kind == CURATED:
        facts.curated = True
    elif kind == TITLE:
        facts.title = value


async def named_persons(
    store: Store,
    access: AccessContext,
    size: int,
    where: dict[str, Any] | None = None,
    leave_out: str | None = None,
) -> tuple[list[PersonLink], int]:
    """The persons named most often in the records `where` selects (every record the
    caller may read without it), with how many records name each, and how many persons
    there are."""
    found = await store.search(keys_body(access, size + 1, where), access)
    aggs = found["aggregations"]
    counts = {key: n for key, n in KEYS.counts(aggs).items() if key != leave_out}
    top = sorted(counts, key=lambda key: (-counts[key], key))[:size]
    facts = await _facts(store, top, access)
    persons = [facts[key].link(key, counts[key]) for key in top if key in facts]
    return persons, int(aggs["distinct"]["value"])


async def pairs_among(
    store: Store, access: AccessContext, persons: list[PersonLink], where: dict[str, Any]
) -> list[Pair]:
    """Which of the first `GRAPH_SIZE` persons the records `where` selects name together,
    and how often; pairs never named together are left out."""
    keys = [person.key for person in persons[:GRAPH_SIZE]]
    if len(keys) < 2:
        return []
    found = await store.search(pairs_body(keys, where, access), access)
    buckets = found["aggregations"]["pairs"]["buckets"]
    pairs = []
    for name, bucket in buckets.items():
        i, j = (int(n) for n in name.split("-"))
        if bucket["doc_count"]:
            pairs.append(Pair(a=keys[i], b=keys[j], records=bucket["doc_count"]))
    return sorted(pairs, key=lambda pair: (-pair.records, pair.a, pair.b))


@dataclass(frozen=True)
class PersonService:
    store: Store
    caller: Caller
    secret: str
    chains: PitChains

    async def index(self) -> PersonIndex:
        """The persons named most often, each with their spellings."""
        persons, total = await named_persons(self.store, self.caller.access, INDEX_SIZE)
        await self.caller.audit("persons.view", total=total)
        return PersonIndex(persons=persons, total=total)

    async def page(self, key: str) -> PersonPage:
        access = self.caller.access
        facts = (await _facts(self.store, [key], access)).get(key)
        if facts is None:
            raise NotFound(N_("No person %(key)s."), key=key)
        spellings = sorted(facts.spellings, key=lambda name: (-facts.spellings[name], name))
        counts = await overview(self.store, person_search(spellings), access)
        # Their own spellings only: the timeline's person filter would also take every
        # longer name holding theirs ("Raslan" in "Anwar Raslan").
        events = await timeline(
            self.store,
            person_timeline(spellings),
            self.caller,
            self.secret,
            self.chains,
            exact_persons=spellings,
        )
        theirs = KEYS.filter([key], access)
        co_persons, _ = await named_persons(
            self.store, access, CO_NAMED_SHOWN, where=theirs, leave_out=key
        )
        pairs = await pairs_among(self.store, access, co_persons, theirs)
        cases = await self.store.search(cases_of(theirs), access)
        case_rows = [
            PersonCase(
                case_no=bucket["key"],
                court=next((c["key"] for c in bucket["court"]["buckets"]), None),
                filings=bucket["doc_count"],
                timeline=query_string(TimelineParams(case=[bucket["key"]])),
            )
            for bucket in cases["aggregations"]["cases"]["buckets"]
        ]
        shown = {"person": key, "cases": [case.case_no for case in case_rows]}
        await self.caller.audit("person.view", params=shown, total=counts.total)
        facets = {facet.name: facet.values for facet in counts.facets}
        return PersonPage(
            person=facts.link(key, counts.total),
            roles=sorted(facts.roles),
            total=counts.total,
            collections=facets.get("collection", []),
            types=facets.get("type", []),
            histogram=counts.histogram,
            timeline=events.entries,
            timeline_total=events.total,
            persons=co_persons,
            pairs=pairs,
            facilities=facets.get("facility", []) + facets.get("hospital", []),
            cases=case_rows,
            search=query_string(search_link(spellings)),
            timeline_link=query_string(timeline_link(spellings)),
        )
