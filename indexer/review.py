"""The redaction review: every span withheld from a bundle's public text and every near
miss, kept per bundle in `{prefix}-redactions` after each load, rebuild and upload, with
what changed since the bundle's previous load.

Rows are compared by where they are and what they say, not by their offset alone: a row
is keyed by (file, record, field, page, the form folded, its occurrence among equal
forms there), so a span in text that did not change keeps its key even when an edit
elsewhere in the record moves it. A near miss that a new withheld span now covers (an
alias was added, say) is reported as such, not as one span gone and one new.

The rows name protected people and their protected values: admins only.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from evidence.indices import ensure_plain_index_sync, redactions_index
from evidence.spreadsheet import formula_safe_row
from indexer.report import LoadReport, Withheld

__all__ = [
    "ROW_LIMIT",
    "Changes",
    "by_rule",
    "compare",
    "keep_review",
    "review_rows",
    "stored_review",
    "write_rows",
]

Row = dict[str, Any]
WITHHELD, NEAR_MISS = "withheld", "near miss"
# Rows kept per bundle, and per kind of change: a document stays far below the node's
# request limit however a bundle is written. Counts are always complete.
ROW_LIMIT = 50_000


def review_rows(report: LoadReport) -> list[Row]:
    """The report's review rows, without the bundle's path."""
    return [{k: v for k, v in asdict(row).items() if k != "bundle"} for row in report.review]


def by_rule(rows: Iterable[Row]) -> list[tuple[str, int]]:
    """Withheld spans per rule, most first."""
    return Counter(row["rule"] for row in rows if row["kind"] == WITHHELD).most_common()


def _location(row: Row) -> tuple[str, str, str, int]:
    page = row["page"] if row["page"] is not None else 0
    return (row["file"], row["local_id"], row["field"], page)


def _keyed(rows: Iterable[Row], kind: str) -> dict[tuple[Any, ...], Row]:
    """Rows of `kind` by (location, folded form, occurrence of that form there)."""
    seen: Counter[tuple[Any, ...]] = Counter()
    keyed: dict[tuple[Any, ...], Row] = {}
    for row in sorted(
        (r for r in rows if r["kind"] == kind), key=lambda r: (_location(r), r["offset"])
    ):
        base = (*_location(row), row["form"].casefold())
        keyed[(*base, seen[base])] = row
        seen[base] += 1
    return keyed


def _covers(withheld: Row, miss: Row) -> bool:
    start = withheld["offset"]
    return _location(withheld) == _location(miss) and start <= miss["offset"] < start + len(
        withheld["form"]
    )


@dataclass(frozen=True)
class Changes:
    """What a reload changed in a bundle's review."""

    newly_withheld: list[Row]
    no_longer_withheld: list[Row]
    # (the near miss before, the span that withholds it now)
    near_misses_withheld: list[tuple[Row, Row]]
    new_near_misses: list[Row]
    near_misses_gone: list[Row]

    def counts(self) -> dict[str, int]:
        return {f.name: len(getattr(self, f.name)) for f in fields(self)}

    def summary(self) -> str:
        counts = self.counts()
        return (
            f"{counts['newly_withheld']} newly withheld, "
            f"{counts['no_longer_withheld']} no longer withheld, "
            f"{counts['near_misses_withheld']} near misses now withheld, "
            f"{counts['new_near_misses']} new near misses, "
            f"{counts['near_misses_gone']} near misses gone"
        )

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"counts": self.counts()}
        for f in fields(self):
            rows = getattr(self, f.name)[:ROW_LIMIT]
            if f.name == "near_misses_withheld":
                rows = [{"near_miss": miss, "withheld": span} for miss, span in rows]
            document[f.name] = rows
        return document


