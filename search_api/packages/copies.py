"""Working copies: what a package holds in place of an original for a role that may not
take originals out of the archive.

An original can hold what the role may not read: a scanned filing shows the names its
record withholds, and a photo's camera data can say where and on what device it was
taken. So an image becomes a JPEG at most 1,600 pixels on its longer side, without its
camera data, greyscale and blurred when graphic (as the archive shows it by default); a
document becomes its text as the role reads it. Each is marked as a working copy in its
content, with the number of its exhibit and the SHA-256 of the original where the role
may know it. Blocking: call from a worker thread.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from evidence.originals import OriginalUnavailable, megapixels_refusal

__all__ = ["WORKING_COPY_PIXELS", "image_copy", "text_copy"]

WORKING_COPY_PIXELS = 1600
_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _mark(exhibit: str, original_sha256: str | None) -> str:
    held = original_sha256 or "not given to your role"
    return f"WORKING COPY of {exhibit}, not the original. Original SHA-256: {held}"


def image_copy(data: bytes, graphic: bool, exhibit: str, original_sha256: str | None) -> bytes:
    """A marked, reduced JPEG of an image; OriginalUnavailable if it cannot be read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if refusal := megapixels_refusal(image.width, image.height):
                raise OriginalUnavailable(refusal)
            image.draft("RGB", (WORKING_COPY_PIXELS, WORKING_COPY_PIXELS))
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise OriginalUnavailable(f"unreadable: {error}") from error
    picture.thumbnail((WORKING_COPY_PIXELS, WORKING_COPY_PIXELS))
    if graphic:
        radius = max(8, picture.width // 30)
        picture = (
            ImageOps.grayscale(picture).filter(ImageFilter.GaussianBlur(radius)).convert("RGB")
        )
    size = max(10, picture.width // 70)
    font = ImageFont.truetype(str(_FONT), size)
    band = size * 2
    marked = Image.new("RGB", (picture.width, picture.height + band), "black")
    marked.paste(picture, (0, 0))
    ImageDraw.Draw(marked).text(
        (size // 2, picture.height + size // 2),
        _mark(exhibit, original_sha256),
        font=font,
        fill="white",
    )
    buffer = io.BytesIO()
    marked.save(buffer, format="JPEG", quality=85)  # no exif= argument: none is written
    return buffer.getvalue()


def text_copy(
    exhibit: str, record: dict[str, Any], original_sha256: str | None, pages: list[dict[str, Any]]
) -> bytes:
    """The record's text page by page, as the package's creator reads it, under a header
    marking it as a working copy."""
    lines = [
        _mark(exhibit, original_sha256),
        "نسخة عمل، وليست الأصل.",
        f"{record.get('stable_id')}: {record.get('title') or ''}",
        "",
    ]
    for page in pages:
        lines += [f"--- page {page.get('n')} ---", str(page.get("text") or ""), ""]
    return "\n".join(lines).encode("utf-8")
