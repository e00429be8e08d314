"""Scans the tests make themselves: known SYNTHETIC text rendered into page images with
Pillow (Arabic shaped and laid out right to left by raqm), then saved as image-only PDFs
and multi-page TIFFs, as a scanner would; and a born-digital PDF page to put beside
them. Fonts are Debian's (`scripts/setup.sh` installs them)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ARABIC_FONT = Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf")
DPI = 300
_WIDTH, _HEIGHT, _MARGIN, _SIZE = 1800, 1200, 120, 52  # 6 x 4 inches at 300 dpi


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
            draw.text(
                (_WIDTH - _MARGIN - width, y),
                line,
                font=font,
                fill=0,
                direction="rtl",
                language="ar",
            )
        else:
            draw.text((_MARGIN, y), line, font=font, fill=0)
        y += _SIZE * 2
    return image


def image_pdf(pages: list[Image.Image]) -> bytes:
    """A PDF of page images and no text layer, as a scanner writes one."""
    out = io.BytesIO()
    first, *rest = pages
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=DPI)
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


def text_pdf(text: str) -> bytes:
    """A born-digital page: its text is in the PDF's text layer."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def joined(*pdfs: bytes) -> bytes:
    """The pages of several PDFs, in order, as one."""
    writer = pypdf.PdfWriter()
    for data in pdfs:
        for one in pypdf.PdfReader(io.BytesIO(data)).pages:
            writer.add_page(one)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted(pdf: bytes, password: str = "a password") -> bytes:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    writer = pypdf.PdfWriter()
    for one in reader.pages:
        writer.add_page(one)
    writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
