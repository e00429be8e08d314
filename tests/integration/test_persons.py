"""Person pages (issue 24): one page per person in every spelling and script, counts
that are the search's own, and protected persons a 404 below investigator."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.ids import stable_id
from evidence.names import person_key
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import loaded_once, role_headers

ROLES = (Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR)
ARABIC = range(0x0600, 0x0700)


@pytest.fixture(scope="module")
def site(demo_corpus: Settings) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    headers = role_headers(demo_corpus, suffix="-persons")
    with TestClient(create_app(demo_corpus), raise_server_exceptions=False) as client:
        yield client, headers


def _arabic(name: str) -> bool:
    return any(ord(letter) in ARABIC for letter in name)


def _index(client: TestClient, headers: dict[str, str]) -> list[dict]:
    response = client.get("/api/persons", headers=headers)
    assert response.status_code == 200, response.text
    persons: list[dict] = response.json()["persons"]
    return persons


def test_a_person_spelled_several_ways_in_two_scripts_is_one_page(site) -> None:
    """ابراهيم الحمصي, Ebrahim al-Homsi and Ibrahim al-Homsi, say: one key, one page."""
    client, headers = site
    investigator = headers[Role.INVESTIGATOR]
    persons = _index(client, investigator)
    mixed = [
        p
        for p in persons
        if len(p["spellings"]) >= 3
        and any(_arabic(s["name"]) for s in p["spellings"])
        and any(not _arabic(s["name"]) for s in p["spellings"])
    ]
    assert mixed, "the demo names someone three ways in Arabic and Latin letters"
    person = mixed[0]
    spellings = [s["name"] for s in person["spellings"]]
    assert {person_key(name) for name in spellings} == {person["key"]}
    page = client.get(f"/api/persons/{person['key']}", headers=investigator).json()
    assert [s["name"] for s in page["person"]["spellings"]] == spellings
    for spelling in person["spellings"]:
        alone = client.get(
            "/api/search", params={"person": spelling["name"], "size": 1}, headers=investigator
        ).json()
        assert spelling["records"] == alone["total"], spelling
    html = client.get(f"/persons/{person['key']}", headers=investigator).text
    assert all(name in html for name in spellings)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_a_person_page_counts_what_the_search_finds(site, role: Role) -> None:
    client, headers = site
    persons = _index(client, headers[role])
    assert persons and persons == sorted(persons, key=lambda p: (-p["records"], p["key"]))
    for person in persons[:3]:
        response = client.get(f"/api/persons/{person['key']}", headers=headers[role])
        assert response.status_code == 200, response.text
        page = response.json()
        spellings = [s["name"] for s in person["spellings"]]
        search = client.get(
            "/api/search", params={"person": spellings, "size": 1}, headers=headers[role]
        ).json()
        assert page["total"] == search["total"] == page["person"]["records"]
        assert sum(v["count"] for v in page["types"]) == page["total"]
        assert person["key"] not in {other["key"] for other in page["persons"]}
        assert page["roles"], "every named person has a role in the records"


def test_a_protected_person_is_a_404_below_investigator_like_an_unknown_key(site) -> None:
    client, headers = site
    public_keys = {p["key"] for p in _index(client, headers[Role.JOURNALIST])}
    investigators = _index(client, headers[Role.INVESTIGATOR])
    protected = [p for p in investigators if p["key"] not in public_keys]
    assert protected, "the demo has victims, witnesses and family only investigators read"
    key = protected[0]["key"]
    assert client.get(f"/api/persons/{key}", headers=headers[Role.INVESTIGATOR]).status_code == 200
    unknown_key = "zzzq-xqzz"
    for role in (Role.PUBLIC, Role.JOURNALIST):
        for base in ("/api/persons/", "/persons/"):
            hidden = client.get(base + key, headers=headers[role])
            unknown = client.get(base + unknown_key, headers=headers[role])
            assert hidden.status_code == unknown.status_code == 404
            assert hidden.text.replace(key, unknown_key) == unknown.text
        listed = client.get("/persons", headers=headers[role]).text
        assert f'/persons/{key}"' not in listed
        assert protected[0]["name"] not in listed


def test_an_ambiguous_key_is_flagged(site) -> None:
    """محمد and محمود are both `mhmd`: a page joining them says so."""
    client, headers = site
    persons = _index(client, headers[Role.INVESTIGATOR])
    flagged = [p for p in persons if p["ambiguous"]]
    assert flagged, "the demo's names include Muhammad or Mahmoud"
    assert all(len(p["ambiguous"]) >= 2 for p in flagged)
    page = client.get(f"/persons/{flagged[0]['key']}", headers=headers[Role.INVESTIGATOR])
    assert "some records may name another person" in page.text


def _spellings_of_one_key() -> list[str]:
    """60 distinct spellings that all have the key `mhmd-hsn`."""
    names = [
        f"{article}{given} {family}"
        for given in ("Muhammad", "Mohammed", "Mohamad", "Muhamad", "Mohammad", "Mouhamad")
        for family in ("Hasan", "Hassan", "Hasen", "Hassen", "Husan")
        for article in ("", "al-")
    ]
    assert len(set(names)) == 60
    return names


@pytest.fixture(scope="module")
def many(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A SYNTHETIC bundle: one filing naming one person 60 ways, one naming Anwar
    Raslan and one naming a Raslan alone."""
    root = tmp_path_factory.mktemp("many-spellings") / "bundle"
    (root / "filings").mkdir(parents=True)
    (root / "collection.yaml").write_text(
        "id: spellings\ntitle: Spellings (SYNTHETIC)\ndefault_confidentiality: public\n"
        "synthetic: true\n"
    )
    filings = {
        "F-many": (_spellings_of_one_key(), "2019-01-01"),
        "F-anwar": (["Anwar Raslan"], "2020-01-01"),
        "F-raslan": (["Raslan"], "2021-01-01"),
    }
    for filing_id, (defendants, issued) in filings.items():
        names = ", ".join(f'"{name}"' for name in defendants)
        (root / "filings" / f"{filing_id}.md").write_text(
            f"---\nfiling_id: {filing_id}\ncourt: Test Court\ndoc_type: order\n"
            f"date_issued: {issued}\ndefendants: [{names}]\n---\nSYNTHETIC order.\n"
        )
    with loaded_once(base_settings, redis_db, root) as (settings, report):
        assert report.rejections == []
        headers = role_headers(settings, suffix="-many")[Role.JOURNALIST]
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, headers


def test_a_person_with_more_spellings_than_an_address_holds_has_a_page(many) -> None:
    """A page built its search from the request model, which takes 50 values at most:
    a person written 60 ways was a 500."""
    client, headers = many
    for path in ("/api/persons/mhmd-hsn", "/persons/mhmd-hsn"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text[:300]
    page = client.get("/api/persons/mhmd-hsn", headers=headers).json()
    assert len(page["person"]["spellings"]) == 60 and page["total"] == 1
    linked = client.get("/api/search" + page["search"], headers=headers)
    assert linked.status_code == 200 and linked.json()["total"] == 1


def test_a_person_s_events_are_their_own_not_every_longer_name_s(many) -> None:
    """The timeline's person filter takes every name holding the one asked for: the
    page of a Raslan showed Anwar Raslan's events too."""
    client, headers = many
    page = client.get("/api/persons/rsln", headers=headers).json()
    cited = {e["record_id"] for entry in page["timeline"] for e in entry["events"]}
    assert cited == {stable_id("spellings", "filing", "F-raslan")}
