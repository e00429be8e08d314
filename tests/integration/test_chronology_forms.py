"""The chronology editor's forms answer typing mistakes inline, the JSON API answers them
with a 4xx and a message, the listing holds every chronology, and writes wait for a
refresh instead of forcing one. Against the real node, on the tiny synthetic bundle."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch, helpers
from fastapi.testclient import TestClient
from httpx2 import Response

from evidence.access import AccessContext, Role
from evidence.devnode import NodeInfo
from evidence.indices import chronologies_index, plain_index_body
from evidence.settings import Settings
from indexer.load import load_bundle
from search_api.accounts.store import UserStore
from search_api.chronologies.store import ChronologyStore
from tests.conftest import TINY_BUNDLE, ClientFactory, run_async

PASSWORD = "a long enough password"


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, page
    return match.group(1)


def _shown(page: str) -> str:
    """A page in brief, for failure messages: its title and any alerts."""
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    alerts = re.findall(r'role="alert">(.*?)</p>', page, re.S)
    return f"{title.group(1) if title else page[:200]!r}, alerts {alerts}"


def _form(page: str, action: str, containing: str = "") -> str:
    """The HTML of the last form posting to `action` that contains `containing`."""
    pattern = rf'<form[^>]*action="{re.escape(action)}"[^>]*>.*?</form>'
    forms = [f for f in re.findall(pattern, page, re.S) if containing in f]
    assert forms, f"no form posting to {action} on {_shown(page)}"
    return forms[-1]


def _field(form: str, name: str) -> str:
    """What an input, textarea or select named `name` holds in a form's HTML."""
    textarea = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', form, re.S)
    if textarea:
        return textarea.group(1)
    select = re.search(rf'<select name="{name}".*?</select>', form, re.S)
    if select:
        chosen = re.search(r'<option value="([^"]*)" selected>', select.group(0))
        return chosen.group(1) if chosen else ""
    value = re.search(rf'<input name="{name}"[^>]*?value="([^"]*)"', form)
    return value.group(1) if value else ""


@pytest.fixture(scope="module")
def loaded(base_settings: Settings, es_node: NodeInfo) -> Iterator[Settings]:
    """The tiny bundle, loaded once for this module under a prefix of its own: loading
    takes seconds, and each test keeps to the chronologies of a user of its own."""
    settings = base_settings.model_copy(update={"index_prefix": f"t{uuid.uuid4().hex[:12]}"})
    with Elasticsearch(settings.es_url, request_timeout=30) as client:
        assert load_bundle(client, settings.index_prefix, TINY_BUNDLE).rejections == []
        yield settings
        names = client.indices.get(index=f"{settings.index_prefix}-*", expand_wildcards="all")
        client.indices.delete(index=",".join(names))


