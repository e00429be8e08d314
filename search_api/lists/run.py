"""The list-search job's work: every entry searched as its owner, in `_msearch` batches.

Each entry runs as `/search?mode=keyword` would run it for the list's owner (the same
builder, the same access), so its total is the one a single search shows. The worker
calls `run_list`; the API only queues it and reads what it wrote. Between batches the
job reads its document: a list its owner cancelled (`cancel_requested`, a field only
the owner writes, so the job's own writes never undo it) stops there, keeping what ran.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from evidence.access import AccessContext, Role
from evidence.names import shared_keys
from search_api.audit import Auditor
from search_api.explain import matched_spellings
from search_api.lists.roster import Entry, Kind
from search_api.lists.store import ListStore
from search_api.query import build_search
from search_api.readable import readable_source
from search_api.store import Store
from search_api.syntax import parse_query
from search_api.urls import query_string

__all__ = ["BATCH", "TOP", "entry_body", "run_list", "shape_result"]

BATCH = 100  # entries per `_msearch`
TOP = 5  # records kept per entry
_SPREAD = {
    "collections": {"terms": {"field": "collection", "size": 100}},
    "types": {"terms": {"field": "record_type", "size": 10}},
}
ENDED = ("done", "cancelled")  # a failed list runs again when an admin retries its job


def entry_body(entry: Entry, access: AccessContext) -> dict[str, Any]:
    """The entry's search: the keyword search's query (filters inside it), its top
    records, and its counts per collection and record type."""
    params = entry.params().model_copy(update={"size": TOP})
    return build_search(params, access, with_aggregations=False) | {"aggs": _SPREAD}


def _counts(aggregation: dict[str, Any]) -> dict[str, int]:
    return {bucket["key"]: bucket["doc_count"] for bucket in aggregation["buckets"]}


def shape_result(entry: Entry, response: dict[str, Any], access: AccessContext) -> dict[str, Any]:
    """One row of the results table, holding only what the owner may read."""
    parsed = parse_query(entry.query)
    top = []
    for hit in response["hits"]["hits"]:
        source = readable_source(hit["_source"], access)
        spellings = matched_spellings(parsed, hit["_source"], access)
        top.append(
            {
                "stable_id": source["stable_id"],
                "title": source.get("title"),
                "record_type": source["record_type"],
                "collection": source["collection"],
                "date": (source.get("date") or {}).get("text"),
                "matched": spellings,
            }
        )
    # Names and numbers spelled as written rank first, then other spellings.
    top.sort(key=lambda record: bool(record["matched"]))
    aggregations = response.get("aggregations", {})
    return {
        "line": entry.line,
        "entry_id": entry.entry_id,
        "kind": entry.kind.value,
        "text": entry.text,
        "total": response["hits"]["total"]["value"],
        "collections": _counts(aggregations["collections"]) if aggregations else {},
        "types": _counts(aggregations["types"]) if aggregations else {},
        "top": top,
        "shared_keys": [list(names) for names in shared_keys(entry.text)]
        if entry.kind is Kind.PERSON
        else [],
        "search": "/" + query_string(entry.params()),
    }


@dataclass
class Tally:
    done: int = 0
    matched: int = 0
    records: int = 0

    def add(self, results: list[dict[str, Any]]) -> None:
        self.done += len(results)
        self.matched += sum(1 for result in results if result["total"])
        self.records += sum(result["total"] for result in results)


async def run_list(
    store: Store,
    lists: ListStore,
    auditor: Auditor,
    list_id: str,
) -> str:
    """Run list `list_id` from its first entry; its final status. A run that starts
    again (a retry) writes each entry's result over the earlier attempt's."""
    document = await lists.read(list_id)
    if document is None:
        return "missing"
    if document["status"] in ENDED:
        return str(document["status"])
    access = AccessContext(Role(document["role"]), document["owner"])
    entries = [Entry.from_stored(stored) for stored in document["entries"]]
    await lists.update(list_id, {"status": "running", "done": 0})
    tally = Tally()
    status = "done"
    batches = [entries[start : start + BATCH] for start in range(0, len(entries), BATCH)]

    def searched(batch: list[Entry]) -> asyncio.Task[list[dict[str, Any]]]:
        bodies = [entry_body(entry, access) for entry in batch]
        return asyncio.create_task(store.msearch(bodies, access))

    # The next batch is searched while this one is shaped and written.
    following = searched(batches[0]) if batches else None
    for number, batch in enumerate(batches):
        assert following is not None
        responses = await following
        following = searched(batches[number + 1]) if number + 1 < len(batches) else None
        if await lists.cancel_requested(list_id):
            status = "cancelled"
            if following is not None:
                following.cancel()
            break
        results = [
            shape_result(entry, response, access)
            for entry, response in zip(batch, responses, strict=True)
        ]
        await lists.write_results(list_id, results)
        tally.add(results)
        progress = {"done": tally.done, "matched": tally.matched, "records": tally.records}
        await lists.update(list_id, progress, seen=False)
    await auditor.record(
        "list_search",
        access,
        document.get("client") or "worker",
        params={
            "list": list_id,
            "sha256": document["sha256"],
            "rows": document["rows"],
            "entries_run": tally.done,
            "entries_matched": tally.matched,
            "status": status,
        },
        total=tally.records,
    )
    await lists.results_written()
    await lists.update(list_id, {"status": status})
    return status
