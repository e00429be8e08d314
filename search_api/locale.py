"""The interface language: which one a request gets, and the template helpers that use it.

Arabic or English, from the reader's choice (a cookie set by the switch in the header),
else from `Accept-Language`. Arabic readers also choose their digits: Arabic-Indic
(٠١٢) by default, or Latin (012), as many Syrian lawyers write case numbers.

Templates translate with `_()` (Jinja2's i18n extension, new style) and format with the
`number` and `human_date` filters. All three read the request's interface from a context
variable that the templates' context processor sets, so macros imported without context
translate too. The catalogs are compiled by `scripts/setup.sh` (`pybabel compile`); the
compiled `.mo` files are never committed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from fastapi import Request
from fastapi.templating import Jinja2Templates

from evidence.errors import N_, Message
from frontend import LOCALE_DIR

__all__ = [
    "DIGITS_COOKIE",
    "DIGIT_SYSTEMS",
    "LANGUAGES",
    "LANG_COOKIE",
    "N_",
    "Interface",
    "choose",
    "current",
    "gettext",
    "human_date",
    "install",
    "ngettext",
    "number",
    "translated",
    "use",
]

LANG_COOKIE = "evidence_lang"
DIGITS_COOKIE = "evidence_digits"


@dataclass(frozen=True)
class Language:
    code: str
    babel_locale: str  # Syrian Arabic month names: كانون الثاني، شباط، آذار…
    direction: str
    name: str  # in its own script, for the switch


LANGUAGES = {
    "en": Language("en", "en_GB", "ltr", "English"),
    "ar": Language("ar", "ar_SY", "rtl", "العربية"),
}
DIGIT_SYSTEMS = ("arab", "latn")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass(frozen=True)
class Interface:
    """What one request's pages are written in."""

    language: Language
    digits: str  # "arab" or "latn"

    @property
    def lang(self) -> str:
        return self.language.code

    @property
    def dir(self) -> str:
        return self.language.direction

    def digits_of(self, text: str) -> str:
        return text.translate(_ARABIC_INDIC) if self.digits == "arab" else text


ENGLISH = Interface(LANGUAGES["en"], "latn")
_current: ContextVar[Interface] = ContextVar("interface", default=ENGLISH)

_ACCEPT_ITEM = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q=([01](?:\.\d{0,3})?))?\s*$"
)


def _accepted(header: str) -> str | None:
    """The supported language a browser prefers most, from its Accept-Language."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:32]):
        match = _ACCEPT_ITEM.match(item)
        if match and float(match.group(2) or 1) > 0:
            ranked.append((-float(match.group(2) or 1), position, match.group(1)))
    preferred = [tag.split("-")[0].lower() for _, _, tag in sorted(ranked)]
    return next((code for code in preferred if code in LANGUAGES), None)


def choose(request: Request) -> Interface:
    """The reader's own choice first, then what the browser asks for, then English."""
    code = request.cookies.get(LANG_COOKIE)
    if code not in LANGUAGES:
        code = _accepted(request.headers.get("accept-language", "")) or "en"
    digits = request.cookies.get(DIGITS_COOKIE)
    if code == "en" or digits not in DIGIT_SYSTEMS:
        digits = "latn" if code == "en" else "arab"
    return Interface(LANGUAGES[code], digits)


@cache
def translations(code: str) -> NullTranslations:
    """The compiled catalog of a language; English is the source and needs none."""
    if code == "en":
        return NullTranslations()
    compiled = LOCALE_DIR / code / "LC_MESSAGES" / "messages.mo"
    source = compiled.with_suffix(".po")
    if not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime:
        raise RuntimeError(
            f"{compiled} is missing or older than its .po; run scripts/setup.sh "
            "(it compiles the message catalogs)"
        )
    with compiled.open("rb") as handle:
        return Translations(handle, domain="messages")


def use(request: Request) -> Interface:
    """Write the rest of this request (and the threads it starts) in the reader's language:
    for answers made without a template, such as a Word export."""
    interface = choose(request)
    _current.set(interface)
    return interface


def current() -> Interface:
    """The interface of the page being written (English outside a page)."""
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get().lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get().lang).ngettext(singular, plural, n)


def translated(message: str) -> str:
    """A message written in Python (an error, a notice) in the reader's language; a plain
    string as it is. Never through `_()`: that marks its result safe, and a message may
    quote what the reader typed."""
    return message.translated(gettext) if isinstance(message, Message) else message


def number(value: int | float) -> str:
    """A count written for the reader: grouped, in the reader's digits."""
    interface = _current.get()
    numbering = "default" if interface.digits == "arab" else "latn"
    grouped = format_decimal(
        value, locale=interface.language.babel_locale, numbering_system=numbering
    )
    return interface.digits_of(grouped)


def percent(value: float) -> str:
    """A percentage in whole numbers, in the reader's digits and percent sign."""
    interface = _current.get()
    numbering = "default" if interface.digits == "arab" else "latn"
    shown = format_percent(
        round(value) / 100, locale=interface.language.babel_locale, numbering_system=numbering
    )
    return interface.digits_of(shown)


def _field(value: Any, name: str) -> Any:
    """Dates reach templates as stored mappings or as response models."""
    return value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)


_PART = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _part(text: str, locale: str) -> str | None:
    match = _PART.match(text.strip())
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if day:
            return format_date(date(int(year), int(month), int(day)), "d MMM y", locale=locale)
        if month:
            return format_date(date(int(year), int(month), 1), "MMM y", locale=locale)
    except ValueError:
        return None
    return year


def human_date(value: Any) -> str:
    """A fuzzy date as a person writes it: "c. 28 Mar 2011", never `circa:2011-03-28`."""
    if not value:
        return gettext("undated")
    interface = _current.get()
    text = str(_field(value, "text") or "").strip()
    approximate = bool(_field(value, "approximate"))
    body = text[len("circa:") :] if text.lower().startswith("circa:") else text
    parts = [_part(piece, interface.language.babel_locale) for piece in body.split("/")]
    if parts and all(parts):
        shown = " – ".join(part for part in parts if part)
    else:  # an older or hand-made value: its earliest and latest days
        earliest, latest = _field(value, "earliest"), _field(value, "latest")
        shown = f"{earliest} – {latest}" if earliest != latest else str(earliest or text)
    if approximate:
        shown = gettext("c. %(date)s") % {"date": shown}
    return interface.digits_of(shown)


def _context(request: Request) -> dict[str, Any]:
    """Every page's interface: set for the helpers, and handed to the template."""
    return {"ui": use(request), "languages": LANGUAGES}


def install(templates: Jinja2Templates) -> None:
    """Give the page templates their language, translations and formatting helpers."""
    for code in LANGUAGES:
        translations(code)  # a missing or stale catalog stops the app at start, not a page
    templates.context_processors.append(_context)
    templates.env.add_extension("jinja2.ext.i18n")
    templates.env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    templates.env.filters["human_date"] = human_date
    templates.env.filters["number"] = number
    templates.env.filters["percent"] = percent
    templates.env.filters["translated"] = translated