@pytest.fixture(scope="module")
def node(loaded: Settings) -> Iterator[Elasticsearch]:
    with Elasticsearch(loaded.es_url, request_timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def chronologies(loaded: Settings, node: Elasticsearch) -> str:
    """The chronologies index, created as the app creates it."""
    index = chronologies_index(loaded.index_prefix)
    if not node.indices.exists(index=index):
        node.indices.create(index=index, **plain_index_body("chronologies"))
    return index


@pytest.fixture
def username(loaded: Settings) -> str:
    name = f"lawyer{uuid.uuid4().hex[:8]}"

    async def add() -> None:
        client = AsyncElasticsearch(loaded.es_url)
        await UserStore(client, loaded).add(name, Role.INVESTIGATOR, PASSWORD)
        await client.close()

    run_async(add())
    return name


@pytest.fixture
def lawyer(loaded: Settings, username: str, make_client: ClientFactory) -> Iterator[TestClient]:
    """A logged-in investigator's browser."""
    with make_client(loaded) as client:
        login = {"username": username, "password": PASSWORD, "next": "/"}
        login["csrf"] = _hidden(client.get("/login").text, "csrf")
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303
        yield client


def _create(client: TestClient, title: str = "Branch 215") -> str:
    csrf = _hidden(client.get("/chronologies").text, "csrf")
    created = client.post(
        "/chronologies", data={"csrf": csrf, "title": title}, follow_redirects=False
    )
    assert created.status_code == 303, created.text
    return created.headers["location"].rsplit("/", 1)[1]


def _editor(client: TestClient, chronology_id: str) -> tuple[str, str]:
    """The CSRF token and version the editor's forms carry."""
    page = client.get(f"/chronologies/{chronology_id}").text
    return _hidden(page, "csrf"), _hidden(page, "version")


def _record(client: TestClient) -> str:
    return client.get("/api/search", params={"size": 1}).json()["hits"][0]["stable_id"]


def _facts(client: TestClient, chronology_id: str) -> list[dict]:
    return client.get(f"/api/chronologies/{chronology_id}").json()["facts"]


def _inline(response: Response, status: int, action: str, containing: str = "") -> str:
    """The failed form, after checking the editor came back with the error inside it."""
    assert response.status_code == status, _shown(response.text)
    assert response.headers["content-type"].startswith("text/html"), response.text
    form = _form(response.text, action, containing)
    assert 'class="error" role="alert"' in form, form
    return form


TYPED = {
    "text": "SYNTHETIC: moved to Hospital 601",
    "date": "circa:2012-03",
    "status": "disputed",
    "material": "yes",
    "page": "3",
    "issues": "transfer; custody",
    "note": "check the register",
}


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ({"date": "2012-13-45"}, "Date"),
        ({"date": "spring 2012"}, "Date"),
        ({"cite": "ab"}, "Cite"),
        ({"page": "0"}, "Page"),
        ({"page": "iii"}, "Page"),
        ({"text": "x" * 5001}, "Fact"),
        ({"csrf": "forged"}, "expired"),
    ],
    ids=[
        "bad-date",
        "season",
        "short-citation-id",
        "page-zero",
        "page-not-a-number",
        "overlong-text",
        "expired-form",
    ],
)
def test_a_mistake_in_the_new_fact_form_comes_back_inline_with_the_input_kept(
    lawyer: TestClient, mistake: dict[str, str], message: str
) -> None:
    chronology_id = _create(lawyer)
    csrf, version = _editor(lawyer, chronology_id)
    typed = TYPED | {"cite": _record(lawyer)} | mistake
    response = lawyer.post(
        f"/chronologies/{chronology_id}/facts", data={"csrf": csrf, "version": version} | typed
    )
    form = _inline(response, 400, f"/chronologies/{chronology_id}/facts")
    assert message in form
    for name, value in typed.items():
        if name != "csrf":
            assert _field(form, name) == value, name
    assert _facts(lawyer, chronology_id) == []


@pytest.mark.parametrize("typed", ["circa 2012", "c. 2012", "Circa: 2012", "حوالي ٢٠١٢"])
def test_an_approximate_date_is_typed_as_people_write_it(lawyer: TestClient, typed: str) -> None:
    """ "circa 2012" is stored as `circa:2012`, shown as "c. 2012" and offered for
    editing as "circa 2012"; it used to be refused (and before that, lost)."""
    chronology_id = _create(lawyer)
    csrf, version = _editor(lawyer, chronology_id)
    added = lawyer.post(
        f"/chronologies/{chronology_id}/facts",
        data={"csrf": csrf, "version": version, "text": "SYNTHETIC", "date": typed},
        follow_redirects=False,
    )
    assert added.status_code == 303, _shown(added.text)
    (fact,) = _facts(lawyer, chronology_id)
    assert fact["date"] == "circa:2012" and fact["approximate"]
    page = lawyer.get(f"/chronologies/{chronology_id}").text
    assert "c. 2012" in page and "circa:" not in page
    assert _field(_form(page, f"/chronologies/{chronology_id}/facts", fact["fact_id"]), "date") == (
        "circa 2012"
    )


