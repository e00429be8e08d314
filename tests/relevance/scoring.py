"""Ranking measures shared by the judged sets."""

from __future__ import annotations

import math


def ndcg_at_10(ranked: list[str], relevant: set[str]) -> float:
    """Binary-gain nDCG over the first ten results."""
    dcg = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranked[:10]) if doc in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return dcg / ideal if ideal else 0.0


def recall_at_20(ranked: list[str], relevant: set[str]) -> float:
    """Share of the relevant records (at most 20 counted) in the first twenty."""
    return len(set(ranked[:20]) & relevant) / min(len(relevant), 20) if relevant else 0.0


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0
