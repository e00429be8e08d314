"""Chronologies for court: CSV, JSON, printable HTML and DOCX, every fact cited.

The CSV's cells never start a spreadsheet formula (`evidence.spreadsheet`). Rendering
blocks (DOCX above all), so the route runs it in a worker thread.

Each fact row carries its date as written and its bounds, status, materiality, and
every citation as stable id, page and SHA-256. The HTML and DOCX versions are for
people: in the reader's interface language, on A4, dates as people write them, each
fact with its note and issues, a disputed one marked DISPUTED and shaded, each source
named by its title as the reader may read it (never the title of one they cannot see),
and an appendix listing each cited record's hash once, so a reader can verify the files.
Sources carry their exhibit numbers (`EX-001`) as the reader may read them. The readers
(`read_csv`, `read_docx`) exist so tests can check a round trip.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from functools import partial

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell, _Row
from jinja2 import Environment, FileSystemLoader, select_autoescape

from evidence.spreadsheet import formula_safe_row
from frontend import TEMPLATES_DIR
from search_api.chronologies.models import Chronology, Citation, Fact
from search_api.labels import label
from search_api.locale import N_, current, gettext, human_date, ngettext, number

__all__ = [
    "AUTHOR_COLUMNS",
    "COLUMNS",
    "DOCX_HEADINGS",
    "read_csv",
    "read_docx",
    "to_csv",
    "to_docx",
    "to_html",
    "to_json",
]

COLUMNS = [
    "n",
    "date",
    "earliest",
    "latest",
    "precision",
    "approximate",
    "fact",
    "status",
    "material",
    "issues",
    "tags",
    "note",
    "citations",
]


# The DOCX fact table's columns, in the reader's language.
DOCX_HEADINGS = (N_("No."), N_("Date"), N_("Fact"), N_("Status"), N_("Material"), N_("Sources"))


def cite(fact: Fact) -> str:
    """`ph-xxx p. 3 (sha256 ab12…)`, one per citation, joined by `; `."""
    parts = []
    for citation in fact.citations:
        page = f" p. {citation.page}" if citation.page else ""
        digest = f" sha256 {citation.sha256}" if citation.sha256 else ""
        parts.append(f"{citation.stable_id}{page}{digest}")
    return "; ".join(parts)


def _row(n: int, fact: Fact) -> dict[str, str]:
    return {
        "n": str(n),
        "date": fact.date or "undated",
        "earliest": fact.earliest or "",
        "latest": fact.latest or "",
        "precision": fact.precision or "",
        "approximate": "yes" if fact.approximate else "no",
        "fact": fact.text,
        "status": fact.status,
        "material": fact.material,
        "issues": "; ".join(fact.issues),
        "tags": "; ".join(fact.tags),
        "note": fact.note or "",
        "citations": cite(fact),
    }


# With `authors`, the CSV says per fact who added it and who last changed it.
AUTHOR_COLUMNS = ["added_by", "added_at", "changed_by", "changed_at"]


def _authored(row: dict[str, str], fact: Fact) -> dict[str, str]:
    return row | {column: getattr(fact, column) or "" for column in AUTHOR_COLUMNS}


def rows(chronology: Chronology, authors: bool = False) -> list[dict[str, str]]:
    made = [(_row(n, fact), fact) for n, fact in enumerate(chronology.facts, start=1)]
    return [_authored(row, fact) if authors else row for row, fact in made]


def authorship(fact: Fact) -> str:
    """`Added by amal on 2026-12-01; last changed by omar on 2026-12-03.`, as known:
    facts added before teams existed name no author."""
    parts = []
    if fact.added_by:
        parts.append(
            gettext("Added by %(user)s on %(day)s.")
            % {"user": fact.added_by, "day": (fact.added_at or "")[:10]}
        )
    if fact.changed_by:
        parts.append(
            gettext("Last changed by %(user)s on %(day)s.")
            % {"user": fact.changed_by, "day": (fact.changed_at or "")[:10]}
        )
    return " ".join(parts)


def hashes(chronology: Chronology) -> list[tuple[str, str, str]]:
    """(stable id, title, sha256) of every cited record, once each, in citation order."""
    seen: dict[str, tuple[str, str, str]] = {}
    for fact in chronology.facts:
        for c in fact.citations:
            digest = c.sha256 or gettext("no file")
            seen.setdefault(c.stable_id, (c.stable_id, source_title(c), digest))
    return list(seen.values())


def to_csv(chronology: Chronology, authors: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS + (AUTHOR_COLUMNS if authors else []))
    writer.writeheader()
    writer.writerows(formula_safe_row(row) for row in rows(chronology, authors))
    return buffer.getvalue()


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def to_json(chronology: Chronology, authors: bool = False) -> str:
    """Every field, authors and comments included: for tools, which choose what to use."""
    return json.dumps(chronology.model_dump(mode="json"), ensure_ascii=False, indent=2)


_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(),
    extensions=["jinja2.ext.i18n"],
)
_ENV.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
_ENV.filters["human_date"] = human_date
_ENV.filters["label"] = label
_ENV.filters["number"] = number


def source_title(citation: Citation) -> str:
    """The cited record's title as the reader may read it (`service._titled` looked it
    up with their access): a record they cannot see is never named."""
    return citation.title or gettext("a source you cannot see")


def sources(fact: Fact, exhibits: Mapping[str, str] | None = None) -> list[str]:
    """`EX-001: Title (ph-xxx) p. 3, SHA-256 ab12…` per citation, for people to read;
    the exhibit number where the chronology has given one."""
    shown = []
    for c in fact.citations:
        exhibit = f"{exhibits[c.stable_id]}: " if exhibits and c.stable_id in exhibits else ""
        page = " " + gettext("p. %(page)s") % {"page": c.page} if c.page else ""
        digest = c.sha256 or gettext("no file")
        shown.append(f"{exhibit}{source_title(c)} ({c.stable_id}){page}, SHA-256 {digest}")
    return shown


def to_html(chronology: Chronology, authors: bool = False) -> str:
    template = _ENV.get_template("chronology_print.html")
    return template.render(
        chronology=chronology,
        facts=list(enumerate(chronology.facts, start=1)),
        sources=partial(sources, exhibits=chronology.exhibit_labels),
        authorship=authorship if authors else None,
        hashes=hashes(chronology),
        ui=current(),
    )


# A light red behind a disputed fact's row, as in the printable HTML.
_DISPUTED_FILL = "F4CCCC"


def _shade(cell: _Cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _repeat_as_header(row: _Row) -> None:
    """Word repeats this row at the top of every page the table runs onto."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def write_cell(cell: _Cell, lines: list[tuple[str, str]]) -> None:
    """Paragraphs of (style, text) in a cell: style "" plain, "b" bold, "i" italic."""
    cell.text = ""
    for number_, (style, text) in enumerate(lines):
        paragraph = cell.paragraphs[0] if number_ == 0 else cell.add_paragraph()
        run = paragraph.add_run(text)
        run.font.size = Pt(9)
        run.bold = style == "b"
        run.italic = style == "i"


