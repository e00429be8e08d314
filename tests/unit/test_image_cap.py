"""Images are capped at 50 megapixels at ingest, read from the header before any pixel
is decoded, and importing the indexer changes no process-wide Pillow setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

from evidence.originals import megapixels_refusal
from indexer.load import validate_bundle


def test_a_64_megapixel_png_is_rejected_at_ingest_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "collection.yaml").write_text("id: big\ntitle: Big\nsynthetic: true\n")
    (tmp_path / "media").mkdir()
    Image.new("1", (8000, 8000)).save(tmp_path / "media" / "huge.png")
    Image.new("RGB", (32, 32), (9, 9, 9)).save(tmp_path / "media" / "small.jpg")
    (tmp_path / "photos.csv").write_text("photo_id,file\nH-1,media/huge.png\nS-1,media/small.jpg\n")
    report = validate_bundle(tmp_path)
    assert [(r.file, r.line, r.field, r.reason) for r in report.rejections] == [
        ("photos.csv", 2, "file", "image is 8000 x 8000 = 64 megapixels; at most 50")
    ]
    assert report.indexed == 1


def test_the_cap_is_50_megapixels_and_just_over_never_reads_as_50() -> None:
    assert megapixels_refusal(5000, 10_000) is None
    assert megapixels_refusal(5001, 10_000) == (
        "image is 5001 x 10000 = 50.1 megapixels; at most 50"
    )


def test_importing_the_indexer_and_the_app_leaves_pillows_limit_alone() -> None:
    probe = (
        "from PIL import Image\nbefore = Image.MAX_IMAGE_PIXELS\n"
        "import indexer.extract, indexer.pipeline, indexer.cli, search_api.app\n"
        "assert Image.MAX_IMAGE_PIXELS == before, Image.MAX_IMAGE_PIXELS\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
