"""Curated persons (issue 24): a bundle's `persons.yaml` splits a group the name keys
join, merges spellings they keep apart, and protects a person in every record that
lists them; each holds on the pages, the API and the search, for every role."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.ids import stable_id
from evidence.names import person_key
from evidence.settings import Settings
from search_api.app import create_app
from tests.conftest import loaded_once, role_headers

BELOW = (Role.PUBLIC, Role.JOURNALIST)
ABOVE = (Role.INVESTIGATOR, Role.ADMIN)
ROLES = BELOW + ABOVE

PERSONS_YAML = """\
# SYNTHETIC: invented people.
- id: p-1
  name: Mahmoud al-Hasan
  aliases: [محمود الحسن]
  role: alleged_perpetrator
- id: p-2
  name: Ali Nasser
  aliases: [Abu Ali]
- id: p-3
  name: Fadi Karam
  aliases: [Abu Jaafar]
  protected: true
- id: p-4
  name: Samir Daher
  role: witness
"""
MAHMOUD, NASSER, KARAM, DAHER = (f"curated~p-{n}" for n in range(1, 5))
FILINGS = {
    "F-muhammad": ["Muhammad al-Hasan"],
    "F-mahmoud": ["Mahmoud al-Hasan"],
    "F-mahmoud-ar": ["محمود الحسن"],
    "F-kunya": ["Abu Ali"],
    "F-name": ["Ali Nasser"],
    "F-insider": ["Fadi Karam", "Muhammad al-Hasan"],
    "F-daher": ["Samir Daher"],
    "F-trio": ["Ali Nasser", "Omar Haddad", "Muhammad al-Hasan"],
    "F-insider-ar": ["فادي كرم"],
}
TESTIMONY = (
    '{"testimony_id": "T-insider", "witness_pseudonym": "Q-7", "consent": ["publication"],'
    ' "text": "SYNTHETIC. I was questioned by Abu Jaafar and by Samir Daher.",'
    ' "persons": [{"name": "Fadi Karam", "role": "alleged_perpetrator"},'
    ' {"name": "Samir Daher", "role": "alleged_perpetrator"}]}\n'
)


def _bundle(root: Path, curated: bool) -> Path:
    (root / "filings").mkdir(parents=True)
    (root / "collection.yaml").write_text(
        "id: curated\ntitle: Curated persons (SYNTHETIC)\ndefault_confidentiality: public\n"
        "synthetic: true\n"
    )
    if curated:
        (root / "persons.yaml").write_text(PERSONS_YAML, encoding="utf-8")
    for n, (filing_id, defendants) in enumerate(FILINGS.items(), start=1):
        names = ", ".join(f'"{name}"' for name in defendants)
        (root / "filings" / f"{filing_id}.md").write_text(
            f"---\nfiling_id: {filing_id}\ncourt: Test Court\ndoc_type: order\ncase_no: C-{n}\n"
            f"date_issued: 2019-01-0{n}\ndefendants: [{names}]\n"
            f"charges: [Torture ordered by {defendants[0]}]\noutcome: {defendants[0]} convicted\n"
            "---\n"
            f"SYNTHETIC order against {' and '.join(defendants)}.\n",
            encoding="utf-8",
        )
    (root / "testimonies.jsonl").write_text(TESTIMONY, encoding="utf-8")
    return root


Site = tuple[TestClient, dict[Role, dict[str, str]]]


@pytest.fixture(scope="module")
def curated(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    root = _bundle(tmp_path_factory.mktemp("curated") / "bundle", curated=True)
    with loaded_once(base_settings, redis_db, root) as (settings, report):
        assert report.rejections == []
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, role_headers(settings, suffix="-curated")


def _page(client: TestClient, key: str, headers: dict[str, str]) -> dict:
    response = client.get(f"/api/persons/{key}", headers=headers)
    assert response.status_code == 200, response.text
    page: dict = response.json()
    return page


def _spellings(page: dict) -> set[str]:
    return {spelling["name"] for spelling in page["person"]["spellings"]}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_a_curated_split_holds(curated: Site, role: Role) -> None:
    """Mahmoud and Muhammad share the key `mhmd`; the reviewer's entry takes Mahmoud
    al-Hasan, in both scripts, out of Muhammad al-Hasan's group."""
    client, headers = curated
    assert person_key("Mahmoud al-Hasan") == person_key("Muhammad al-Hasan") == "mhmd-hsn"
    theirs = _page(client, MAHMOUD, headers[role])
    assert _spellings(theirs) == {"Mahmoud al-Hasan", "محمود الحسن"}
    assert theirs["total"] == 2 and theirs["person"]["name"] == "Mahmoud al-Hasan"
    assert theirs["person"]["curated"] and theirs["person"]["ambiguous"] == []
    assert theirs["roles"] == ["alleged_perpetrator"]
    others = _page(client, "mhmd-hsn", headers[role])
    assert _spellings(others) == {"Muhammad al-Hasan"}
    assert others["total"] == 3 and not others["person"]["curated"]
    assert others["person"]["ambiguous"], "an uncurated Muhammad is still flagged"
    html = client.get(f"/persons/{MAHMOUD}", headers=headers[role]).text
    assert "some records may name another person" not in html
    assert "Muhammad al-Hasan" not in html.split('id="persons"')[0]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_a_curated_merge_holds(curated: Site, role: Role) -> None:
    """A kunya and a name have different keys; the entry makes them one person, named as
    the reviewer names them, and the kunya's own key is nobody's."""
    client, headers = curated
    assert person_key("Abu Ali") != person_key("Ali Nasser")
    merged = _page(client, NASSER, headers[role])
    assert _spellings(merged) == {"Abu Ali", "Ali Nasser"}
    assert merged["total"] == 3 and merged["person"]["name"] == "Ali Nasser"
    for key in (person_key("Abu Ali"), person_key("Ali Nasser")):
        assert client.get(f"/api/persons/{key}", headers=headers[role]).status_code == 404
    listed = client.get("/api/persons", headers=headers[role]).json()["persons"]
    assert [p["records"] for p in listed if p["key"] == NASSER] == [3]


