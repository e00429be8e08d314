"""An Arabic reader reads the errors written in Python in Arabic, on the page; a program
still reads the English sentence in the JSON (issue 17: "every label, facet name, date
and message is in English")."""

from __future__ import annotations

import re

import pytest
from elasticsearch import AsyncElasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.settings import Settings
from search_api.accounts.store import UserStore
from tests.conftest import ClientFactory, run_async

ARABIC = {"evidence_lang": "ar"}


def _alert(html: str) -> str:
    match = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', html, flags=re.S)
    assert match, html[:500]
    return match.group(1)


@pytest.mark.parametrize(
    ("path", "says", "typed"),
    [
        ("/?date_from=spring+2012", "ليس تاريخًا", "spring 2012"),
        ("/?date_from=2013-13", "لا يوجد شهر رقمه 13", "2013-13"),
        ("/timeline?date_to=2013-02-30", "لا يوجد يوم رقمه 30", "2013-02-30"),
    ],
)
def test_a_bad_date_is_explained_in_arabic(
    settings: Settings, make_client: ClientFactory, path: str, says: str, typed: str
) -> None:
    with make_client(settings) as client:
        client.cookies.update(ARABIC)
        page = client.get(path)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    alert = _alert(page.text)
    assert says in alert and f"«{typed}»" in alert, alert
    assert "is not YYYY" not in alert and "has month" not in alert


def test_pydantics_own_checks_are_worded_in_arabic(
    settings: Settings, make_client: ClientFactory
) -> None:
    with make_client(settings) as client:
        client.cookies.update(ARABIC)
        page = client.get("/?size=abc")
        answer = client.get("/api/search?size=abc")
    assert _alert(page.text) == "قيمة «size» غير مقبولة: يجب أن تكون عددًا صحيحًا"
    assert answer.json()["detail"].startswith("size: Input should be a valid integer")


def test_an_english_reader_keeps_the_english_sentence(
    settings: Settings, make_client: ClientFactory
) -> None:
    with make_client(settings) as client:
        page = client.get("/?date_from=2013-13")
    assert "&#39;2013-13&#39; has month 13" in _alert(page.text)


def test_a_program_still_reads_english_json(settings: Settings, make_client: ClientFactory) -> None:
    with make_client(settings) as client:
        client.cookies.update(ARABIC)
        answer = client.get("/api/search?date_from=2013-13")
    assert answer.status_code == 400
    assert answer.json() == {"detail": "date_from: '2013-13' has month 13"}


def test_a_wrong_login_is_refused_in_arabic(settings: Settings, make_client: ClientFactory) -> None:
    with make_client(settings) as client:
        client.cookies.update(ARABIC)
        csrf = _csrf(client)
        refused = client.post(
            "/login",
            data={"username": "nobody", "password": "not the password", "csrf": csrf},
            follow_redirects=False,
        )
    assert refused.status_code == 401
    assert _alert(refused.text) == "اسم المستخدم أو كلمة المرور غير صحيحة."


def test_an_unknown_record_is_not_found_in_arabic(
    tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    with make_client(tiny_loaded) as client:
        client.cookies.update(ARABIC)
        page = client.get("/records/no-such-record")
    assert page.status_code == 404
    assert _alert(page.text) == "لا يوجد سجل بالمعرّف no-such-record."


def test_a_form_from_elsewhere_is_refused_in_arabic(
    settings: Settings, make_client: ClientFactory
) -> None:
    with make_client(settings) as client:
        client.cookies.update(ARABIC)
        refused = client.post(
            "/login",
            data={"username": "nobody", "password": "not the password", "csrf": "forged"},
            follow_redirects=False,
        )
    assert refused.status_code == 400 and "text/html" in refused.headers["content-type"]
    assert "انتهت صلاحية النموذج" in _alert(refused.text)


def test_an_unknown_address_and_language_are_explained_in_arabic(
    settings: Settings, make_client: ClientFactory
) -> None:
    with make_client(settings) as client:
        client.cookies.update(ARABIC)
        nowhere = client.get("/nowhere")
        unknown = client.get("/language/xx", follow_redirects=False)
    assert _alert(nowhere.text) == "لا توجد صفحة بهذا العنوان."
    assert "لا توجد واجهة باللغة «xx»" in _alert(unknown.text)


def test_the_chronology_forms_refuse_in_arabic(
    tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    """A typed fact's date and a missing title: the editor's and the list's own alerts."""
    password = "a long enough password"

    async def add() -> None:
        client = AsyncElasticsearch(tiny_loaded.es_url)
        await UserStore(client, tiny_loaded).add("lawyer", Role.INVESTIGATOR, password)
        await client.close()

    run_async(add())
    with make_client(tiny_loaded) as client:
        client.cookies.update(ARABIC)
        login = {"username": "lawyer", "password": password, "csrf": _csrf(client)}
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303
        untitled = client.post("/chronologies", data={"csrf": _csrf(client), "title": " "})
        assert untitled.status_code == 400
        assert _alert(untitled.text) == "يحتاج التسلسل الزمني إلى عنوان."
        created = client.post(
            "/chronologies",
            data={"csrf": _csrf(client), "title": "Branch 215"},
            follow_redirects=False,
        )
        editor = created.headers["location"]
        version = _hidden(client.get(editor).text, "version")
        fact = {"csrf": _csrf(client), "version": version, "date": "spring 2012", "text": "x"}
        refused = client.post(f"{editor}/facts", data=fact)
    assert refused.status_code == 400
    alert = _alert(refused.text)
    assert alert.startswith("قيمة «التاريخ» غير مقبولة: «spring 2012» ليس تاريخًا"), alert


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, page[:500]
    return match.group(1)


def _csrf(client: TestClient) -> str:
    return _hidden(client.get("/login").text, "csrf")


def test_the_search_pages_own_error_is_in_arabic(
    settings: Settings, make_client: ClientFactory
) -> None:
    """The search page shows a refused cursor in its own layout, not the error page."""
    with make_client(settings) as client:
        client.cookies.update(ARABIC)
        page = client.get("/", params={"q": "x", "cursor": "not-a-cursor"})
    assert page.status_code == 400
    assert "أعد البحث من البداية" in _alert(page.text)
