"""The bad-input corpus (`tests/fixtures/bad/`): every breakage reported with its file,
line, field and reason, the good records next to it still accepted, nothing crashing.
Giant inputs are built here rather than committed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from indexer.load import validate_bundle
from indexer.report import LoadReport

BAD = Path(__file__).parents[1] / "fixtures" / "bad"

# bundle -> (records accepted, [(file, line, field, words the reason must contain)])
EXPECTED: dict[str, tuple[int, list[tuple[str, int, str, str]]]] = {
    "csv-shapes": (
        3,
        [
            ("photos.csv", 3, "(row)", "6 values for 5 columns"),
            ("photos.csv", 4, "(row)", "3 values for 5 columns"),
            ("photos.csv", 7, "(row)", "not UTF-8"),
            ("photos.csv", 9, "(row)", "malformed CSV: unexpected end of data"),
        ],
    ),
    "jsonl-shapes": (
        3,
        [
            ("photos.jsonl", 2, "(line)", "not valid JSON"),
            ("photos.jsonl", 3, "(line)", "expected a JSON object, got list"),
            ("photos.jsonl", 4, "tags", "valid list"),
            ("photos.jsonl", 4, "graphic", "valid boolean"),
            ("photos.jsonl", 7, "photo_id", "required"),
            ("photos.jsonl", 8, "confidentiality", "unknown confidentiality 'top-secret'"),
            ("testimonies.jsonl", 1, "pages", "must be a list of page texts"),
        ],
    ),
    "dates": (
        2,
        [
            ("photos.csv", 2, "date_photographed", "has no day 30"),
            ("photos.csv", 3, "date_photographed", "has month 13"),
            ("photos.csv", 4, "date_photographed", "'yesterday' is not YYYY"),
            ("photos.csv", 5, "date_photographed", "in the future"),
            ("photos.csv", 6, "date_photographed", "before 1900"),
            ("photos.csv", 7, "date_photographed", "ends before it starts"),
            ("photos.csv", 8, "date_photographed", "'14/03/2012' is not a range"),
        ],
    ),
    "duplicates": (
        3,
        [
            ("photos.csv", 4, "photo_id", "duplicate photo_id; first at photos.csv line 2"),
            ("photos.jsonl", 1, "photo_id", "duplicate photo_id; first at photos.csv line 3"),
        ],
    ),
    "facilities": (
        2,
        [
            ("photos.csv", 2, "facility", "unknown facility 'Branch 999'; closest known:"),
            ("photos.csv", 3, "facility", "closest known: saydnaya"),
        ],
    ),
    "images": (
        1,
        [
            ("photos.csv", 3, "file", "corrupt or unreadable image"),
            ("photos.csv", 4, "file", "cannot identify image file"),
            ("photos.csv", 5, "file", "cannot identify image file"),
            ("photos.csv", 6, "file", "decompression bomb"),
            ("photos.csv", 7, "file", "unsupported image format BMP"),
            ("photos.csv", 8, "file", "media is a folder, not an image file"),
            ("photos.csv", 9, "file", "must be a path inside the bundle"),
            ("photos.csv", 10, "file", "media/missing.jpg does not exist"),
        ],
    ),
    "documents": (
        1,
        [
            ("testimonies/corrupt.docx", 1, "(file)", "unreadable DOCX"),
            ("testimonies/empty.md", 1, "(file)", "empty file"),
            ("testimonies/empty.pdf", 1, "(file)", "empty file"),
            ("testimonies/encrypted.pdf", 1, "(file)", "encrypted PDF"),
            ("testimonies/truncated.pdf", 1, "(file)", "unreadable PDF"),
        ],
    ),
    "empty-files": (0, []),
    "header-only": (0, []),
}


def _problems(report: LoadReport) -> list[tuple[str, int, str, str]]:
    return [(r.file, r.line, r.field, r.reason) for r in report.rejections]


def test_every_bundle_in_the_corpus_has_expectations() -> None:
    assert {p.name for p in BAD.iterdir() if p.is_dir()} == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
@pytest.mark.parametrize("workers", [0, 2])
def test_each_bad_input_is_reported_precisely(case: str, workers: int) -> None:
    accepted, problems = EXPECTED[case]
    report = validate_bundle(BAD / case, workers=workers)
    got = _problems(report)
    assert [(f, n, field) for f, n, field, _ in got] == [(f, n, fld) for f, n, fld, _ in problems]
    for (_, _, _, reason), (_, _, _, words) in zip(got, problems, strict=True):
        assert words in reason
    assert report.indexed == accepted
    assert report.reconciles


def _bundle(root: Path) -> Path:
    root.mkdir()
    (root / "collection.yaml").write_text("id: giant\ntitle: Giant inputs\nsynthetic: true\n")
    return root


def test_a_cell_over_the_csv_limit_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    root = _bundle(tmp_path / "giant-cell")
    giant = "SYNTHETIC " + "x" * 1_200_000
    rows = ["photo_id,findings", "G-1,fine", f'G-2,"{giant}"', "G-3,fine after the giant"]
    (root / "photos.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = validate_bundle(root)
    [(file, line, field, reason)] = _problems(report)
    assert (file, line, field) == ("photos.csv", 3, "(row)")
    assert "field larger than field limit" in reason
    assert report.indexed == 2


def test_a_jsonl_line_over_16_mib_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    root = _bundle(tmp_path / "giant-line")
    lines = [
        json.dumps({"photo_id": "L-1"}),
        json.dumps({"photo_id": "L-2", "findings": "y" * (17 * 1024 * 1024)}),
        json.dumps({"photo_id": "L-3"}),
    ]
    (root / "photos.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate_bundle(root)
    [(file, line, field, reason)] = _problems(report)
    assert (file, line, field) == ("photos.jsonl", 2, "(line)")
    assert "line longer than" in reason
    assert report.indexed == 2


def test_a_giant_image_and_a_giant_file_are_read_whole(tmp_path: Path) -> None:
    """A 36-megapixel scan is hashed and fingerprinted, and 20,000 records in one file
    stream through without a rejection."""
    root = _bundle(tmp_path / "giant-file")
    (root / "media").mkdir()
    Image.new("L", (6000, 6000), 128).save(root / "media" / "scan.png")
    lines = [json.dumps({"photo_id": "S-0", "file": "media/scan.png"})]
    lines += [
        json.dumps({"photo_id": f"S-{n}", "findings": f"SYNTHETIC {n}"}) for n in range(1, 20_000)
    ]
    (root / "photos.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate_bundle(root, workers=2)
    assert (report.read, report.indexed, report.rejections) == (20_000, 20_000, [])
