"""The graph of who appears with whom (issue 24) as geometry: what the template draws."""

import math

from search_api.persons.graph import (
    GRAPH_HEIGHT,
    GRAPH_WIDTH,
    RADIUS,
    THICKEST,
    THINNEST,
    co_mention_graph,
)
from search_api.persons.models import Pair, PersonLink, Spelling


def _person(key: str, name: str, records: int) -> PersonLink:
    return PersonLink(
        key=key, name=name, spellings=[Spelling(name=name, records=records)], records=records
    )


def test_no_one_named_with_them_draws_nothing() -> None:
    assert co_mention_graph([], [], 10) is None


def test_persons_sit_on_a_circle_and_lines_scale_with_their_records() -> None:
    persons = [_person(f"p{i}", f"Person {i}", 12 - i) for i in range(12)]
    pairs = [Pair(a="p0", b="p1", records=3), Pair(a="p0", b="p11", records=9)]
    graph = co_mention_graph(persons, pairs, 10)
    assert graph is not None
    assert [node.key for node in graph.nodes] == [f"p{i}" for i in range(10)]
    for node in graph.nodes:
        distance = math.hypot(node.x - GRAPH_WIDTH / 2, node.y - GRAPH_HEIGHT / 2)
        assert abs(distance - RADIUS) < 0.2
    first = graph.nodes[0]
    assert first.x == GRAPH_WIDTH / 2 and first.anchor == "middle"  # at the top
    central = [edge for edge in graph.edges if edge.from_center]
    assert [edge.records for edge in central] == [12 - i for i in range(10)]
    assert central[0].width == THICKEST and central[-1].width < central[0].width
    # A pair with a person not drawn (p11) is not drawn either.
    (pair,) = [edge for edge in graph.edges if not edge.from_center]
    assert (pair.a_key, pair.b_key, pair.records) == ("p0", "p1", 3)
    assert THINNEST < pair.width < THICKEST


def test_labels_are_shortened_and_arabic_names_run_right_to_left() -> None:
    long_name = "Abd al-Rahman Muhammad Khalil al-Hasan"
    graph = co_mention_graph([_person("a", long_name, 2), _person("b", "محمد الحسن", 1)], [], 10)
    assert graph is not None
    latin, arabic = graph.nodes
    assert latin.name == long_name and latin.label.endswith("…") and len(latin.label) == 26
    assert (latin.direction, arabic.direction) == ("ltr", "rtl")
    assert arabic.anchor == "middle" and arabic.y > GRAPH_HEIGHT / 2  # at the bottom
