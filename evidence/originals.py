"""The originals store: every media file a loaded record points to, kept read-only under
its own SHA-256 (`{originals_dir}/ab/abcdef...`).

A record names its image by content, not by path: the API serves exactly the bytes
whose hash is the record's `sha256`, or nothing. Looking a path up across bundle
folders could serve another bundle's file of the same name (a sealed photo for a
public one). Shared by the indexer, which writes the store, and the API, which reads it.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
from pathlib import Path

__all__ = [
    "MAX_IMAGE_PIXELS",
    "OriginalUnavailable",
    "keep_original",
    "megapixels_refusal",
    "sha256_file",
    "stored_path",
    "verified_original",
]

# Larger images are refused at ingest and never decoded for a preview: decoding 50
# megapixels already takes a core for a good part of a second.
MAX_IMAGE_PIXELS = 50_000_000
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class OriginalUnavailable(Exception):
    """The stored original is missing, unreadable, or not the file its name says."""


def sha256_file(path: Path) -> str:
    """Hash a file in blocks; the first thing done to any original."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def megapixels_refusal(width: int, height: int) -> str | None:
    """Why an image of this size is refused, or None when it is within the cap."""
    pixels = width * height
    if pixels <= MAX_IMAGE_PIXELS:
        return None
    # Rounded up, so an image just over the cap never reads as exactly at it.
    megapixels = -(-pixels // 100_000) / 10
    return (
        f"image is {width} x {height} = {megapixels:g} megapixels; "
        f"at most {MAX_IMAGE_PIXELS // 1_000_000}"
    )


def stored_path(root: Path, sha256: str) -> Path:
    """Where the original with this SHA-256 is kept; ValueError for anything that is
    not a hash, so no value can name a path outside the store."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return root / sha256[:2] / sha256


def keep_original(root: Path, source: Path) -> str:
    """Put `source` into the store and return its SHA-256.

    The file is hard-linked (or copied, across filesystems) to a temporary name inside
    the store, hashed there, made read-only and renamed into place, so the stored file
    is exactly what was hashed and never appears half written. A file already stored
    under that hash is left alone; one that no longer matches its name is replaced.
    """
    staging = root / "tmp"
    staging.mkdir(parents=True, exist_ok=True)
    temporary = staging / secrets.token_hex(16)
    try:
        try:
            os.link(source, temporary, follow_symlinks=False)
        except OSError:
            shutil.copyfile(source, temporary, follow_symlinks=False)
        sha256 = sha256_file(temporary)
        final = stored_path(root, sha256)
        final.parent.mkdir(exist_ok=True)
        already_kept = final.is_file() and not final.is_symlink()
        if already_kept and (final.samefile(temporary) or sha256_file(final) == sha256):
            return sha256
        temporary.chmod(0o444)
        os.replace(temporary, final)
        return sha256
    finally:
        temporary.unlink(missing_ok=True)


def verified_original(root: Path, sha256: str) -> Path:
    """The stored original with this SHA-256, after hashing it again.

    Blocking (it reads the whole file): call it from a worker thread.
    """
    try:
        path = stored_path(root, sha256)
        if path.is_symlink() or not path.is_file():
            raise OriginalUnavailable("not in the originals store")
        if sha256_file(path) != sha256:
            raise OriginalUnavailable("the stored file does not match its SHA-256")
    except (OSError, ValueError) as error:
        raise OriginalUnavailable(str(error)) from error
    return path
