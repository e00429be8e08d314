"""The interface language: which one a request gets, and the template helpers that use it.

Stage one (this file will grow): the template environment knows `_()`, `ngettext`,
`human_date` and `number`, so pages can be written for translation now.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.templating import Jinja2Templates

__all__ = ["human_date", "install", "number"]


def number(value: int | float) -> str:
    """A count for people: grouped digits."""
    return f"{value:,}"


def _field(date: Any, name: str) -> Any:
    """Dates reach templates as stored mappings or as response models."""
    return date.get(name) if isinstance(date, Mapping) else getattr(date, name, None)


def human_date(date: Any) -> str:
    """A fuzzy date as a person writes it, never the `circa:` syntax."""
    if not date:
        return "undated"
    text = str(_field(date, "text") or "")
    return f"{text} (approx.)" if _field(date, "approximate") else text


def install(templates: Jinja2Templates) -> None:
    """Give the page templates the translation and formatting helpers."""
    templates.env.add_extension("jinja2.ext.i18n")
    templates.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    templates.env.filters["human_date"] = human_date
    templates.env.filters["number"] = number
