"""Case pages: what the archive holds about one case, as the caller may read it. A case
is its filings the caller may see: one they may not see adds nothing, and a case none of
whose filings they may see is a 404, exactly as a case number nobody has."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from evidence.errors import N_, NotFound
from search_api.cases.models import CaseFiling, CasePage, CitedExhibit, CitedRecord, Defendant
from search_api.cases.query import case_filings, case_timeline, cited_records
from search_api.chronologies.service import ChronologyService
from search_api.deps import Caller
from search_api.paging import PitChains
from search_api.readable import readable_source
from search_api.service import timeline
from search_api.store import Store
from search_api.urls import query_string

__all__ = ["CaseService"]


@dataclass(frozen=True)
class CaseService:
    store: Store
    caller: Caller
    secret: str
    chains: PitChains
    chronologies: ChronologyService

    async def _read(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Records as the caller may read them, each with every person they may read."""
        access = self.caller.access
        found = []
        async for hit in self.store.scan(body, access):
            source = hit["_source"]
            protected = source.get("protected", {}).get("persons", [])
            found.append(
                readable_source(source, access) | {"persons": source.get("persons", []) + protected}
            )
        return found

    async def page(self, case_no: str) -> CasePage:
        access = self.caller.access
        filings = await self._read(case_filings(case_no, access))
        if not filings:
            raise NotFound(N_("No case %(case)s."), case=case_no)
        cites = Counter(ref for filing in filings for ref in set(filing.get("cites_ids", [])))
        cited = await self._read(cited_records(sorted(cites), access)) if cites else []
        exhibits: dict[str, list[CitedExhibit]] = {}
        for chronology, exhibit in await self.chronologies.exhibits_of(
            {record["stable_id"] for record in cited}
        ):
            exhibits.setdefault(exhibit.stable_id, []).append(
                CitedExhibit(
                    label=exhibit.label,
                    chronology_id=chronology.id,
                    chronology_title=chronology.title,
                )
            )
        events = await timeline(
            self.store, case_timeline(case_no), self.caller, self.secret, self.chains
        )
        # One defendant written in two scripts is one person: kept once, by the key stored
        # with them (a withheld name has none the reader may follow).
        keys = {p["name"]: p.get("key", "") for f in filings for p in f["persons"]}
        by_key: dict[str, str] = {}
        for name in (name for f in filings for name in f.get("defendants", [])):
            by_key.setdefault(keys.get(name) or name, name)
        # The latest dated filing that states an outcome (undated ones sort last).
        stated = [f for f in filings if f.get("outcome")]
        latest = [f for f in stated if f.get("date")] or stated
        await self.caller.audit(
            "case.view",
            params={
                "case": case_no,
                "chronologies": sorted(
                    {e.chronology_id for found in exhibits.values() for e in found}
                ),
            },
            record_ids=[f["stable_id"] for f in filings] + [r["stable_id"] for r in cited],
            total=len(filings),
        )
        return CasePage(
            case_no=filings[0].get("case_no") or case_no,
            courts=sorted({f["court"] for f in filings if f.get("court")}),
            defendants=[Defendant(name=name, key=keys.get(name, "")) for name in by_key.values()],
            outcome=latest[-1]["outcome"] if latest else None,
            filings=[CaseFiling.model_validate(filing) for filing in filings],
            cited=sorted(
                (
                    CitedRecord.model_validate(
                        record
                        | {
                            "cited_by": cites[record["stable_id"]],
                            "exhibits": exhibits.get(record["stable_id"], []),
                        }
                    )
                    for record in cited
                ),
                key=lambda record: (-record.cited_by, record.stable_id),
            ),
            timeline=events.entries,
            timeline_total=events.total,
            timeline_link=query_string(case_timeline(case_no), size=None),
        )
