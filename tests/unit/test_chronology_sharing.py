"""Who may do what with a shared chronology, how a change becomes history, and how a
move treats facts the mover cannot see (pure: no node)."""

from __future__ import annotations

from typing import Any

import pytest

from evidence.errors import InvalidRequest
from search_api.chronologies.models import Fact, FactIn, dated, ordered, right_of
from search_api.chronologies.service import _moved, _recorded


def _source(**shares: str) -> dict[str, Any]:
    return {"owner": "amal", "shares": [{"team": t, "role": r} for t, r in shares.items()]}


@pytest.mark.parametrize(
    ("shares", "member_roles", "expected"),
    [
        ({"koblenz": "editor"}, {"koblenz": "editor"}, "editor"),
        ({"koblenz": "editor"}, {"koblenz": "viewer"}, "viewer"),
        ({"koblenz": "viewer"}, {"koblenz": "editor"}, "viewer"),
        (
            {"koblenz": "viewer", "paris": "editor"},
            {"koblenz": "editor", "paris": "editor"},
            "editor",
        ),
        ({"koblenz": "editor"}, {"paris": "editor"}, None),
        ({}, {"koblenz": "editor"}, None),
    ],
)
def test_a_members_right_is_the_weaker_of_share_and_team_role_across_teams(
    shares: dict[str, str], member_roles: dict[str, Any], expected: str | None
) -> None:
    assert right_of(_source(**shares), "omar", False, member_roles) == expected


def test_the_owner_and_admins_come_before_any_team() -> None:
    assert right_of(_source(koblenz="viewer"), "amal", False, {"koblenz": "viewer"}) == "owner"
    assert right_of(_source(), "boss", True, {}) == "admin"
    assert right_of(_source(), None, False, {}) is None


def _stored(fact_id: str, text: str, date: str = "2012", order: int = 0) -> dict[str, Any]:
    return dated(FactIn(date=date, text=text), fact_id, order, []).model_dump(mode="json")


def test_an_edit_is_recorded_with_who_before_and_after_and_stamps_the_fact() -> None:
    old = [_stored("f-1", "first")]
    new = [_stored("f-1", "second")]
    facts, entries = _recorded(old, new, "edit", "omar")
    (entry,) = entries
    assert (entry["action"], entry["by"], entry["fact_id"]) == ("edit", "omar", "f-1")
    assert (entry["before"]["text"], entry["after"]["text"]) == ("first", "second")
    assert facts[0]["changed_by"] == "omar" and facts[0]["added_by"] is None


def test_an_add_and_a_delete_are_recorded_and_an_unchanged_fact_is_not() -> None:
    old = [_stored("f-1", "kept"), _stored("f-2", "gone")]
    new = [_stored("f-1", "kept"), _stored("f-3", "new")]
    facts, entries = _recorded(old, new, "add", "amal")
    assert sorted((e["action"], e["fact_id"]) for e in entries) == [
        ("add", "f-3"),
        ("delete", "f-2"),
    ]
    added = next(f for f in facts if f["fact_id"] == "f-3")
    assert added["added_by"] == "amal" and added["changed_by"] is None


def test_a_move_records_the_moved_fact_only_though_its_neighbours_are_renumbered() -> None:
    old = [_stored("f-1", "a", order=0), _stored("f-2", "b", order=0), _stored("f-3", "c", order=0)]
    moved = _moved({"facts": old}, "f-3", "up", lambda fact: True)
    facts, entries = _recorded(old, moved["facts"], "move", "omar", moved="f-3")
    assert [(e["action"], e["fact_id"]) for e in entries] == [("move", "f-3")]
    assert all(f["changed_by"] is None for f in facts)


def test_a_restored_fact_keeps_who_added_it_and_says_who_restored_it() -> None:
    earlier = _stored("f-1", "first") | {
        "added_by": "amal",
        "added_at": "2026-12-01T00:00:00+00:00",
    }
    facts, entries = _recorded([], [earlier], "restore", "omar")
    assert (facts[0]["added_by"], facts[0]["changed_by"]) == ("amal", "omar")
    assert entries[0]["action"] == "restore"


def test_a_move_skips_facts_the_mover_cannot_see() -> None:
    facts = [_stored("f-a", "a", order=0), _stored("f-h", "hidden", order=1)]
    facts.append(_stored("f-b", "b", order=2))

    def shown(fact: Fact) -> bool:
        return fact.fact_id != "f-h"

    moved = _moved({"facts": facts}, "f-b", "up", shown)
    texts = [f.text for f in ordered([Fact.model_validate(f) for f in moved["facts"]])]
    assert texts == ["b", "hidden", "a"]  # swapped with the neighbour they see
    with pytest.raises(InvalidRequest):
        _moved({"facts": facts}, "f-a", "up", shown)