def test_a_record_links_each_person_to_their_curated_page(curated: Site) -> None:
    client, headers = curated
    record = stable_id("curated", "filing", "F-kunya")
    html = client.get(f"/records/{record}", headers=headers[Role.JOURNALIST]).text
    assert f'href="/persons/{NASSER}"' in html
    case = client.get("/api/cases/C-2", headers=headers[Role.JOURNALIST]).json()
    assert case["defendants"] == [{"name": "Mahmoud al-Hasan", "key": MAHMOUD}]


@pytest.mark.parametrize("role", BELOW, ids=lambda r: r.value)
def test_curated_protected_persons_are_nobody_below_investigator(curated: Site, role: Role) -> None:
    """Fadi Karam is listed as an alleged perpetrator (public by the rules) in a
    testimony and two filings, once in Arabic letters, and Samir Daher in a filing; the
    reviewer protected the one and gave the other the role of witness. Below
    investigator both are a 404 exactly like an unknown key, and no page, list, facet,
    search, case or record gives them away: not their names in any script, not Fadi's
    kunya in the testimony's text, not even a withheld defendant."""
    client, headers = curated
    for key in (KARAM, DAHER):
        for path in (f"/api/persons/{key}", f"/persons/{key}"):
            protected = client.get(path, headers=headers[role])
            unknown = client.get(path.replace(key, "nobody~at-all"), headers=headers[role])
            assert protected.status_code == unknown.status_code == 404
            assert protected.text.replace(key, "K") == unknown.text.replace("nobody~at-all", "K")
    everything = [
        client.get("/api/persons", headers=headers[role]).text,
        client.get("/api/search", params={"size": 50}, headers=headers[role]).text,
        client.get("/api/persons/mhmd-hsn", headers=headers[role]).text,
        client.get("/persons/mhmd-hsn", headers=headers[role]).text,
        client.get("/api/timeline", params={"size": 100}, headers=headers[role]).text,
    ]
    for case_no in ("C-6", "C-7", "C-9"):
        everything.append(client.get(f"/api/cases/{case_no}", headers=headers[role]).text)
    for record_id in ("F-insider", "F-insider-ar", "F-daher", "T-insider"):
        record_type = "filing" if record_id.startswith("F") else "testimony"
        record = stable_id("curated", record_type, record_id)
        everything.append(client.get(f"/records/{record}", headers=headers[role]).text)
        everything.append(client.get(f"/api/records/{record}", headers=headers[role]).text)
    for text in everything:
        for name in ("Karam", "كرم", "Jaafar", "Daher", "p-3", "p-4"):
            assert name not in text, name
    insider = client.get("/api/cases/C-6", headers=headers[role]).json()
    assert insider["defendants"] == [{"name": "Muhammad al-Hasan", "key": "mhmd-hsn"}]
    alone = client.get("/api/cases/C-9", headers=headers[role]).json()
    assert alone["defendants"] == []
    for query in ("Fadi Karam", "Karam", "kram", "كرم", "Jaafar", "Daher", '"ordered by Fadi"'):
        found = client.get("/api/search", params={"q": query}, headers=headers[role]).json()
        assert found["total"] == 0, query


