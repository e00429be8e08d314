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

PERSONS_YAML = """\
# SYNTHETIC: invented people.
- id: mahmoud-al-hasan
  name: Mahmoud al-Hasan
  aliases: [محمود الحسن]
  role: alleged_perpetrator
- id: ali-nasser
  name: Ali Nasser
  aliases: [Abu Ali]
- id: fadi-karam
  name: Fadi Karam
  protected: true
- id: samir-daher
  name: Samir Daher
  role: witness
"""
FILINGS = {
    "F-muhammad": ["Muhammad al-Hasan"],
    "F-mahmoud": ["Mahmoud al-Hasan"],
    "F-mahmoud-ar": ["محمود الحسن"],
    "F-kunya": ["Abu Ali"],
    "F-name": ["Ali Nasser"],
    "F-insider": ["Fadi Karam", "Muhammad al-Hasan"],
    "F-daher": ["Samir Daher"],
    "F-trio": ["Ali Nasser", "Samir Daher", "Muhammad al-Hasan"],
}
TESTIMONY = (
    '{"testimony_id": "T-insider", "witness_pseudonym": "Q-7", "consent": ["publication"],'
    ' "text": "SYNTHETIC. I was questioned by Fadi Karam and Samir Daher.",'
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


@pytest.mark.parametrize("role", (Role.PUBLIC, Role.INVESTIGATOR), ids=lambda r: r.value)
def test_a_curated_split_holds(curated: Site, role: Role) -> None:
    """Mahmoud and Muhammad share the key `mhmd`; the reviewer's entry takes Mahmoud
    al-Hasan, in both scripts, out of Muhammad al-Hasan's group."""
    client, headers = curated
    assert person_key("Mahmoud al-Hasan") == person_key("Muhammad al-Hasan") == "mhmd-hsn"
    theirs = _page(client, "mahmoud-al-hasan", headers[role])
    assert _spellings(theirs) == {"Mahmoud al-Hasan", "محمود الحسن"}
    assert theirs["total"] == 2 and theirs["person"]["name"] == "Mahmoud al-Hasan"
    assert theirs["person"]["curated"] and theirs["person"]["ambiguous"] == []
    assert theirs["roles"] == ["alleged_perpetrator"]
    others = _page(client, "mhmd-hsn", headers[role])
    assert _spellings(others) == {"Muhammad al-Hasan"}
    assert others["total"] == 3 and not others["person"]["curated"]
    assert others["person"]["ambiguous"], "an uncurated Muhammad is still flagged"
    html = client.get("/persons/mahmoud-al-hasan", headers=headers[role]).text
    assert "some records may name another person" not in html
    assert "Muhammad al-Hasan" not in html.split('id="persons"')[0]


@pytest.mark.parametrize("role", (Role.PUBLIC, Role.INVESTIGATOR), ids=lambda r: r.value)
def test_a_curated_merge_holds(curated: Site, role: Role) -> None:
    """A kunya and a name have different keys; the entry makes them one person, named as
    the reviewer names them, and the kunya's own key is nobody's."""
    client, headers = curated
    assert person_key("Abu Ali") != person_key("Ali Nasser")
    merged = _page(client, "ali-nasser", headers[role])
    assert _spellings(merged) == {"Abu Ali", "Ali Nasser"}
    assert merged["total"] == 3 and merged["person"]["name"] == "Ali Nasser"
    for key in (person_key("Abu Ali"), person_key("Ali Nasser")):
        assert client.get(f"/api/persons/{key}", headers=headers[role]).status_code == 404
    listed = client.get("/api/persons", headers=headers[role]).json()["persons"]
    assert [p["records"] for p in listed if p["key"] == "ali-nasser"] == [3]


def test_a_record_links_each_person_to_their_curated_page(curated: Site) -> None:
    client, headers = curated
    record = stable_id("curated", "filing", "F-kunya")
    html = client.get(f"/records/{record}", headers=headers[Role.JOURNALIST]).text
    assert 'href="/persons/ali-nasser"' in html
    case = client.get("/api/cases/C-2", headers=headers[Role.JOURNALIST]).json()
    assert case["defendants"] == [{"name": "Mahmoud al-Hasan", "key": "mahmoud-al-hasan"}]


@pytest.mark.parametrize("role", BELOW, ids=lambda r: r.value)
def test_a_curated_protected_person_is_nobody_below_investigator(curated: Site, role: Role) -> None:
    """Listed as an alleged perpetrator (public by the rules) in a testimony and a
    filing, but protected by the reviewer: below investigator they are a 404 exactly
    like an unknown key, and no page, list, facet, search or record gives them away."""
    client, headers = curated
    for path in ("/api/persons/fadi-karam", "/persons/fadi-karam"):
        protected = client.get(path, headers=headers[role])
        unknown = client.get(path.replace("fadi-karam", "nobody-at-all"), headers=headers[role])
        assert protected.status_code == unknown.status_code == 404
        assert protected.text.replace("fadi-karam", "K") == unknown.text.replace(
            "nobody-at-all", "K"
        )
    everything = [
        client.get("/api/persons", headers=headers[role]).text,
        client.get("/api/search", params={"size": 50}, headers=headers[role]).text,
        client.get("/api/persons/mhmd-hsn", headers=headers[role]).text,
        client.get("/api/cases/C-6", headers=headers[role]).text,
        client.get("/persons/mhmd-hsn", headers=headers[role]).text,
        client.get("/facilities", headers=headers[role]).text,
    ]
    for record_id in ("F-insider", "T-insider"):
        record_type = "filing" if record_id.startswith("F") else "testimony"
        record = stable_id("curated", record_type, record_id)
        everything.append(client.get(f"/records/{record}", headers=headers[role]).text)
        everything.append(client.get(f"/api/records/{record}", headers=headers[role]).text)
    for text in everything:
        assert "Karam" not in text and "fadi" not in text.casefold()
    for query in ("Fadi Karam", "Karam", "kram", '"ordered by Fadi"'):
        found = client.get("/api/search", params={"q": query}, headers=headers[role]).json()
        assert found["total"] == 0, query
    # The reviewer's role "witness" is not learnt from Samir Daher's public mentions.
    daher = _page(client, "samir-daher", headers[role])
    assert daher["roles"] == ["alleged_perpetrator"]
    assert "witness" not in client.get("/persons/samir-daher", headers=headers[role]).text


@pytest.mark.parametrize("role", ABOVE, ids=lambda r: r.value)
def test_investigators_read_the_curated_protected_person(curated: Site, role: Role) -> None:
    client, headers = curated
    page = _page(client, "fadi-karam", headers[role])
    assert _spellings(page) == {"Fadi Karam"} and page["total"] == 2
    assert page["roles"] == ["alleged_perpetrator"]
    assert {p["key"] for p in page["persons"]} == {"mhmd-hsn", "samir-daher"}
    assert page["pairs"] == []
    for query in ("Karam", '"ordered by Fadi"'):
        found = client.get("/api/search", params={"q": query}, headers=headers[role]).json()
        assert found["total"] >= 1, query
    daher = _page(client, "samir-daher", headers[role])
    assert daher["roles"] == ["alleged_perpetrator", "witness"]


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
            assert _page(client, person_key("Fadi Karam"), headers)["total"] == 2


def test_who_appears_with_whom_is_drawn_with_its_table(curated: Site) -> None:
    """Ali Nasser's page: Muhammad al-Hasan and Samir Daher are each named with him once,
    and with each other once (the trio's order); the graph links both, the table says
    the same, and nothing about the protected insider is drawn below investigator."""
    client, headers = curated
    page = _page(client, "ali-nasser", headers[Role.JOURNALIST])
    assert [(p["key"], p["records"]) for p in page["persons"]] == [
        ("mhmd-hsn", 1),
        ("samir-daher", 1),
    ]
    assert page["pairs"] == [{"a": "mhmd-hsn", "b": "samir-daher", "records": 1}]
    html = client.get("/persons/ali-nasser", headers=headers[Role.JOURNALIST]).text
    graph = html.split('id="with-whom"')[1].split("</section>")[0]
    svg, table = graph.split("</svg>")
    assert svg.count('href="/persons/') == 2 and svg.count("<line") == 3
    rows = [row for row in table.split("<tr>")[2:]]
    assert len(rows) == 3
    assert "Muhammad al-Hasan" in rows[2] and "Samir Daher" in rows[2]
    muhammad = _page(client, "mhmd-hsn", headers[Role.JOURNALIST])
    assert all("fadi-karam" not in (p["a"], p["b"]) for p in muhammad["pairs"])
    investigator = _page(client, "mhmd-hsn", headers[Role.INVESTIGATOR])
    assert {"fadi-karam"} <= {p["key"] for p in investigator["persons"]}
