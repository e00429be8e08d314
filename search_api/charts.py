"""The date histogram as SVG geometry, computed here so templates only draw."""

from __future__ import annotations

from dataclasses import dataclass

from search_api.models import Histogram

__all__ = ["Bar", "histogram_bars"]

WIDTH, HEIGHT, GAP = 600, 120, 2
AXIS_LABELS = 6


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    key: str
    count: int
    href: str
    # Whether the axis writes this bar's period: about six labels, evenly spaced, always
    # the first and the last (every bar still names its period to assistive technology).
    labelled: bool = False


def histogram_bars(histogram: Histogram | None, base: str = "") -> list[Bar]:
    """One bar per bucket, scaled to the tallest; empty buckets keep their place. A bar
    links to `base` (the search page's path, from another page) and its query string."""
    if histogram is None or not histogram.buckets:
        return []
    tallest = max(bucket.count for bucket in histogram.buckets) or 1
    step = WIDTH / len(histogram.buckets)
    last = len(histogram.buckets) - 1
    every = max(1, -(-len(histogram.buckets) // AXIS_LABELS))
    return [
        Bar(
            x=round(i * step, 2),
            y=round(HEIGHT - HEIGHT * bucket.count / tallest, 2),
            width=round(max(step - GAP, 1), 2),
            height=round(HEIGHT * bucket.count / tallest, 2),
            key=bucket.key,
            count=bucket.count,
            href=base + bucket.narrow,
            labelled=i % every == 0 or (i == last and last % every >= every // 2),
        )
        for i, bucket in enumerate(histogram.buckets)
    ]