def a4(document: DocxDocument) -> None:
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        margin = Mm(15)
        section.left_margin = section.right_margin = margin
        section.top_margin = section.bottom_margin = margin


def to_docx(chronology: Chronology, authors: bool = False) -> bytes:
    """A Word document on A4: title, a table of facts (with each fact's note and issues,
    with `authors` who added and changed it, a disputed one marked and shaded, the
    header row repeated on every page) citing each source by title, id, page and hash,
    and an appendix of hashes."""
    document = Document()
    a4(document)
    document.core_properties.title = chronology.title
    document.add_heading(chronology.title, level=1)
    document.add_paragraph(
        gettext("Chronology %(id)s, version %(version)s, by %(owner)s.")
        % {"id": chronology.id, "version": chronology.version, "owner": chronology.owner}
        + " "
        + gettext("Every fact cites the record (stable id), page and SHA-256 of its source.")
    )
    if chronology.hidden_facts:
        document.add_paragraph(
            ngettext(
                "%(num)s fact citing records outside your access is not shown.",
                "%(num)s facts citing records outside your access are not shown.",
                chronology.hidden_facts,
            )
            % {"num": number(chronology.hidden_facts)}
        )
    headings = [gettext(h) for h in DOCX_HEADINGS]
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    write_header(table.rows[0], headings)
    for n, fact in enumerate(chronology.facts, start=1):
        row = table.add_row()
        cells = row.cells
        disputed = fact.status == "disputed"
        fact_lines = [("", fact.text)]
        if fact.note:
            fact_lines.append(("i", gettext("Note:") + " " + fact.note))
        if fact.issues:
            fact_lines.append(("", gettext("Issues:") + " " + "; ".join(fact.issues)))
        if authors and (written := authorship(fact)):
            fact_lines.append(("i", written))
        status = ("b", gettext("DISPUTED")) if disputed else ("", label(fact.status))
        write_cell(cells[0], [("", number(n))])
        write_cell(cells[1], [("", human_date(fact.when))])
        write_cell(cells[2], fact_lines)
        write_cell(cells[3], [status])
        write_cell(cells[4], [("", label(fact.material))])
        cited = sources(fact, chronology.exhibit_labels)
        write_cell(cells[5], [("", line) for line in cited] or [("", gettext("no citation"))])
        if disputed:
            for cell in cells:
                _shade(cell, _DISPUTED_FILL)
    document.add_heading(gettext("Appendix: cited records and their SHA-256"), level=2)
    for stable_id, title, digest in hashes(chronology):
        document.add_paragraph(f"{stable_id}  {title}  {digest}", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_header(row: _Row, headings: list[str]) -> None:
    _repeat_as_header(row)
    for cell, heading in zip(row.cells, headings, strict=True):
        write_cell(cell, [("b", heading)])


def read_docx(data: bytes) -> list[dict[str, str]]:
    """The fact table of a DOCX export, as rows keyed by its header."""
    table = Document(io.BytesIO(data)).tables[0]
    header = [cell.text for cell in table.rows[0].cells]
    return [dict(zip(header, (c.text for c in row.cells), strict=True)) for row in table.rows[1:]]
