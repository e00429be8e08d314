"""The graph of who appears with whom as SVG geometry, computed here so templates only
draw (`_macros.html`, `co_mentions`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from search_api.persons.models import Pair, PersonLink
from search_api.text import block_direction

__all__ = ["Edge", "Graph", "Node", "co_mention_graph"]

# The graph: the page's person or facility in the middle, the persons named with it on a
# circle around it, the width of each line its share of the most records any line has.
GRAPH_WIDTH, GRAPH_HEIGHT, RADIUS = 720, 440, 150
LABEL_GAP, LABEL_CHARACTERS = 14, 26
THINNEST, THICKEST = 1.0, 8.0


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    label: str  # shortened to fit; `name` is whole
    name: str
    key: str
    records: int
    label_x: float
    label_y: float
    anchor: str
    direction: str


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    records: int
    a: str  # the two ends' names and keys; none for the middle (the template names it)
    b: str
    a_key: str
    b_key: str
    from_center: bool


@dataclass(frozen=True)
class Graph:
    width: int
    height: int
    cx: float
    cy: float
    nodes: list[Node]
    edges: list[Edge]


def _direction(name: str) -> str:
    return block_direction(name)[1] or "ltr"


def co_mention_graph(persons: list[PersonLink], pairs: list[Pair], size: int) -> Graph | None:
    """The first `size` persons around the page's own person or facility: a line from
    the middle to each (the records naming them on this page), and one between each two
    named together."""
    shown = persons[:size]
    if not shown:
        return None
    cx, cy = GRAPH_WIDTH / 2, GRAPH_HEIGHT / 2
    nodes: dict[str, Node] = {}
    for i, person in enumerate(shown):
        angle = -math.pi / 2 + 2 * math.pi * i / len(shown)
        x, y = cx + RADIUS * math.cos(angle), cy + RADIUS * math.sin(angle)
        dx = math.cos(angle)
        label = person.name
        if len(label) > LABEL_CHARACTERS:
            label = label[: LABEL_CHARACTERS - 1] + "…"
        nodes[person.key] = Node(
            x=round(x, 1),
            y=round(y, 1),
            label=label,
            name=person.name,
            key=person.key,
            records=person.records,
            label_x=round(x + LABEL_GAP * dx, 1),
            label_y=round(y + LABEL_GAP * math.sin(angle) + 4, 1),
            anchor="start" if dx > 0.2 else ("end" if dx < -0.2 else "middle"),
            direction=_direction(person.name),
        )
    ends = [(cx, cy, node, "", "") for node in nodes.values()] + [
        (nodes[pair.a].x, nodes[pair.a].y, nodes[pair.b], nodes[pair.a].name, pair.a)
        for pair in pairs
        if pair.a in nodes and pair.b in nodes
    ]
    counts = [node.records for node in nodes.values()] + [
        pair.records for pair in pairs if pair.a in nodes and pair.b in nodes
    ]
    most = max(counts) or 1
    edges = [
        Edge(
            x1=round(x1, 1),
            y1=round(y1, 1),
            x2=node.x,
            y2=node.y,
            width=round(THINNEST + (THICKEST - THINNEST) * records / most, 1),
            records=records,
            a=a,
            b=node.name,
            a_key=a_key,
            b_key=node.key,
            from_center=not a_key,
        )
        for (x1, y1, node, a, a_key), records in zip(ends, counts, strict=True)
    ]
    return Graph(GRAPH_WIDTH, GRAPH_HEIGHT, cx, cy, list(nodes.values()), edges)
