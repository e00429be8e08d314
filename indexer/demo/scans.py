"""Scans made from known text: pages rendered with Pillow (Arabic shaped and laid out
right to left by raqm) and saved as image-only PDFs or multi-page TIFFs, as a scanner
writes them. The demo's scanned filings, the OCR tests and `bench.ocr` use them. Fonts
are Debian's (`scripts/setup.sh` installs them)."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from indexer.demo.documents import FIXED_TIME

__all__ = ["DPI", "image_pdf", "page", "png", "text_pages", "tiff"]

LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ARABIC_FONT = Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf")
DPI = 300
_WIDTH, _HEIGHT, _MARGIN, _SIZE = 1800, 1400, 120, 52  # 6 x 4.7 inches at 300 dpi; 12 pt
_LINE = int(_SIZE * 1.8)
_CHARACTERS = 52  # per line of Latin text at this size
_LINES = (_HEIGHT - 2 * _MARGIN) // _LINE


def page(lines: list[str], arabic: bool = False) -> Image.Image:
    """One scanned page of `lines`, black on white; Arabic set from the right margin."""
    image = Image.new("L", (_WIDTH, _HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    font_file = ARABIC_FONT if arabic else LATIN_FONT
    font = ImageFont.truetype(str(font_file), _SIZE, layout_engine=ImageFont.Layout.RAQM)
    y = _MARGIN
    for line in lines:
        if arabic:
            width = draw.textlength(line, font=font, direction="rtl", language="ar")
            x = _WIDTH - _MARGIN - width
            draw.text((x, y), line, font=font, fill=0, direction="rtl", language="ar")
        else:
            draw.text((_MARGIN, y), line, font=font, fill=0)
        y += _LINE
    return image


def text_pages(text: str) -> list[list[str]]:
    """`text` wrapped into the lines of as many scanned pages as it needs."""
    lines = [
        line
        for paragraph in text.split("\n")
        for line in textwrap.wrap(paragraph, width=_CHARACTERS) or [""]
    ]
    return [lines[start : start + _LINES] for start in range(0, len(lines), _LINES)] or [[]]


def image_pdf(pages: list[Image.Image]) -> bytes:
    """A PDF of page images and no text layer; the same bytes each time (fixed dates)."""
    out = io.BytesIO()
    first, *rest = pages
    first.save(
        out,
        "PDF",
        save_all=True,
        append_images=rest,
        resolution=DPI,
        creationDate=FIXED_TIME.timetuple(),
        modDate=FIXED_TIME.timetuple(),
    )
    return out.getvalue()


def tiff(pages: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    first, *rest = pages
    first.save(
        out, "TIFF", save_all=True, append_images=rest, dpi=(DPI, DPI), compression="tiff_deflate"
    )
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(DPI, DPI))
    return out.getvalue()
