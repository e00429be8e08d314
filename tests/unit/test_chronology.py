"""Fuzzy-date ordering of facts and events, events derived from documents, and the
version a chronology write names."""

import pytest

from evidence.errors import InvalidRequest
from indexer.events import timeline_events
from search_api.chronologies.models import Fact, FactIn, Version, dated, ordered


def _fact(text: str, date: str | None, order: int = 0, fact_id: str = "") -> Fact:
    return dated(FactIn(date=date, text=text), fact_id or f"f-{text}", order, [])


def test_earliest_bound_then_precision_then_order_then_id_and_undated_last() -> None:
    facts = [
        _fact("undated", None),
        _fact("range from March", "2012-03/2012-06"),
        _fact("day", "2012-03-01"),
        _fact("year", "2012"),
        _fact("month", "2012-03"),
        _fact("approximate day", "circa:2012-03-01", order=1),
        _fact("later day", "2012-03-02"),
        _fact("b", "2011", fact_id="f-b"),
        _fact("a", "2011", fact_id="f-a"),
    ]
    assert [f.text for f in ordered(facts)] == [
        "a",
        "b",
        "year",
        "day",
        "approximate day",
        "month",
        "range from March",
        "later day",
        "undated",
    ]


def test_order_is_deterministic_whatever_the_input_order() -> None:
    facts = [_fact(str(i), "2013-01" if i % 2 else "2013", order=i % 3) for i in range(12)]
    assert ordered(facts) == ordered(list(reversed(facts)))


def test_a_photo_yields_one_event_grouped_by_body_and_undated_is_kept() -> None:
    photo = {
        "stable_id": "ph-x",
        "record_type": "photo",
        "collection": "caesar",
        "title": "Photo 1",
        "local_id": "1",
        "body_id": "B-1",
        "date": None,
        "findings": "marks",
        "confidentiality": "public",
        "sha256": "ab" * 32,
    }
    (event,) = timeline_events(photo)
    assert event["group_key"] == "caesar:B-1"
    assert event["date"] is None and event["precision_rank"] == 9
    assert event["citation"] == {"stable_id": "ph-x", "page": None, "sha256": "ab" * 32}


def test_a_testimony_yields_its_interview_and_each_event_in_sequence() -> None:
    testimony = {
        "stable_id": "te-x",
        "record_type": "testimony",
        "collection": "t",
        "title": "T",
        "witness_pseudonym": "Z-1",
        "confidentiality": "restricted",
        "pages": [{"n": 1}],
        "interview_date": {
            "earliest": "2019-06-01",
            "latest": "2019-06-30",
            "precision": "month",
            "approximate": False,
            "text": "2019-06",
        },
        "events": [
            {"seq": 1, "date": None, "description": "arrest", "facilities": ["branch-215"]},
            {"seq": 2, "date": None, "description": "transfer", "facilities": []},
        ],
        "persons": [],
        "protected": {"persons": [{"name": "x", "role": "victim"}]},
    }
    events = timeline_events(testimony)
    assert [(e["kind"], e["seq"]) for e in events] == [
        ("interview", 1),
        ("testimony_event", 2),
        ("testimony_event", 3),
    ]
    assert events[1]["facilities"] == ["branch-215"]
    assert events[0]["citation"]["page"] == 1
    assert all(e["confidentiality"] == "restricted" for e in events)
    assert "x" not in str([e["persons"] for e in events])


def test_a_filing_yields_filed_and_issued_or_one_undated_event() -> None:
    base = {
        "stable_id": "fi-x",
        "record_type": "filing",
        "collection": "f",
        "title": "F",
        "court": "Koblenz",
        "doc_type": "judgment",
        "outcome": "life",
        "confidentiality": "public",
    }
    day = {
        "earliest": "2022-01-13",
        "latest": "2022-01-13",
        "precision": "day",
        "approximate": False,
        "text": "2022-01-13",
    }
    both = timeline_events(base | {"date_filed": day, "date_issued": day})
    assert [e["kind"] for e in both] == ["filed", "issued"]
    assert both[1]["description"] == "Judgment issued by Koblenz: life"
    (undated,) = timeline_events(base)
    assert undated["kind"] == "issued" and undated["date"] is None


def test_a_version_reads_back_as_written() -> None:
    assert str(Version(12, 3)) == "12.3"
    assert Version.parse("12.3") == Version(12, 3)
    assert Version.parse("0.1") == Version(0, 1)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "7", "1.2.3", "-1.1", "1.0", " 1.1", "1_0.1", "\u0661.\u0661", "1" * 19 + ".1"],
)
def test_anything_else_is_refused_as_a_bad_request(text: str) -> None:
    with pytest.raises(InvalidRequest, match="version must be"):
        Version.parse(text)
