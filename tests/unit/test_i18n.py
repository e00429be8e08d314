"""The Arabic catalog covers the interface, and dates and numbers read as people write them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from starlette.requests import Request

from frontend import LOCALE_DIR
from search_api import locale
from search_api.routes.language import local_path

ROOT = Path(__file__).resolve().parents[2]
CATALOG = LOCALE_DIR / "ar" / "LC_MESSAGES" / "messages.po"
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _method_map() -> list[tuple[str, str]]:
    methods = []
    for line in (LOCALE_DIR / "babel.cfg").read_text().splitlines():
        match = re.match(r"^\[(\w+): (.+)\]$", line)
        if match:
            methods.append((match.group(2), match.group(1)))
    return methods


def _extracted() -> dict[str, str]:
    """Every msgid the templates and the code ask for, with where it was first seen."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(ROOT, _method_map()):
        ids = message if isinstance(message, tuple) else (message,)
        if ids and ids[0]:
            found.setdefault(ids[0], f"{filename}:{lineno}")
    return found


def _catalog() -> dict[str, str]:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    entries: dict[str, str] = {}
    for message in catalog:
        if message.id:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            text = message.string[0] if isinstance(message.string, tuple) else message.string
            entries[key] = text
    return entries


def test_every_interface_string_has_an_arabic_translation() -> None:
    catalog, wanted = _catalog(), _extracted()
    missing = {msgid: where for msgid, where in wanted.items() if not catalog.get(msgid)}
    assert not missing, "add to frontend/locale/ar/LC_MESSAGES/messages.po:\n" + "\n".join(
        f"  {where}: {msgid!r}" for msgid, where in sorted(missing.items(), key=lambda kv: kv[1])
    )


def test_the_catalog_holds_no_string_the_interface_no_longer_uses() -> None:
    obsolete = set(_catalog()) - set(_extracted())
    assert not obsolete, f"remove from the Arabic catalog: {sorted(obsolete)}"


def test_each_string_is_translated_once() -> None:
    """Sections are kept by hand; a msgid in two of them would be translated twice."""
    ids = re.findall(r'^msgid "(.*)"$', CATALOG.read_text(), flags=re.M)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_translations_keep_every_placeholder() -> None:
    for msgid, msgstr in _catalog().items():
        assert sorted(_PLACEHOLDER.findall(msgid)) == sorted(_PLACEHOLDER.findall(msgstr)), msgid


def test_the_compiled_catalog_is_current_and_not_committed() -> None:
    compiled = CATALOG.with_suffix(".mo")
    assert compiled.stat().st_mtime >= CATALOG.stat().st_mtime, "run scripts/setup.sh"
    assert "*.mo" in (ROOT / ".gitignore").read_text().split()


def _request(headers: dict[str, str]) -> Request:
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


@pytest.mark.parametrize(
    ("headers", "lang", "digits"),
    [
        ({}, "en", "latn"),
        ({"Accept-Language": "ar-SY,ar;q=0.9,en;q=0.8"}, "ar", "arab"),
        ({"Accept-Language": "de-DE, en;q=0.5, ar;q=0.4"}, "en", "latn"),
        ({"Accept-Language": "fr, ar;q=0.2"}, "ar", "arab"),
        ({"Accept-Language": "ar;q=0, en"}, "en", "latn"),
        ({"Accept-Language": "ar", "Cookie": "evidence_lang=en"}, "en", "latn"),
        ({"Cookie": "evidence_lang=ar; evidence_digits=latn"}, "ar", "latn"),
        ({"Cookie": "evidence_lang=xx; evidence_digits=bogus"}, "en", "latn"),
    ],
)
def test_the_language_comes_from_the_cookie_then_the_browser(
    headers: dict[str, str], lang: str, digits: str
) -> None:
    chosen = locale.choose(_request(headers))
    assert (chosen.lang, chosen.digits) == (lang, digits)
    assert chosen.dir == ("rtl" if lang == "ar" else "ltr")


@contextmanager
def _reading(lang: str, digits: str) -> Iterator[None]:
    token = locale._current.set(locale.Interface(locale.LANGUAGES[lang], digits))
    try:
        yield
    finally:
        locale._current.reset(token)


@pytest.mark.parametrize(
    ("lang", "digits", "value", "shown"),
    [
        ("en", "latn", {"text": "circa:2011-03-28", "approximate": True}, "c. 28 Mar 2011"),
        ("ar", "arab", {"text": "circa:2011-03-28", "approximate": True}, "حوالي ٢٨ آذار ٢٠١١"),
        ("ar", "latn", {"text": "2011-03-28"}, "28 آذار 2011"),
        ("en", "latn", {"text": "2012-05"}, "May 2012"),
        ("en", "latn", {"text": "2012-03/2012-06"}, "Mar 2012 – Jun 2012"),
        ("en", "latn", {"text": "circa:2012", "approximate": True}, "c. 2012"),
        ("en", "latn", None, "undated"),
        ("ar", "arab", None, "بلا تاريخ"),
    ],
)
def test_dates_read_as_people_write_them(
    lang: str, digits: str, value: dict[str, object] | None, shown: str
) -> None:
    with _reading(lang, digits):
        assert locale.human_date(value) == shown
        assert "circa" not in locale.human_date(value)


@pytest.mark.parametrize(
    ("lang", "digits", "shown"),
    [("en", "latn", "53,275"), ("ar", "arab", "٥٣٬٢٧٥"), ("ar", "latn", "53,275")],
)
def test_numbers_are_grouped_in_the_readers_digits(lang: str, digits: str, shown: str) -> None:
    with _reading(lang, digits):
        assert locale.number(53275) == shown


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/search?q=x", "/search?q=x"),
        ("/records/abc#hit", "/records/abc#hit"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        (None, "/"),
    ],
)
def test_the_switch_returns_only_to_a_page_on_this_site(target: str | None, safe: str) -> None:
    assert local_path(target) == safe
