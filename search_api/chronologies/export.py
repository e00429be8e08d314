"""Chronologies for court: CSV, JSON, printable HTML and DOCX, every fact cited.

The CSV's cells never start a spreadsheet formula (`evidence.spreadsheet`). Rendering
blocks (DOCX above all), so the route runs it in a worker thread.

Each fact row carries its date as written and its bounds, status, materiality, and
every citation as stable id, page and SHA-256. The HTML and DOCX versions end with an
appendix listing each cited record's hash once, so a reader can verify the files.
The readers (`read_csv`, `read_docx`) exist so tests can check a round trip.
"""

from __future__ import annotations

import csv
import io
import json

from docx import Document
from docx.shared import Pt
from jinja2 import Environment, FileSystemLoader, select_autoescape

from evidence.spreadsheet import formula_safe_row
from frontend import TEMPLATES_DIR
from search_api.chronologies.models import Chronology, Fact

__all__ = ["COLUMNS", "read_csv", "read_docx", "to_csv", "to_docx", "to_html", "to_json"]

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


def rows(chronology: Chronology) -> list[dict[str, str]]:
    return [_row(n, fact) for n, fact in enumerate(chronology.facts, start=1)]


def hashes(chronology: Chronology) -> list[tuple[str, str, str]]:
    """(stable id, title, sha256) of every cited record, once each, in citation order."""
    seen: dict[str, tuple[str, str, str]] = {}
    for fact in chronology.facts:
        for c in fact.citations:
            seen.setdefault(c.stable_id, (c.stable_id, c.title or "", c.sha256 or "no file"))
    return list(seen.values())


def to_csv(chronology: Chronology) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(formula_safe_row(row) for row in rows(chronology))
    return buffer.getvalue()


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def to_json(chronology: Chronology) -> str:
    return json.dumps(chronology.model_dump(mode="json"), ensure_ascii=False, indent=2)


_ENV = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape())


def to_html(chronology: Chronology) -> str:
    template = _ENV.get_template("chronology_print.html")
    return template.render(chronology=chronology, rows=rows(chronology), hashes=hashes(chronology))


def to_docx(chronology: Chronology) -> bytes:
    """A Word document: title, a table of facts with citations, an appendix of hashes."""
    document = Document()
    document.core_properties.title = chronology.title
    document.add_heading(chronology.title, level=1)
    document.add_paragraph(
        f"Chronology {chronology.id}, version {chronology.version}, by {chronology.owner}. "
        "Every fact cites the record (stable id), page and SHA-256 of its source."
    )
    table = document.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, title in zip(
        table.rows[0].cells, ("No.", "Date", "Fact", "Status", "Material", "Sources"), strict=True
    ):
        cell.text = title
    for row in rows(chronology):
        cells = table.add_row().cells
        values = (
            row["n"],
            row["date"],
            row["fact"],
            row["status"],
            row["material"],
            row["citations"],
        )
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    document.add_heading("Appendix: cited records and their SHA-256", level=2)
    for stable_id, title, digest in hashes(chronology):
        document.add_paragraph(f"{stable_id}  {title}  {digest}", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def read_docx(data: bytes) -> list[dict[str, str]]:
    """The fact table of a DOCX export, as rows keyed by its header."""
    table = Document(io.BytesIO(data)).tables[0]
    header = [cell.text for cell in table.rows[0].cells]
    return [dict(zip(header, (c.text for c in row.cells), strict=True)) for row in table.rows[1:]]
