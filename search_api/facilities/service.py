"""Facility pages: the gazetteer's names for one place and what the archive holds from
it. Every count is an aggregation of the search itself (`service.overview`), through
the one store, so what a caller may see, and how it is counted, is the search's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence.errors import N_, NotFound
from evidence.gazetteer import Facility, load_gazetteer
from search_api.deps import Caller
from search_api.facilities.models import (
    CaseOut,
    FacilityCount,
    FacilityIndex,
    FacilityOut,
    FacilityPage,
)
from search_api.facilities.query import (
    cited_here,
    citing_filings,
    facility_filter,
    facility_search,
    facility_timeline,
    filter_name,
    index_search,
)
from search_api.paging import PitChains
from search_api.params import TimelineParams
from search_api.persons.service import named_persons, pairs_among
from search_api.service import overview, timeline
from search_api.store import Store
from search_api.urls import query_string

__all__ = ["FacilityService"]


def known_facility(facility_id: str) -> Facility:
    facility = load_gazetteer().facilities.get(facility_id)
    if facility is None:
        raise NotFound(N_("No facility %(id)s."), id=facility_id)
    return facility


PERSONS_SHOWN = 10


@dataclass(frozen=True)
class FacilityService:
    store: Store
    caller: Caller
    secret: str
    chains: PitChains

    async def index(self) -> FacilityIndex:
        """Every facility of the gazetteer, with how many records the caller may see."""
        counts = await overview(self.store, index_search(), self.caller.access)
        by_facet = {f.name: {v.value: v.count for v in f.values} for f in counts.facets}
        rows = [
            FacilityCount(
                facility=FacilityOut.of(facility),
                records=by_facet.get(filter_name(facility), {}).get(facility.id, 0),
                search=query_string(facility_search(facility)),
            )
            for facility in load_gazetteer().facilities.values()
        ]
        await self.caller.audit("facilities.view", total=counts.total)
        return FacilityIndex(facilities=rows)

    async def page(self, facility_id: str) -> FacilityPage:
        facility = known_facility(facility_id)
        params = facility_search(facility)
        counts = await overview(self.store, params, self.caller.access)
        events = await timeline(
            self.store, facility_timeline(facility), self.caller, self.secret, self.chains
        )
        cases = await self._cases(facility)
        access = self.caller.access
        where = facility_filter(facility, access)
        persons, _ = await named_persons(self.store, access, PERSONS_SHOWN, where=where)
        pairs = await pairs_among(self.store, access, persons, where)
        cited = {"facility": facility.id, "cases": [case.case_no for case in cases]}
        await self.caller.audit("facility.view", params=cited, total=counts.total)
        facets = {facet.name: facet.values for facet in counts.facets}
        return FacilityPage(
            facility=FacilityOut.of(facility),
            total=counts.total,
            collections=facets.get("collection", []),
            types=facets.get("type", []),
            persons=persons,
            pairs=pairs,
            histogram=counts.histogram,
            timeline=events.entries,
            timeline_total=events.total,
            cases=cases,
            search=query_string(params),
            timeline_link=query_string(facility_timeline(facility), size=None),
        )

    async def _cases(self, facility: Facility) -> list[CaseOut]:
        """The cases whose filings (that the caller may see) cite records from the
        facility (that the caller may see), most records cited first."""
        access = self.caller.access
        filings = [hit["_source"] async for hit in self.store.scan(citing_filings(), access)]
        cited = sorted({ref for filing in filings for ref in filing.get("cites_ids", [])})
        if not cited:
            return []
        body = cited_here(cited, facility, access)
        here = {hit["_id"] async for hit in self.store.scan(body, access)}
        cases: dict[str, dict[str, Any]] = {}
        for filing in filings:
            refs = here.intersection(filing.get("cites_ids", []))
            if not refs or not filing.get("case_no"):
                continue
            case = cases.setdefault(
                filing["case_no"], {"court": filing.get("court"), "filings": 0, "cited": set()}
            )
            case["filings"] += 1
            case["cited"] |= refs
        return sorted(
            (
                CaseOut(
                    case_no=case_no,
                    court=case["court"],
                    filings=case["filings"],
                    cited=len(case["cited"]),
                    timeline=query_string(TimelineParams(case=[case_no])),
                )
                for case_no, case in cases.items()
            ),
            key=lambda case: (-case.cited, case.case_no),
        )