def test_a_mistake_in_a_fact_edit_comes_back_in_that_facts_form(lawyer: TestClient) -> None:
    chronology_id = _create(lawyer)
    csrf, version = _editor(lawyer, chronology_id)
    added = lawyer.post(
        f"/chronologies/{chronology_id}/facts",
        data={"csrf": csrf, "version": version} | TYPED | {"cite": _record(lawyer)},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    (fact,) = _facts(lawyer, chronology_id)
    assert fact["citations"][0]["page"] == 3
    csrf, version = _editor(lawyer, chronology_id)
    edit = {"fact_id": fact["fact_id"], "text": "edited", "date": "2012-02-30", "page": "4"}
    response = lawyer.post(
        f"/chronologies/{chronology_id}/facts", data={"csrf": csrf, "version": version} | edit
    )
    form = _inline(response, 400, f"/chronologies/{chronology_id}/facts", fact["fact_id"])
    assert (_field(form, "text"), _field(form, "date"), _field(form, "page")) == (
        "edited",
        "2012-02-30",
        "4",
    )
    assert re.search(r"<details open>(?:(?!</details>).)*" + fact["fact_id"], response.text, re.S)
    assert _facts(lawyer, chronology_id) == [fact]


def test_a_stale_fact_form_is_a_409_with_the_input_kept(lawyer: TestClient) -> None:
    chronology_id = _create(lawyer)
    csrf, stale = _editor(lawyer, chronology_id)
    renamed = lawyer.post(
        f"/chronologies/{chronology_id}/rename",
        data={"csrf": csrf, "version": stale, "title": "Renamed"},
        follow_redirects=False,
    )
    assert renamed.status_code == 303
    response = lawyer.post(
        f"/chronologies/{chronology_id}/facts",
        data={"csrf": csrf, "version": stale} | TYPED | {"cite": _record(lawyer)},
    )
    form = _inline(response, 409, f"/chronologies/{chronology_id}/facts")
    assert "Someone else changed this chronology" in form
    assert _field(form, "text") == TYPED["text"]
    assert _hidden(form, "version") != stale, "the page shows the current version"


@pytest.mark.parametrize("version", ["abc", "7", "1.2.3", "-1.1", "1.0", "\u0661.\u0661", ""])
def test_a_bad_version_on_delete_comes_back_inline(lawyer: TestClient, version: str) -> None:
    chronology_id = _create(lawyer)
    csrf, _ = _editor(lawyer, chronology_id)
    response = lawyer.post(
        f"/chronologies/{chronology_id}/delete", data={"csrf": csrf, "version": version}
    )
    form = _inline(response, 400, f"/chronologies/{chronology_id}/delete")
    assert "version must be" in form
    assert lawyer.get(f"/api/chronologies/{chronology_id}").status_code == 200


def test_a_blank_title_comes_back_inline_on_create_and_rename(lawyer: TestClient) -> None:
    csrf = _hidden(lawyer.get("/chronologies").text, "csrf")
    form = _inline(
        lawyer.post("/chronologies", data={"csrf": csrf, "title": "  "}), 400, "/chronologies"
    )
    assert "needs a title" in form
    chronology_id = _create(lawyer)
    csrf, version = _editor(lawyer, chronology_id)
    response = lawyer.post(
        f"/chronologies/{chronology_id}/rename",
        data={"csrf": csrf, "version": version, "title": "  "},
    )
    assert "needs a title" in _inline(response, 400, f"/chronologies/{chronology_id}/rename")


def _row(page: str, fact_id: str) -> str:
    match = re.search(rf'<tr class="fact[^"]*"[^>]* data-fact-id="{fact_id}">.*?</tr>', page, re.S)
    assert match, _shown(page)
    return match.group(0)


def test_arrows_show_only_where_a_fact_may_move(lawyer: TestClient) -> None:
    """Facts are ordered by date, so only facts on the same date swap places: the
    editor offers only those moves."""
    chronology_id = _create(lawyer)
    for text, date in (("alone", "2011"), ("first", "2012-03-14"), ("second", "2012-03-14")):
        csrf, version = _editor(lawyer, chronology_id)
        lawyer.post(
            f"/chronologies/{chronology_id}/facts",
            data={"csrf": csrf, "version": version, "text": text, "date": date},
        )
    page = lawyer.get(f"/chronologies/{chronology_id}").text
    ids = {f["text"]: f["fact_id"] for f in _facts(lawyer, chronology_id)}
    base = f"/chronologies/{chronology_id}/facts"
    alone, first, second = (_row(page, ids[t]) for t in ("alone", "first", "second"))
    assert "/up" not in alone and "/down" not in alone
    assert f"{base}/{ids['first']}/down" in first and "/up" not in first
    assert f"{base}/{ids['second']}/up" in second and "/down" not in second


def test_a_refused_reorder_comes_back_next_to_that_fact(lawyer: TestClient) -> None:
    """A move across dates (a stale page, or a typed address) is refused on the
    chronology page, next to that fact, not on an error page."""
    chronology_id = _create(lawyer)
    csrf, version = _editor(lawyer, chronology_id)
    lawyer.post(
        f"/chronologies/{chronology_id}/facts",
        data={"csrf": csrf, "version": version, "text": "only fact", "date": "2012"},
    )
    (fact,) = _facts(lawyer, chronology_id)
    csrf, version = _editor(lawyer, chronology_id)
    action = f"/chronologies/{chronology_id}/facts/{fact['fact_id']}/up"
    response = lawyer.post(action, data={"csrf": csrf, "version": version})
    assert response.status_code == 400, _shown(response.text)
    assert response.headers["content-type"].startswith("text/html")
    assert 'action="/chronologies/' in response.text, "the editor, not an error page"
    row = _row(response.text, fact["fact_id"])
    assert 'class="error" role="alert">Only facts on the same date' in row


def test_the_api_answers_a_bad_version_with_a_400_on_every_route(lawyer: TestClient) -> None:
    chronology_id = lawyer.post("/api/chronologies", json={"title": "API"}).json()["id"]
    version = lawyer.get(f"/api/chronologies/{chronology_id}").json()["version"]
    added = lawyer.post(
        f"/api/chronologies/{chronology_id}/facts",
        json={"version": version, "fact": {"text": "one", "date": "2012"}},
    ).json()
    fact_id = added["facts"][0]["fact_id"]
    base = f"/api/chronologies/{chronology_id}"
    for bad in ("abc", "7", "1.2.3", "1.0"):
        answers = {
            "rename": lawyer.patch(base, json={"version": bad, "title": "x"}),
            "delete": lawyer.delete(base, params={"version": bad}),
            "add fact": lawyer.post(
                f"{base}/facts", json={"version": bad, "fact": {"text": "two"}}
            ),
            "edit fact": lawyer.put(
                f"{base}/facts/{fact_id}", json={"version": bad, "fact": {"text": "two"}}
            ),
            "delete fact": lawyer.delete(f"{base}/facts/{fact_id}", params={"version": bad}),
            "move fact": lawyer.post(
                f"{base}/facts/{fact_id}/move", json={"version": bad, "direction": "up"}
            ),
        }
        for route, answer in answers.items():
            assert answer.status_code == 400, (bad, route, answer.text)
            assert "version must be" in answer.json()["detail"], (bad, route, answer.text)
    assert lawyer.get(base).json()["facts"] == added["facts"]


def test_the_listing_holds_every_chronology_past_500(
    lawyer: TestClient, username: str, node: Elasticsearch, chronologies: str
) -> None:
    start = datetime(2020, 1, 1, tzinfo=UTC)

    def document(n: int, owner: str) -> dict:
        """A chronology in the shape `ChronologyStore.create` writes it."""
        when = (start + timedelta(minutes=n)).isoformat(timespec="seconds")
        source = {"title": f"Case {n}", "owner": owner, "created": when, "updated": when}
        return {
            "_index": chronologies,
            "_id": f"ch-{owner}-{n:05d}",
            "_source": {**source, "facts": []},
        }

    mine = [document(n, username) for n in range(501)]
    helpers.bulk(node, [*mine, *(document(n, "someone") for n in range(3))], refresh=True)
    listed = lawyer.get("/api/chronologies").json()
    assert len(listed) == 501
    assert sorted(c["id"] for c in listed) == sorted(d["_id"] for d in mine)
    assert [c["updated"] for c in listed] == sorted((c["updated"] for c in listed), reverse=True)
    page = lawyer.get("/chronologies").text
    assert len(set(re.findall(r'href="/chronologies/(ch-[^"]+)"', page))) == 501


def test_writes_wait_for_a_refresh_instead_of_forcing_one(
    username: str, loaded: Settings, node: Elasticsearch, chronologies: str
) -> None:
    """Twenty concurrent creates, saves and deletes: each still reads its own write, but
    they share scheduled refreshes instead of forcing one each."""
    access = AccessContext(Role.INVESTIGATOR, username)

    def refreshes() -> int:
        stats = node.indices.stats(index=chronologies, metric="refresh")
        return int(stats["_all"]["primaries"]["refresh"]["total"])

    async def burst() -> tuple[int, int, int]:
        client = AsyncElasticsearch(loaded.es_url)
        store = ChronologyStore(client, loaded.index_prefix)
        created = await asyncio.gather(*(store.create(access, f"c{n}") for n in range(20)))
        after_create = len(await store.list(access, {}))
        source = {"title": "saved", "owner": username, "created": "2020-01-01", "facts": []}
        saved = await asyncio.gather(*(store.save(c, source, v) for c, v in created))
        after_save = sum(c["title"] == "saved" for c in await store.list(access, {}))
        await asyncio.gather(
            *(store.delete(access, c, v, {}) for (c, _), v in zip(created, saved, strict=True))
        )
        after_delete = len(await store.list(access, {}))
        await client.close()
        return after_create, after_save, after_delete

    before = refreshes()
    assert run_async(burst()) == (20, 20, 0), "every write is visible to the next read"
    assert refreshes() - before < 30, "60 writes must not force 60 refreshes"
