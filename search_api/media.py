"""Images as the browser gets them: only a record's own stored original, and graphic
photos blurred by default.

A record names its image by SHA-256, and the file is read from the originals store
(`evidence.originals`) under that hash, never looked up by path. The original is hashed
again each time it is served; a preview is cached by (SHA-256, blur) and the file is
hashed when the preview is made. A missing or altered file is a 404 and an audit event,
never another file. Decoding runs in a worker thread, so a large image cannot stall
the event loop, and nothing larger than the ingest cap is decoded at all.

The blurred version is made on the server, so the unblurred pixels never reach a
browser until someone chooses to reveal them.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NoReturn

from PIL import Image, ImageFilter, ImageOps

from evidence.errors import N_, NotFound
from evidence.originals import (
    OriginalUnavailable,
    megapixels_refusal,
    stored_path,
    verified_original,
)
from search_api.deps import Caller
from search_api.record_service import RecordFile, record_file
from search_api.store import Store

__all__ = ["DOWNLOAD_TYPES", "Original", "download", "original", "preview"]

PREVIEW_SIZE = (480, 480)
PREVIEW_CACHE_SIZE = 256
# The file name extension of a download, by the type the indexer read from the image.
DOWNLOAD_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "image/webp": ".webp",
}


@dataclass(frozen=True)
class Original:
    path: Path
    media_type: str


def _render(path: Path, sha256: str, blur: bool) -> bytes:
    """Read the stored file once, check it is what `sha256` names, and only then decode
    the very bytes that were hashed."""
    try:
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OriginalUnavailable("the stored file does not match its SHA-256")
        with Image.open(io.BytesIO(data)) as image:
            if refusal := megapixels_refusal(image.width, image.height):
                raise OriginalUnavailable(refusal)
            image.draft("RGB", PREVIEW_SIZE)  # JPEG: decode at a reduced scale
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise OriginalUnavailable(f"unreadable: {error}") from error
    picture.thumbnail(PREVIEW_SIZE)
    if blur:
        picture = ImageOps.grayscale(picture).filter(ImageFilter.GaussianBlur(radius=14))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


@lru_cache(maxsize=PREVIEW_CACHE_SIZE)
def _cached_preview(store_root: str, sha256: str, blur: bool) -> bytes:
    """A preview by content: the same image is decoded once. Failures are not cached,
    so a repaired store is served again. Blocking: run it in a worker thread."""
    try:
        path = stored_path(Path(store_root), sha256)
    except ValueError as error:
        raise OriginalUnavailable(str(error)) from error
    return _render(path, sha256, blur)


async def _unavailable(caller: Caller, image: RecordFile, problem: OriginalUnavailable) -> NoReturn:
    """Audit the missing or altered original; the caller sees the same 404 as for a
    record that does not exist."""
    await caller.audit(
        "image.unavailable",
        outcome="not_found",
        record_ids=[image.stable_id],
        params={"sha256": image.sha256, "reason": str(problem)},
    )
    raise NotFound(N_("No image for %(id)s."), id=image.stable_id) from problem


async def preview(store: Store, originals_dir: Path, stable_id: str, caller: Caller) -> bytes:
    """A small JPEG of the record's image; greyscale and heavily blurred when graphic."""
    image = await record_file(store, stable_id, caller)
    try:
        return await asyncio.to_thread(
            _cached_preview, str(originals_dir), image.sha256, image.graphic
        )
    except OriginalUnavailable as problem:
        await _unavailable(caller, image, problem)


async def original(
    store: Store,
    originals_dir: Path,
    stable_id: str,
    caller: Caller,
    *,
    audit_as: str = "image.reveal",
) -> Original:
    """The record's original file, verified against its SHA-256, for a deliberate reveal
    or download (audited as `audit_as`, with the SHA-256)."""
    image = await record_file(store, stable_id, caller, audit_as=audit_as)
    try:
        path = await asyncio.to_thread(verified_original, originals_dir, image.sha256)
    except OriginalUnavailable as problem:
        await _unavailable(caller, image, problem)
    return Original(path, image.media_type)


async def download(store: Store, originals_dir: Path, stable_id: str, caller: Caller) -> Original:
    """The original as a file to keep, byte for byte: audited as `original.download`."""
    return await original(store, originals_dir, stable_id, caller, audit_as="original.download")
