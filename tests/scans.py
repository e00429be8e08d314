"""Scans the tests make themselves: the demo's scan rendering (`indexer.demo.scans`:
known SYNTHETIC text in page images, image-only PDFs, multi-page TIFFs), and what only
tests need: a born-digital PDF page to put beside a scan, and an encrypted copy."""

from __future__ import annotations

import io

import pypdf
from fpdf import FPDF

from indexer.demo.scans import image_pdf, page, png, tiff

__all__ = ["encrypted", "image_pdf", "joined", "page", "png", "text_pdf", "tiff"]


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
