"""Byte-reproducible document writers: PDF (fpdf2), Word (python-docx), front matter.

Both libraries stamp the current time into their output (PDF creation date, docx core
properties and zip entry times); these writers pin every such stamp to a constant so
that the same seed always gives byte-identical files.
"""

from __future__ import annotations

import io
import textwrap
import zipfile
from datetime import UTC, datetime
from typing import Any

import yaml

__all__ = ["docx_bytes", "front_matter", "pdf_bytes", "yaml_text"]

FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)
AUTHOR = "SYNTHETIC demo generator (indexer.demo)"


def yaml_text(meta: dict[str, Any]) -> str:
    """YAML with insertion order kept; date strings come out quoted, so they stay strings."""
    return yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100_000)


def front_matter(meta: dict[str, Any], body: str) -> str:
    return f"---\n{yaml_text(meta)}---\n\n{body}\n"


_TYPOGRAPHY = str.maketrans(
    {"\u2013": "-", "\u2014": "-", "\u2019": "'", "\u201c": '"', "\u201d": '"'}
)


def _latin1(text: str) -> str:
    """The PDF core fonts cover Latin-1 only; anything else becomes `?` rather than failing."""
    return text.translate(_TYPOGRAPHY).encode("latin-1", "replace").decode("latin-1")


def pdf_bytes(pages: list[str], title: str, language: str) -> bytes:
    """One PDF page per entry of `pages` (each short enough to fit on its page)."""
    from fpdf import FPDF  # here, not at import: it costs every indexer command 0.3 s

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_TIME)
    pdf.set_title(_latin1(title))
    pdf.set_author(AUTHOR)
    pdf.set_creator(AUTHOR)
    pdf.set_lang(language)
    pdf.set_auto_page_break(auto=True, margin=15)
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=9)
        pdf.cell(0, 6, _latin1(f"SYNTHETIC DEMO DOCUMENT - {title}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("Helvetica", size=11)
        # Wrapped here rather than by multi_cell, whose line breaking is ~10x slower.
        for paragraph in _latin1(text).split("\n"):
            for line in textwrap.wrap(paragraph, width=88) or [""]:
                pdf.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    if pdf.page != len(pages):
        raise ValueError(f"{title}: a page overflowed; shorten the page texts")
    return bytes(pdf.output())


def docx_bytes(title: str, paragraphs: list[str], rtl: bool) -> bytes:
    """A Word file with pinned core properties and zip entry times."""
    from docx import Document  # here, not at import, as FPDF above
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = Document()
    props = document.core_properties
    props.author = props.last_modified_by = AUTHOR
    props.title = title
    props.created = props.modified = props.last_printed = FIXED_TIME.replace(tzinfo=None)
    props.revision = 1
    document.add_heading(title, level=1)
    for text in paragraphs:
        paragraph = document.add_paragraph(text)
        if rtl:
            paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return _pin_zip_times(buffer.getvalue())


def _pin_zip_times(data: bytes) -> bytes:
    """Rewrite a zip with every entry dated `_ZIP_TIME` (python-docx uses the clock)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            pinned = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            pinned.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(pinned, source.read(info.filename))
    return out.getvalue()
