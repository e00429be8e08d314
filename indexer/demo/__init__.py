"""Deterministic synthetic demo corpus: Caesar, Atlas, testimonies and filings bundles.

`generate(out, scale, seed)` writes four bundles in the ingest format (see
docs/ingest-format.md), every one labelled synthetic; `plan(scale)` gives the counts
without writing. Same (scale, seed), same bytes.
"""

from indexer.demo.generate import SCALES, DemoCounts, generate, plan

__all__ = ["SCALES", "DemoCounts", "generate", "plan"]
