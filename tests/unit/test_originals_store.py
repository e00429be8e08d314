"""The originals store: content-addressed, read-only, whole or absent, never another
file under a hash."""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from evidence.originals import (
    OriginalUnavailable,
    keep_original,
    stored_path,
    verified_original,
)
from indexer.bundle import read_collection
from indexer.pipeline import prepare
from indexer.report import LoadReport


def _source(folder: Path, content: bytes = b"SYNTHETIC image bytes") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "photo.jpg"
    path.write_bytes(content)
    return path


def test_a_file_is_kept_read_only_under_its_sha256_and_nothing_else_is_left(
    tmp_path: Path,
) -> None:
    source = _source(tmp_path / "bundle")
    store = tmp_path / "originals"
    digest = keep_original(store, source)
    assert digest == hashlib.sha256(source.read_bytes()).hexdigest()
    kept = stored_path(store, digest)
    assert kept == store / digest[:2] / digest
    assert kept.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o444
    assert kept.samefile(source), "same filesystem: a hard link, not a copy"
    assert list((store / "tmp").iterdir()) == []
    assert keep_original(store, source) == digest  # again: nothing changes
    assert verified_original(store, digest) == kept


def test_across_filesystems_the_file_is_copied(tmp_path: Path) -> None:
    if os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        pytest.fail("this test needs /dev/shm on another filesystem than the tmp folder")
    with tempfile.TemporaryDirectory(dir="/dev/shm") as other:
        source = _source(Path(other))
        digest = keep_original(tmp_path / "originals", source)
        kept = stored_path(tmp_path / "originals", digest)
        assert kept.read_bytes() == source.read_bytes() and not kept.samefile(source)


def test_a_stored_file_that_no_longer_matches_its_name_is_replaced(tmp_path: Path) -> None:
    source = _source(tmp_path / "bundle")
    store = tmp_path / "originals"
    digest = keep_original(store, source)
    kept = stored_path(store, digest)
    kept.unlink()
    kept.write_bytes(b"SYNTHETIC something else")
    with pytest.raises(OriginalUnavailable, match="does not match"):
        verified_original(store, digest)
    assert keep_original(store, source) == digest
    assert verified_original(store, digest).read_bytes() == source.read_bytes()


@pytest.mark.parametrize("name", ["../../etc/passwd", "ab", "A" * 64, ""])
def test_only_a_sha256_names_a_stored_file(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        stored_path(tmp_path, name)
    with pytest.raises(OriginalUnavailable):
        verified_original(tmp_path, name)


def test_a_missing_original_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(OriginalUnavailable, match="not in the originals store"):
        verified_original(tmp_path, "0" * 64)


def test_a_store_that_cannot_be_written_rejects_the_photo_with_the_reason(
    tmp_path: Path,
) -> None:
    root = tmp_path / "bundle"
    _source(root / "media")
    (root / "collection.yaml").write_text("id: kept\ntitle: Kept\nsynthetic: true\n")
    (root / "photos.csv").write_text("photo_id,file\nK-1,media/photo.jpg\n")
    not_a_folder = tmp_path / "originals"
    not_a_folder.write_text("a file where the store should be")
    report = LoadReport()
    Image.new("RGB", (8, 8)).save(root / "media" / "photo.jpg")
    actions = list(prepare(read_collection(root), "photo", report, originals=not_a_folder))
    assert actions == []
    [rejection] = report.rejections
    assert (rejection.file, rejection.line, rejection.field) == ("photos.csv", 2, "file")
    assert rejection.reason.startswith("cannot be kept in the originals store: ")