@pytest.mark.parametrize("role", ABOVE, ids=lambda r: r.value)
def test_investigators_read_the_curated_protected_persons(curated: Site, role: Role) -> None:
    client, headers = curated
    page = _page(client, KARAM, headers[role])
    assert _spellings(page) == {"Fadi Karam"} and page["total"] == 2
    assert page["roles"] == ["alleged_perpetrator"]
    assert {p["key"] for p in page["persons"]} == {"mhmd-hsn", DAHER}
    # The Arabic spelling is protected too; the exact spelling alone takes the entry's key.
    arabic = _page(client, person_key("فادي كرم"), headers[role])
    assert _spellings(arabic) == {"فادي كرم"}
    for query in ("Karam", "Jaafar", '"ordered by Fadi"'):
        found = client.get("/api/search", params={"q": query}, headers=headers[role]).json()
        assert found["total"] >= 1, query
    daher = _page(client, DAHER, headers[role])
    assert daher["roles"] == ["alleged_perpetrator", "witness"]
    insider = client.get("/api/cases/C-6", headers=headers[role]).json()
    assert {d["name"] for d in insider["defendants"]} == {"Fadi Karam", "Muhammad al-Hasan"}
    issued = client.get(
        "/api/timeline", params={"case": "C-6", "size": 10}, headers=headers[role]
    ).json()
    described = [e["description"] for entry in issued["entries"] for e in entry["events"]]
    assert any("Fadi Karam convicted" in text for text in described), described


def test_without_persons_yaml_the_keys_group_as_before(
    base_settings: Settings, es_node: object, redis_db: str, tmp_path: Path
) -> None:
    """The same records with no curation: one Muhammad/Mahmoud group, a kunya apart, and
    the insider public as the rules make an alleged perpetrator."""
    root = _bundle(tmp_path / "bundle", curated=False)
    with loaded_once(base_settings, redis_db, root) as (settings, report):
        assert report.rejections == []
        headers = role_headers(settings, suffix="-uncurated")[Role.JOURNALIST]
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            joined = _page(client, "mhmd-hsn", headers)
            assert _spellings(joined) == {"Muhammad al-Hasan", "Mahmoud al-Hasan", "محمود الحسن"}
            assert _page(client, person_key("Abu Ali"), headers)["total"] == 1
            assert _page(client, person_key("Fadi Karam"), headers)["total"] == 3


def test_who_appears_with_whom_is_drawn_with_its_table(curated: Site) -> None:
    """Ali Nasser's page: Muhammad al-Hasan and Omar Haddad are each named with him once,
    and with each other once (the trio's order); the graph links both, the table says
    the same, and nothing of the protected persons is drawn below investigator."""
    client, headers = curated
    page = _page(client, NASSER, headers[Role.JOURNALIST])
    assert [(p["key"], p["records"]) for p in page["persons"]] == [
        ("mhmd-hsn", 1),
        ("mr-hd", 1),
    ]
    assert page["pairs"] == [{"a": "mhmd-hsn", "b": "mr-hd", "records": 1}]
    html = client.get(f"/persons/{NASSER}", headers=headers[Role.JOURNALIST]).text
    graph = html.split('id="with-whom"')[1].split("</section>")[0]
    svg, table = graph.split("</svg>")
    assert svg.count('href="/persons/') == 2 and svg.count("<line") == 3
    rows = table.split("<tr>")[2:]
    assert len(rows) == 3
    assert "Muhammad al-Hasan" in rows[2] and "Omar Haddad" in rows[2]
    muhammad = _page(client, "mhmd-hsn", headers[Role.JOURNALIST])
    assert {p["key"] for p in muhammad["persons"]} == {NASSER, "mr-hd"}
    investigator = _page(client, "mhmd-hsn", headers[Role.INVESTIGATOR])
    assert KARAM in {p["key"] for p in investigator["persons"]}
