"""Person pages: the spellings of one person's name found in the records the caller may
read, grouped by their cross-script key, and what those records hold. Every count is an
aggregation through the one store, on the search's Person fields for the caller's role:
a protected person (a witness, a victim, family) is not among a lower role's names, so
their key is a 404 for that role, exactly as a key nobody has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence.errors import N_, NotFound
from evidence.names import shared_keys
from search_api.deps import Caller
from search_api.paging import PitChains
from search_api.params import TimelineParams
from search_api.persons.models import PersonCase, PersonIndex, PersonLink, PersonPage, Spelling
from search_api.persons.query import (
    PERSON,
    cases_of,
    co_named,
    grouped,
    names_body,
    person_search,
    person_timeline,
    roles_body,
    search_link,
    timeline_link,
)
from search_api.service import overview, timeline
from search_api.store import Store
from search_api.urls import query_string

__all__ = ["PersonService"]

INDEX_SIZE = 200
CO_NAMED_SHOWN = 15


def _link(key: str, names: dict[str, int], records: int | None = None) -> PersonLink:
    ordered = sorted(names.items(), key=lambda item: (-item[1], item[0]))
    ambiguous = sorted(
        {name for spelling in names for group in shared_keys(spelling) for name in group}
    )
    return PersonLink(
        key=key,
        name=ordered[0][0],
        spellings=[Spelling(name=name, records=count) for name, count in ordered],
        records=records if records is not None else sum(names.values()),
        ambiguous=ambiguous,
    )


@dataclass(frozen=True)
class PersonService:
    store: Store
    caller: Caller
    secret: str
    chains: PitChains

    async def _groups(self) -> dict[str, dict[str, int]]:
        access = self.caller.access
        aggs = (await self.store.search(names_body(access), access))["aggregations"]
        return grouped(PERSON.counts(aggs))

    async def index(self) -> PersonIndex:
        """The persons named most often, each with their spellings."""
        groups = await self._groups()
        persons = sorted(
            (_link(key, names) for key, names in groups.items()),
            key=lambda person: (-person.records, person.key),
        )
        await self.caller.audit("persons.view", total=len(groups))
        return PersonIndex(persons=persons[:INDEX_SIZE], total=len(groups))

    async def page(self, key: str) -> PersonPage:
        names = (await self._groups()).get(key)
        if not names:
            raise NotFound(N_("No person %(key)s."), key=key)
        access = self.caller.access
        spellings = [name for name, _ in sorted(names.items(), key=lambda n: (-n[1], n[0]))]
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
        named_with = await self.store.search(co_named(spellings, access), access)
        cases = await self.store.search(cases_of(spellings, access), access)
        roles = await self._roles(spellings, names)
        others = grouped(PERSON.counts(named_with["aggregations"]))
        others.pop(key, None)
        co_persons = sorted(
            (_link(other, found) for other, found in others.items()),
            key=lambda person: (-person.records, person.key),
        )[:CO_NAMED_SHOWN]
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
            person=_link(key, names, counts.total),
            roles=roles,
            total=counts.total,
            collections=facets.get("collection", []),
            types=facets.get("type", []),
            histogram=counts.histogram,
            timeline=events.entries,
            timeline_total=events.total,
            persons=co_persons,
            facilities=facets.get("facility", []) + facets.get("hospital", []),
            cases=case_rows,
            search=query_string(search_link(spellings)),
            timeline_link=query_string(timeline_link(spellings)),
        )

    async def _roles(self, spellings: list[str], names: dict[str, int]) -> list[str]:
        """The roles the records give this person: read from each record's own person
        list, since a record's roles may be other persons'."""
        access = self.caller.access
        roles: set[str] = set()
        async for hit in self.store.scan(roles_body(spellings, access), access):
            source: dict[str, Any] = hit["_source"]
            listed = source.get("persons", []) + source.get("protected", {}).get("persons", [])
            roles |= {p["role"] for p in listed if p.get("name") in names and p.get("role")}
        return sorted(roles)
