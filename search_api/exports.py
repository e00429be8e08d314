"""What an export file is called: after the search, so a folder of exports reads as a
list of searches (`evidence-anwar-raslan-2026-12-04.csv`)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from urllib.parse import quote

__all__ = ["export_disposition", "export_filename"]

_MAX_SLUG = 60


def _slug(text: str, *, ascii_only: bool) -> str:
    """Words joined by hyphens; letters of any script unless `ascii_only`."""
    folded = unicodedata.normalize("NFKD", text) if ascii_only else text
    kept = "".join(
        ch.lower() if ch.isalnum() and (ch.isascii() or not ascii_only) else " " for ch in folded
    )
    return "-".join(kept.split())[:_MAX_SLUG].strip("-")


def export_filename(q: str, extension: str, today: date, *, ascii_only: bool = True) -> str:
    slug = _slug(q, ascii_only=ascii_only) or ("search" if q.strip() else "all-records")
    return f"evidence-{slug}-{today.isoformat()}.{extension}"


def export_disposition(q: str, extension: str, today: date | None = None) -> str:
    """`Content-Disposition` with an ASCII `filename` every client reads and, when the
    query has other letters (Arabic), an RFC 5987 `filename*` in UTF-8."""
    day = today or datetime.now(UTC).date()
    plain = export_filename(q, extension, day)
    full = export_filename(q, extension, day, ascii_only=False)
    header = f'attachment; filename="{plain}"'
    if full != plain:
        header += f"; filename*=UTF-8''{quote(full, safe='')}"
    return header
