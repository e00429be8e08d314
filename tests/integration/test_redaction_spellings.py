"""The issue's own cases, through the real app: a protected name written in another
script, another transliteration, with or without the article, by surname alone or as an
alias never reaches a journalist or a visitor, and investigators read it as written.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.ids import stable_id
from evidence.settings import Settings
from indexer.load import load_bundle
from search_api.app import create_app
from tests.conftest import bearer_headers, role_headers, set_role

# Metadata Latin, text in Arabic, in a second transliteration with `al-`, by surname.
LATIN_WITNESS = "Zuhair Qatrannabi"
LATIN_WITNESS_FORMS = ["زهير قطرنبي", "Zouhair al-Katranabi", "Qatrannabi", "Qatrannabi's"]
# A protected family member: Arabic in the metadata, Latin letters in the text.
ARABIC_FAMILY = "وداد برغوثلي"
ARABIC_FAMILY_FORMS = ["Widad Barghouthli", "Barghouthli"]
# Metadata Arabic witness, named in English (with and without the article) and in
# Arabic without it.
ARABIC_WITNESS = "رنا الأحمد"
ARABIC_WITNESS_FORMS = ["Rana al-Ahmad", "Rana Alahmad", "رنا أحمد"]
# An alias: a kunya only the alias field names.
ALIAS = "Abu Zaydoun"
VICTIM = "Tammam Shkhaybar"
VICTIM_FORMS = ["Tammam Shkhaybar", "تمام شخيبر", "Shkhaybar"]

TRANSCRIPT_ONE = (
    "SYNTHETIC. My name is {}. In the file I am {}. The officers wrote {}, and {} "
    "notebook was taken. My aunt {} came; the {} family waited. They called me {}."
).format(*LATIN_WITNESS_FORMS, *ARABIC_FAMILY_FORMS, ALIAS)
TRANSCRIPT_TWO = (
    "SYNTHETIC. The witness, {}, signed as {}. Her name in the register was {}."
).format(*ARABIC_WITNESS_FORMS)


def _write_bundle(root: Path) -> None:
    (root / "testimonies").mkdir(parents=True)
    (root / "collection.yaml").write_text(
        "id: spellings\ntitle: Spellings (SYNTHETIC)\n"
        "default_confidentiality: restricted\nsynthetic: true\n"
    )
    one = {
        "testimony_id": "T-1",
        "witness_pseudonym": "W-1",
        "witness_name": LATIN_WITNESS,
        "witness_aliases": [ALIAS],
        "persons": [{"name": ARABIC_FAMILY, "role": "family"}],
        "events": [{"date": "2013-02", "description": f"{LATIN_WITNESS_FORMS[1]} arrested"}],
        "text": TRANSCRIPT_ONE,
    }
    two = {
        "testimony_id": "T-2",
        "witness_pseudonym": "W-2",
        "witness_name": ARABIC_WITNESS,
        "text": TRANSCRIPT_TWO,
    }
    (root / "testimonies.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (one, two)), encoding="utf-8"
    )
    (root / "photos.jsonl").write_text(
        json.dumps(
            {
                "photo_id": "P-1",
                "date_photographed": "2013-05-01",
                "victim_name": VICTIM,
                "findings": f"Card reads {VICTIM_FORMS[1]}; family says {VICTIM_FORMS[0]}",
                "tags": [VICTIM_FORMS[2], "card"],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def app(
    base_settings: Settings, es_node: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], Settings]]:
    settings = base_settings.model_copy(update={"index_prefix": f"s{uuid.uuid4().hex[:12]}"})
    root = tmp_path_factory.mktemp("spellings") / "bundle"
    _write_bundle(root)
    es = Elasticsearch(settings.es_url, request_timeout=60)
    report = load_bundle(es, settings.index_prefix, root)
    assert (report.indexed, report.rejections) == (3, [])
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, role_headers(settings), settings
    finally:
        es.indices.delete(index=",".join(es.indices.get(index=f"{settings.index_prefix}-*")))
        es.close()


PROTECTED_FORMS = [
    *LATIN_WITNESS_FORMS,
    *ARABIC_FAMILY_FORMS,
    *ARABIC_WITNESS_FORMS,
    ALIAS,
    *VICTIM_FORMS,
]
RECORDS = [
    stable_id("spellings", "testimony", "T-1"),
    stable_id("spellings", "testimony", "T-2"),
    stable_id("spellings", "photo", "P-1"),
]


def _words_of(form: str) -> list[str]:
    """The parts a reader could recognise: a surname on its own is a leak too."""
    return [w for w in form.replace("-", " ").replace("'s", "").split() if w not in {"al", "Abu"}]


def test_record_pages_json_and_timeline_never_show_a_protected_form(app) -> None:
    client, headers, _ = app
    role = Role.JOURNALIST
    outputs = {
        f"/api/records/{rid}": client.get(f"/api/records/{rid}", headers=headers[role])
        for rid in RECORDS
    } | {f"/records/{rid}": client.get(f"/records/{rid}", headers=headers[role]) for rid in RECORDS}
    outputs["/api/timeline"] = client.get("/api/timeline", headers=headers[role])
    outputs["/api/export"] = client.get("/api/export?format=ndjson", headers=headers[role])
    for where, response in outputs.items():
        assert response.status_code == 200, where
        for form in PROTECTED_FORMS:
            for word in _words_of(form):
                assert word not in response.text, f"{role.value} reads {word!r} at {where}"
    record = outputs[f"/api/records/{RECORDS[0]}"].json()
    assert "[withheld]" in record["pages"][0]["text"]


def test_visitors_do_not_learn_the_restricted_records_exist(app) -> None:
    client, _, _ = app
    for rid in RECORDS:
        assert client.get(f"/api/records/{rid}").status_code == 404
    assert client.get("/api/search", params={"q": VICTIM}).json()["total"] == 0


@pytest.mark.parametrize("form", PROTECTED_FORMS)
def test_no_spelling_finds_the_record_for_a_journalist(app, form: str) -> None:
    client, headers, _ = app
    for path in ("/api/search", "/api/timeline"):
        found = client.get(path, params={"q": form}, headers=headers[Role.JOURNALIST]).json()
        assert found["total"] == 0, f"{form!r} finds {found['total']} via {path}"
    found = client.get("/api/search", params={"q": form}, headers=headers[Role.INVESTIGATOR])
    assert found.json()["total"] >= 1, f"investigators cannot find {form!r}"


def test_investigators_read_every_form_as_written(app) -> None:
    client, headers, _ = app
    pages = "".join(
        client.get(f"/api/records/{rid}", headers=headers[Role.INVESTIGATOR]).text
        for rid in RECORDS
    )
    timeline = client.get("/api/timeline", headers=headers[Role.INVESTIGATOR]).text
    for form in PROTECTED_FORMS:
        assert json.dumps(form, ensure_ascii=False)[1:-1] in pages, form
    assert LATIN_WITNESS_FORMS[1] in timeline
    assert VICTIM_FORMS[1] in timeline


def _chronology_with(client: TestClient, headers: dict[str, str], fact: dict[str, object]) -> str:
    chronology_id = client.post("/api/chronologies", json={"title": "T"}, headers=headers).json()
    version = client.get(f"/api/chronologies/{chronology_id['id']}", headers=headers).json()
    added = client.post(
        f"/api/chronologies/{chronology_id['id']}/facts",
        json={"version": version["version"], "fact": fact},
        headers=headers,
    )
    assert added.status_code == 200, added.text
    return str(chronology_id["id"])


FACT = {
    "date": "2013-02",
    "text": f"{LATIN_WITNESS_FORMS[1]} was arrested",
    "note": f"ask {ARABIC_FAMILY_FORMS[0]}",
    "citations": [
        {
            "stable_id": RECORDS[0],
            "quote": f"{LATIN_WITNESS_FORMS[0]} / {LATIN_WITNESS_FORMS[2]} / {ALIAS}",
        }
    ],
}
NAMED = ("Katranabi", "Qatrannabi", "Zaydoun", "Barghouthli")


def _everything(client: TestClient, headers: dict[str, str], chronology_id: str) -> str:
    """The chronology as JSON and in every export format, as one text."""
    outputs = [client.get(f"/api/chronologies/{chronology_id}", headers=headers).text]
    outputs += [
        client.get(
            f"/api/chronologies/{chronology_id}/export", params={"format": fmt}, headers=headers
        ).text
        for fmt in ("csv", "json", "html")
    ]
    return "\n".join(outputs)


def test_a_fact_written_by_an_investigator_is_withheld_from_its_author_once_lowered(
    app,
) -> None:
    """The investigator who wrote a fact naming the witness is later lowered to
    journalist (as an admin would): the names in its text, note and quotes are
    withheld, by the rules of the record it cites. Admins still read them."""
    client, _, settings = app
    lawyer = bearer_headers(settings, {"lawyer16": Role.INVESTIGATOR})["lawyer16"]
    chronology_id = _chronology_with(client, lawyer, FACT)
    assert all(w in _everything(client, lawyer, chronology_id) for w in NAMED)
    set_role(settings, "lawyer16", Role.JOURNALIST)
    lowered = _everything(client, lawyer, chronology_id)
    assert [w for w in NAMED if w in lowered] == [], "the lowered author reads the names"
    assert "[withheld]" in lowered


def test_a_journalist_gets_back_what_they_typed_so_withholding_is_no_oracle(app) -> None:
    """Withholding a journalist's own quote would confirm which guess is the protected
    name: what a journalist wrote comes back as written."""
    client, headers, _ = app
    chronology_id = _chronology_with(client, headers[Role.JOURNALIST], FACT)
    shown = _everything(client, headers[Role.JOURNALIST], chronology_id)
    assert all(w in shown for w in NAMED)
    assert "[withheld]" not in shown


def test_an_investigator_adding_a_timeline_event_keeps_its_full_description(app) -> None:
    client, headers, _ = app
    investigator = headers[Role.INVESTIGATOR]
    timeline = client.get("/api/timeline", params={"q": "arrested"}, headers=investigator).json()
    (event,) = [e for entry in timeline["entries"] for e in entry["events"]]
    chronology_id = client.post("/api/chronologies", json={"title": "E"}, headers=investigator)
    cid = chronology_id.json()["id"]
    version = client.get(f"/api/chronologies/{cid}", headers=investigator).json()["version"]
    added = client.post(
        f"/api/chronologies/{cid}/events",
        json={"version": version, "event_id": event["event_id"]},
        headers=investigator,
    ).json()
    assert added["facts"][0]["text"] == f"{LATIN_WITNESS_FORMS[1]} arrested"