def compare(previous: list[Row], current: list[Row]) -> Changes:
    """What changed from `previous` rows to `current` ones."""
    old_withheld, new_withheld = _keyed(previous, WITHHELD), _keyed(current, WITHHELD)
    old_misses, new_misses = _keyed(previous, NEAR_MISS), _keyed(current, NEAR_MISS)
    added = [row for key, row in new_withheld.items() if key not in old_withheld]
    now_withheld: list[tuple[Row, Row]] = []
    gone: list[Row] = []
    for key, miss in old_misses.items():
        if key in new_misses:
            continue
        cover = next((span for span in added if _covers(span, miss)), None)
        if cover is None:
            gone.append(miss)
        else:
            now_withheld.append((miss, cover))
    covering = {id(span) for _, span in now_withheld}
    return Changes(
        newly_withheld=[row for row in added if id(row) not in covering],
        no_longer_withheld=[row for key, row in old_withheld.items() if key not in new_withheld],
        near_misses_withheld=now_withheld,
        new_near_misses=[row for key, row in new_misses.items() if key not in old_misses],
        near_misses_gone=gone,
    )


def _same_bundle(
    es: Elasticsearch, index: str, collection: str, root: Path
) -> dict[str, Any] | None:
    """The latest review of the same bundle kept elsewhere: same collection, same folder
    name. An upload is unpacked into a new folder each time, and a bundle may move."""
    found = es.search(
        index=index,
        query={
            "bool": {
                "filter": [
                    {"term": {"collection": collection}},
                    {"term": {"folder": root.resolve().name}},
                ]
            }
        },
        sort=[{"loaded_at": "desc"}],
        size=1,
    )
    hits = found["hits"]["hits"]
    return dict(hits[0]["_source"]) if hits else None


def keep_review(
    es: Elasticsearch,
    prefix: str,
    bundle_id: str,
    collection: str,
    root: Path,
    report: LoadReport,
    writer: dict[str, str] | None,
) -> Changes | None:
    """Store the bundle's review under `bundle_id`, with what changed since the one
    stored before (its own, else that of the same collection and folder name: the same
    bundle uploaded again); returns those changes (None at a bundle's first load)."""
    index = ensure_plain_index_sync(es, redactions_index(prefix), "redactions")
    found = es.options(ignore_status=404).get(index=index, id=bundle_id)
    previous = found["_source"] if found.get("found") else _same_bundle(es, index, collection, root)
    rows = review_rows(report)
    changes = compare(previous["rows"], rows) if previous else None
    withheld = sum(1 for row in rows if row["kind"] == WITHHELD)
    document: dict[str, Any] = {
        "collection": collection,
        "path": str(root.resolve()),
        "folder": root.resolve().name,
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "previous_loaded_at": previous["loaded_at"] if previous else None,
        "records": report.read,
        "withheld": withheld,
        "near_misses": len(rows) - withheld,
        "by_rule": [{"rule": rule, "count": count} for rule, count in by_rule(rows)],
        "changes": changes.as_document() if changes else None,
        "rows": rows[:ROW_LIMIT],
        "rows_kept": min(len(rows), ROW_LIMIT),
    }
    if writer is not None:
        document["writer"] = writer
    es.index(index=index, id=bundle_id, document=document, refresh=True)
    return changes


def stored_review(es: Elasticsearch, prefix: str, bundle_id: str) -> dict[str, Any] | None:
    """The review kept for a bundle, or None."""
    found = es.options(ignore_status=404).get(index=redactions_index(prefix), id=bundle_id)
    source: dict[str, Any] | None = found.get("_source") if found.get("found") else None
    return source


def write_rows(report: LoadReport, path: Path | None) -> None:
    """The report's review rows, each naming its bundle: NDJSON, or CSV when `path` ends
    in `.csv`; standard output (NDJSON) when None."""
    rows = [asdict(row) for row in report.review]
    if path is None:
        sys.stdout.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        if path.suffix == ".csv":
            writer = csv.DictWriter(out, fieldnames=[f.name for f in fields(Withheld)])
            writer.writeheader()
            writer.writerows(formula_safe_row(row) for row in rows)
        else:
            out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
