"""The worked example in docs/ingest-format.md must stay valid."""

from pathlib import Path

from indexer.load import validate_bundle

EXAMPLE = Path(__file__).parents[2] / "docs" / "example-bundle"


def test_example_bundle_validates_without_rejections_or_warnings() -> None:
    report = validate_bundle(EXAMPLE)
    assert (report.read, report.indexed, report.rejected) == (5, 5, 0)
    assert report.warnings == []
