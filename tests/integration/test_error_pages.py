"""A person gets an HTML page for every error, a program gets JSON: bad parameters on a
page, an unknown address, a wrong method (issue 17, "errors reach a person as raw JSON")."""

from __future__ import annotations

import pytest

from evidence.settings import Settings
from tests.conftest import ClientFactory

PAGES = [
    ("/?date_from=spring+2012", 400, "spring 2012"),
    ("/?date_from=2013-13", 400, "month 13"),
    ("/timeline?date_from=spring+2012", 400, "spring 2012"),
    ("/?size=abc", 400, "size"),
    ("/nowhere", 404, "Not Found"),
]


@pytest.mark.parametrize(("path", "status", "says"), PAGES)
def test_a_person_gets_an_html_error_page(
    settings: Settings, make_client: ClientFactory, path: str, status: int, says: str
) -> None:
    with make_client(settings) as client:
        response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert says in response.text and 'role="alert"' in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/search?date_from=spring+2012", 400), ("/api/nowhere", 404), ("/media/x/y", 404)],
)
def test_a_program_still_gets_json(
    settings: Settings, make_client: ClientFactory, path: str, status: int
) -> None:
    with make_client(settings) as client:
        response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "title"), [("/nowhere", "Not found"), ("/?date_from=2013-13", "Check the request")]
)
def test_an_error_page_is_titled_by_what_went_wrong(
    settings: Settings, make_client: ClientFactory, path: str, title: str
) -> None:
    with make_client(settings) as client:
        response = client.get(path)
    assert f"<title>{title} · " in response.text and f"<h1>{title}</h1>" in response.text
