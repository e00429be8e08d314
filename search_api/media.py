"""Images as the browser gets them: graphic photos blurred by default.

The blurred version is made on the server, so the unblurred pixels never reach a
browser until someone chooses to reveal them. Derived images are never written next
to the originals, which stay untouched.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps

__all__ = ["preview_jpeg"]

PREVIEW_SIZE = (480, 480)


@lru_cache(maxsize=256)
def _preview(path: str, mtime_ns: int, blur: bool) -> bytes:
    with Image.open(path) as image:
        preview = ImageOps.exif_transpose(image).convert("RGB")
        preview.thumbnail(PREVIEW_SIZE)
        if blur:
            preview = ImageOps.grayscale(preview).filter(ImageFilter.GaussianBlur(radius=14))
        buffer = io.BytesIO()
        preview.save(buffer, format="JPEG", quality=80)
        return buffer.getvalue()


def preview_jpeg(path: Path, *, blur: bool) -> bytes:
    """A small JPEG of the image; greyscale and heavily blurred when `blur`."""
    return _preview(str(path), path.stat().st_mtime_ns, blur)
