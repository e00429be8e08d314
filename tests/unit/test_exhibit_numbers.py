"""Exhibit numbers (pure: no node): given once and kept when facts move, renumbered only
on request, and counted for each reader among the exhibits they may see, so no gap
says where a record above their role stands."""

from __future__ import annotations

from typing import Any

import pytest

from evidence.access import AccessContext, Role
from evidence.errors import InvalidRequest
from search_api.chronologies.models import Citation, FactIn, Version, check_prefix, dated
from search_api.chronologies.service import _first_cited, _numbered, _shape

JOURNALIST = AccessContext(Role.JOURNALIST, "omar")
ADMIN = AccessContext(Role.ADMIN, "boss")


def _fact(fact_id: str, date: str, *cited: str, by: str = "amal") -> dict[str, Any]:
    citations = [Citation(stable_id=stable_id, title=stable_id.upper()) for stable_id in cited]
    fact = dated(FactIn(date=date, text=f"fact {fact_id}"), fact_id, 0, citations)
    return fact.model_dump(mode="json") | {"added_by": by}


def _source(*facts: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "title": "Branch 215",
        "owner": "amal",
        "created": "2026-12-01",
        "updated": "2026-12-01",
        "facts": list(facts),
    } | extra


def _numbers(source: dict[str, Any]) -> dict[str, int]:
    return {row["stable_id"]: row["number"] for row in source["exhibits"]}


def _read(source: dict[str, Any], visible: set[str], access: AccessContext) -> list[str]:
    records = {stable_id: {"title": stable_id.upper()} for stable_id in visible}
    chronology = _shape("ch-1", source, Version(1, 1), "viewer", records, access)
    return [f"{e.label} {e.stable_id} facts {e.facts}" for e in chronology.exhibits]


def test_records_are_numbered_in_the_order_first_cited_and_keep_their_number() -> None:
    source = _numbered(
        _source(_fact("f-2", "2013", "ph-b", "ph-a"), _fact("f-1", "2012", "ph-c")), "amal"
    )
    assert _numbers(source) == {"ph-c": 1, "ph-b": 2, "ph-a": 3}
    # A fact moved before the others, and a new record cited first of all: old numbers stay.
    moved = source | {"facts": [*source["facts"], _fact("f-0", "2010", "ph-d", "ph-a")]}
    again = _numbered(moved, "omar")
    assert _numbers(again) == {"ph-c": 1, "ph-b": 2, "ph-a": 3, "ph-d": 4}
    assert _numbered(again, "omar") is again  # nothing new: no write needed


def test_renumbering_follows_the_chronology_and_drops_records_no_longer_cited() -> None:
    source = _numbered(_source(_fact("f-1", "2013", "ph-x"), _fact("f-2", "2012", "ph-y")), "amal")
    assert _numbers(source) == {"ph-y": 1, "ph-x": 2}
    source["facts"].append(_fact("f-3", "2011", "ph-z"))
    assert _first_cited(source) == ["ph-z", "ph-y", "ph-x"]


def test_a_reader_counts_only_the_exhibits_they_may_see() -> None:
    source = _numbered(
        _source(
            _fact("f-1", "2011", "public-a"),
            _fact("f-2", "2012", "sealed-b"),
            _fact("f-3", "2013", "public-c", "sealed-b"),
            _fact("f-4", "2014", "public-c"),
            _fact("f-5", "2015", "public-d"),
        ),
        "amal",
    )
    assert _numbers(source) == {"public-a": 1, "sealed-b": 2, "public-c": 3, "public-d": 4}
    everything = {"public-a", "sealed-b", "public-c", "public-d"}
    assert _read(source, everything, ADMIN) == [
        "EX-001 public-a facts [1]",
        "EX-002 sealed-b facts [2, 3]",
        "EX-003 public-c facts [3, 4]",
        "EX-004 public-d facts [5]",
    ]
    # The journalist reads exactly what a chronology without the sealed record would give.
    shown = _read(source, everything - {"sealed-b"}, JOURNALIST)
    assert shown == [
        "EX-001 public-a facts [1]",
        "EX-002 public-c facts [2]",
        "EX-003 public-d facts [3]",
    ]
    without = _numbered(
        _source(
            _fact("f-1", "2011", "public-a"),
            _fact("f-4", "2014", "public-c"),
            _fact("f-5", "2015", "public-d"),
        ),
        "amal",
    )
    assert _read(without, everything - {"sealed-b"}, JOURNALIST) == shown


def test_a_record_cited_only_by_facts_a_reader_cannot_see_is_not_counted_for_them() -> None:
    source = _numbered(
        _source(_fact("f-1", "2011", "public-a", "sealed-b"), _fact("f-2", "2012", "public-c")),
        "amal",
    )
    assert _read(source, {"public-a", "public-c"}, JOURNALIST) == ["EX-001 public-c facts [1]"]


def test_an_exhibit_no_longer_cited_keeps_its_gap_so_later_numbers_hold() -> None:
    source = _numbered(_source(_fact("f-1", "2011", "ph-a"), _fact("f-2", "2012", "ph-b")), "amal")
    source["facts"] = [f for f in source["facts"] if f["fact_id"] != "f-1"]
    assert _read(source, {"ph-a", "ph-b"}, ADMIN) == ["EX-002 ph-b facts [1]"]


def test_a_prefix_is_chosen_per_case() -> None:
    source = _numbered(_source(_fact("f-1", "2011", "ph-a")), "amal") | {"exhibit_prefix": "K215"}
    assert _read(source, {"ph-a"}, ADMIN) == ["K215-001 ph-a facts [1]"]
    assert check_prefix(" k215 ") == "K215"
    for bad in ("", "215", "EX-1", "A" * 13, "É"):
        with pytest.raises(InvalidRequest):
            check_prefix(bad)


def test_a_withdrawn_exhibit_leaves_no_gap_for_a_reader_who_cannot_see_its_record() -> None:
    source = _numbered(
        _source(_fact("f-1", "2011", "ph-sealed"), _fact("f-2", "2012", "ph-public")), "amal"
    )
    source["facts"] = [f for f in source["facts"] if f["fact_id"] != "f-1"]
    assert _read(source, {"ph-sealed", "ph-public"}, ADMIN) == ["EX-002 ph-public facts [1]"]
    assert _read(source, {"ph-public"}, JOURNALIST) == ["EX-001 ph-public facts [1]"]
