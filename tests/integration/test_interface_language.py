"""Pages in Arabic or English: chosen by the header's switch (a cookie), else by the
browser's Accept-Language; `<html lang dir>` follows (issue 17, "there is no Arabic
interface")."""

from __future__ import annotations

import pytest

from evidence.settings import Settings
from tests.conftest import ClientFactory


@pytest.mark.parametrize(
    ("headers", "lang", "direction", "says"),
    [
        ({}, "en", "ltr", "Log in"),
        ({"Accept-Language": "ar-SY,ar;q=0.9"}, "ar", "rtl", "تسجيل الدخول"),
        ({"Accept-Language": "ar", "Cookie": "evidence_lang=en"}, "en", "ltr", "Log in"),
    ],
)
def test_pages_are_written_in_the_readers_language(
    settings: Settings,
    make_client: ClientFactory,
    headers: dict[str, str],
    lang: str,
    direction: str,
    says: str,
) -> None:
    with make_client(settings) as client:
        for path in ("/login", "/nowhere"):
            response = client.get(path, headers=headers)
            assert f'<html lang="{lang}" dir="{direction}">' in response.text, path
            assert says in response.text
            assert "Accept-Language" in response.headers["vary"]


def test_the_switch_remembers_the_choice_and_returns_to_the_page(
    settings: Settings, make_client: ClientFactory
) -> None:
    with make_client(settings) as client:
        answer = client.get(
            "/language/ar",
            params={"next": "/login?next=/timeline", "digits": "latn"},
            follow_redirects=False,
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/timeline"
        assert (
            client.cookies["evidence_lang"] == "ar" and client.cookies["evidence_digits"] == "latn"
        )
        page = client.get("/login")
        assert 'dir="rtl"' in page.text and "كلمة المرور" in page.text
        assert "/language/ar?digits=arab" in page.text  # the digits switch offers the other system
        assert 'href="/language/en?next=' in page.text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_the_switch_never_sends_a_reader_off_site(
    settings: Settings, make_client: ClientFactory, target: str
) -> None:
    with make_client(settings) as client:
        answer = client.get("/language/en", params={"next": target}, follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_an_unknown_language_is_a_page_not_a_crash(
    settings: Settings, make_client: ClientFactory
) -> None:
    with make_client(settings) as client:
        answer = client.get("/language/xx", follow_redirects=False)
    assert answer.status_code == 404 and "text/html" in answer.headers["content-type"]
    assert "set-cookie" not in answer.headers or "evidence_lang" not in answer.headers["set-cookie"]
