"""The documents of a court package: the exhibit list and the chronology citing exhibit
numbers, each as Word and as PDF, in the creator's interface language.

The Word chronology is the chronology export (`chronologies/export.py`), whose sources
carry exhibit numbers. The PDFs are set with Debian's DejaVu and Noto Naskh Arabic fonts
and shaped by HarfBuzz, so Arabic titles and facts read as written. Rendering blocks:
call these from a worker thread. `read_exhibits_docx` and `read_pdf_text` exist so tests
can read the documents back.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from docx import Document
from fpdf import FPDF
from fpdf.fonts import FontFace
from pypdf import PdfReader

from search_api.chronologies.export import (
    DOCX_HEADINGS,
    a4,
    authorship,
    hashes,
    write_cell,
    write_header,
)
from search_api.chronologies.models import Chronology
from search_api.labels import label
from search_api.locale import N_, gettext, human_date, number

__all__ = [
    "EXHIBIT_HEADINGS",
    "ExhibitRow",
    "chronology_pdf",
    "exhibits_docx",
    "exhibits_pdf",
    "read_exhibits_docx",
    "read_pdf_text",
]

_FONTS = Path("/usr/share/fonts/truetype")
_LATIN = _FONTS / "dejavu" / "DejaVuSans.ttf"
_LATIN_BOLD = _FONTS / "dejavu" / "DejaVuSans-Bold.ttf"
_ARABIC = _FONTS / "noto" / "NotoNaskhArabic-Regular.ttf"

EXHIBIT_HEADINGS = (
    N_("Exhibit"),
    N_("Title"),
    N_("Type"),
    N_("Date"),
    N_("SHA-256"),
    N_("Pages cited"),
    N_("Facts"),
)


@dataclass(frozen=True)
class ExhibitRow:
    """One exhibit as the list shows it."""

    number: str
    title: str
    record_type: str
    date: str
    sha256: str
    pages: str
    facts: str


def _cells(row: ExhibitRow) -> list[str]:
    return [row.number, row.title, row.record_type, row.date, row.sha256, row.pages, row.facts]


def _intro(chronology: Chronology) -> str:
    return gettext("Exhibits of the chronology %(title)s (%(id)s, version %(version)s).") % {
        "title": chronology.title,
        "id": chronology.id,
        "version": chronology.version,
    }


def exhibits_docx(chronology: Chronology, rows: Sequence[ExhibitRow]) -> bytes:
    """The exhibit list on A4: one row per exhibit, header repeated on every page."""
    document = Document()
    a4(document)
    document.core_properties.title = gettext("Exhibit list")
    document.add_heading(gettext("Exhibit list"), level=1)
    document.add_paragraph(_intro(chronology))
    headings = [gettext(h) for h in EXHIBIT_HEADINGS]
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    write_header(table.rows[0], headings)
    for row in rows:
        for cell, text in zip(table.add_row().cells, _cells(row), strict=True):
            write_cell(cell, [("", text)])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def read_exhibits_docx(data: bytes) -> list[dict[str, str]]:
    table = Document(io.BytesIO(data)).tables[0]
    header = [cell.text for cell in table.rows[0].cells]
    return [dict(zip(header, (c.text for c in row.cells), strict=True)) for row in table.rows[1:]]


def _pdf(title: str, created: datetime) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(created)
    pdf.set_title(title)
    pdf.add_font("body", "", str(_LATIN))
    pdf.add_font("body", "B", str(_LATIN_BOLD))
    pdf.add_font("arabic", "", str(_ARABIC))
    pdf.set_fallback_fonts(["arabic"])
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("body", "B", 13)
    pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", "", 8)
    return pdf


def _table(
    pdf: FPDF, headings: Sequence[str], rows: Sequence[Sequence[str]], widths: tuple[int, ...]
) -> None:
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(emphasis="BOLD"),
        repeat_headings=1,
        line_height=4,
    ) as table:
        header = table.row()
        for heading in headings:
            header.cell(heading)
        for cells in rows:
            row = table.row()
            for text in cells:
                row.cell(text)


def exhibits_pdf(chronology: Chronology, rows: Sequence[ExhibitRow], created: datetime) -> bytes:
    pdf = _pdf(gettext("Exhibit list"), created)
    pdf.multi_cell(0, 5, _intro(chronology), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    headings = [gettext(h) for h in EXHIBIT_HEADINGS]
    _table(pdf, headings, [_cells(row) for row in rows], (14, 40, 16, 20, 50, 14, 14))
    return bytes(pdf.output())


def chronology_pdf(chronology: Chronology, created: datetime) -> bytes:
    """The chronology with every fact citing its sources by exhibit number and page, the
    authors of each fact, and the appendix of hashes."""
    pdf = _pdf(chronology.title, created)
    pdf.multi_cell(
        0,
        5,
        gettext("Chronology %(id)s, version %(version)s, by %(owner)s.")
        % {"id": chronology.id, "version": chronology.version, "owner": chronology.owner}
        + " "
        + gettext(
            "Every fact cites its sources by exhibit number; the exhibit list gives "
            "each exhibit's SHA-256."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    exhibits = chronology.exhibit_labels
    rows = []
    for n, fact in enumerate(chronology.facts, start=1):
        text = fact.text
        if fact.note:
            text += "\n" + gettext("Note:") + " " + fact.note
        if fact.issues:
            text += "\n" + gettext("Issues:") + " " + "; ".join(fact.issues)
        if written := authorship(fact):
            text += "\n" + written
        cited = [
            exhibits.get(c.stable_id, c.stable_id)
            + (" " + gettext("p. %(page)s") % {"page": c.page} if c.page else "")
            for c in fact.citations
        ]
        status = gettext("DISPUTED") if fact.status == "disputed" else label(fact.status)
        rows.append(
            [
                number(n),
                human_date(fact.when),
                text,
                status,
                label(fact.material),
                "; ".join(cited) or gettext("no citation"),
            ]
        )
    headings = [gettext(h) for h in DOCX_HEADINGS]
    _table(pdf, headings, rows, (10, 24, 82, 18, 16, 30))
    pdf.ln(3)
    pdf.set_font("body", "B", 10)
    pdf.multi_cell(
        0, 6, gettext("Appendix: cited records and their SHA-256"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("body", "", 8)
    for stable_id, title, digest in hashes(chronology):
        line = f"{exhibits.get(stable_id, '')} {stable_id}  {title}  {digest}".strip()
        pdf.multi_cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def read_pdf_text(data: bytes) -> str:
    """All the text of a PDF, page after page."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
