"""Leak suite, adversarial: what a journalist (or a visitor) could learn about a
protected identity by probing, rather than by reading what the archive shows.

One small bundle: a restricted testimony whose witness is named in its transcript. A
journalist may read and cite that record, so every probe below is one a real account
could make.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Role
from evidence.ids import stable_id
from evidence.settings import Settings
from indexer.load import load_bundle
from search_api.app import create_app
from tests.conftest import role_headers

COLLECTION = "advprobe"
WITNESS = "Rana al-Ahmad"
# The contact as the metadata gives it, and as a Syrian transcript writes it.
CONTACT = "+963 944 123 456"
CONTACT_AT_HOME = "0944 123 456"
CONTACT_RECORD = stable_id(COLLECTION, "testimony", "t-1")
# An e-mail address, and as a transcript spells it out to dodge spam harvesters.
MAIL = "r.ahmad1990@gmail.com"
MAIL_SPOKEN = "r.ahmad1990 at gmail dot com"
MAIL_RECORD = stable_id(COLLECTION, "testimony", "t-3")
SURVIVOR_RECORD = stable_id(COLLECTION, "testimony", "t-5")
# A testimony whose id the archive made from the witness's name.
NAMED_ID = "rana-al-ahmad-2014"
NAMED_RECORD = stable_id(COLLECTION, "testimony", NAMED_ID)
TRANSCRIPT_RECORD = stable_id(COLLECTION, "testimony", "t-2")
TRANSCRIPT = "{} was taken from her home in Daraa.\nShe was held for a month.\n"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, base_settings: Settings, es_node: Any
) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    """The bundle loaded under a prefix of its own, and headers for every role."""
    settings = base_settings.model_copy(update={"index_prefix": f"tadv{uuid.uuid4().hex[:12]}"})
    root: Path = tmp_path_factory.mktemp("adv") / COLLECTION
    root.mkdir()
    (root / "collection.yaml").write_text(
        f"id: {COLLECTION}\ntitle: Adversarial probes\nsynthetic: true\n"
        "default_confidentiality: restricted\n",
        encoding="utf-8",
    )
    testimony = {
        "testimony_id": "t-1",
        "witness_pseudonym": "Witness K",
        "witness_name": WITNESS,
        "witness_contact": CONTACT,
        "interview_date": "2014-05-02",
        "language": "en",
        "text": f"{WITNESS} told us she was held in the branch for a month in 2012. "
        f"Reach her on {CONTACT_AT_HOME} or ٠٩٤٤١٢٣٤٥٦.",
    }
    named = {
        "testimony_id": NAMED_ID,
        "witness_pseudonym": "Witness N",
        "witness_name": WITNESS,
        "language": "en",
        "text": "She was held in the branch in 2013.",
    }
    # The witness tells of her own detention and lists herself among its victims; the
    # testimony may be published, which makes other victims public, not her.
    survivor = {
        "testimony_id": "t-5",
        "witness_pseudonym": "Witness S",
        "witness_name": "Samira Haddad",
        "consent": ["publication"],
        "persons": [
            {"name": "Samira al-Haddad", "role": "victim"},
            {"name": "Omar Khatib", "role": "victim"},
        ],
        "language": "en",
        "text": "Samira Haddad and Omar Khatib were held together.",
    }
    mailed = {
        "testimony_id": "t-3",
        "witness_pseudonym": "Witness M",
        "witness_contact": MAIL,
        "language": "en",
        "text": f"Write to {MAIL_SPOKEN} for the rest of the list.",
    }
    (root / "testimonies.jsonl").write_text(
        "".join(json.dumps(t) + "\n" for t in (testimony, mailed, named, survivor)),
        encoding="utf-8",
    )
    # A transcript kept as a plain file beside its sidecar (its bytes are its text), and
    # named after the witness, as archives often name them.
    (root / "testimonies").mkdir()
    (root / "testimonies" / "rana-al-ahmad.txt").write_text(
        TRANSCRIPT.format(WITNESS), encoding="utf-8"
    )
    (root / "testimonies" / "rana-al-ahmad.txt.yaml").write_text(
        f"testimony_id: t-2\nwitness_pseudonym: Witness L\nwitness_name: {WITNESS}\nlanguage: en\n",
        encoding="utf-8",
    )
    es = Elasticsearch(settings.es_url, request_timeout=30)
    try:
        load_bundle(es, settings.index_prefix, root)
        headers = role_headers(settings)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, headers
    finally:
        names = list(es.indices.get(index=f"{settings.index_prefix}-*", expand_wildcards="all"))
        if names:
            es.indices.delete(index=",".join(names))
        es.close()


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN])
def test_custody_does_not_name_the_file_after_the_witness(
    site: tuple[TestClient, dict[Role, dict[str, str]]], role: Role
) -> None:
    """Custody notes where a record came from: a file named after the witness is named
    there as the record's withheld source is, on the record page and its JSON twin."""
    client, headers = site
    record = client.get(f"/api/records/{TRANSCRIPT_RECORD}", headers=headers[role])
    page = client.get(f"/records/{TRANSCRIPT_RECORD}", headers=headers[role])
    if role is Role.PUBLIC:
        assert record.status_code == 404 and "rana" not in page.text.lower()
        return
    assert record.status_code == 200 and page.status_code == 200, record.text
    custody = json.dumps(record.json()["custody"])
    assert "testimonies/" in custody, "custody no longer says where the record came from"
    # Custody is one history for every reader: it names the file as its source is
    # named to those below investigator; investigators read the source itself.
    assert "rana" not in custody.lower(), custody
    if role is Role.JOURNALIST:
        assert "rana" not in page.text.lower() and "rana" not in record.text.lower()


CONTACT_FORMS = {
    "telephone": (CONTACT_RECORD, "0944", (CONTACT_AT_HOME, "٠٩٤٤١٢٣٤٥٦", "123 456")),
    "e-mail": (MAIL_RECORD, "ahmad1990", ("ahmad1990",)),
}


@pytest.mark.parametrize("contact", CONTACT_FORMS)
@pytest.mark.parametrize("role", [Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN])
def test_a_witness_contact_spelt_otherwise_is_withheld(
    site: tuple[TestClient, dict[Role, dict[str, str]]], role: Role, contact: str
) -> None:
    """The metadata gives the number with its country code, the transcript dials it at
    home (`0944 ...`) and in Arabic-Indic digits; the address is spelt out (`at`,
    `dot`). Neither reaches a journalist, nor finds the record for one; investigators
    read and find it as written."""
    client, headers = site
    stable, query, forms = CONTACT_FORMS[contact]
    record = client.get(f"/api/records/{stable}", headers=headers[role])
    found = client.get("/api/search", params={"q": query}, headers=headers[role])
    assert found.status_code == 200, found.text
    if role is Role.PUBLIC:
        assert record.status_code == 404 and found.json()["total"] == 0
        return
    assert record.status_code == 200, record.text
    text = " ".join(page["text"] for page in record.json()["pages"])
    shown = [form for form in forms if form in text]
    if role is Role.JOURNALIST:
        assert shown == [], f"the journalist reads {shown}"
        assert found.json()["total"] == 0
    else:
        assert shown == list(forms)
        assert stable in {hit["stable_id"] for hit in found.json()["hits"]}


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN])
def test_a_record_id_made_from_the_witness_name_is_withheld(
    site: tuple[TestClient, dict[Role, dict[str, str]]], role: Role
) -> None:
    """The record's own id (shown on its page, in hits, exports and links) is withheld
    like its title; the stable id is a hash and still finds it. Investigators read the
    id as given on the record page."""
    client, headers = site
    outputs = {
        "record": client.get(f"/api/records/{NAMED_RECORD}", headers=headers[role]),
        "page": client.get(f"/records/{NAMED_RECORD}", headers=headers[role]),
        "search": client.get("/api/search", params={"q": "Witness N"}, headers=headers[role]),
        "export": client.get(
            "/api/export", params={"q": "Witness N", "format": "csv"}, headers=headers[role]
        ),
    }
    if role is Role.PUBLIC:
        assert outputs["record"].status_code == 404
        assert outputs["search"].json()["total"] == 0
        return
    assert all(r.status_code == 200 for r in outputs.values()), outputs
    assert NAMED_RECORD in outputs["search"].text and NAMED_RECORD in outputs["export"].text
    named = [name for name, r in outputs.items() if "rana" in r.text.lower()]
    if role is Role.JOURNALIST:
        assert named == [], f"the journalist reads the witness's name in {named}"
    else:
        assert outputs["record"].json()["local_id"] == NAMED_ID


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN])
def test_a_witness_listed_among_published_victims_stays_protected(
    site: tuple[TestClient, dict[Role, dict[str, str]]], role: Role
) -> None:
    """Consent to publication makes the victims public; the witness among them (in any
    spelling) stays protected: not in the persons list, its facet or its name search."""
    client, headers = site
    record = client.get(f"/api/records/{SURVIVOR_RECORD}", headers=headers[role])
    found = client.get("/api/search", params={"q": "Samira Haddad"}, headers=headers[role])
    if role is Role.PUBLIC:
        assert record.status_code == 404 and found.json()["total"] == 0
        return
    assert record.status_code == 200, record.text
    persons = [p["name"] for p in record.json()["persons"]]
    if role is Role.JOURNALIST:
        assert persons == ["Omar Khatib"], "the other victim is still published"
        assert "Samira" not in record.text and found.json()["total"] == 0
    else:
        assert "Samira al-Haddad" in record.text
        assert SURVIVOR_RECORD in {hit["stable_id"] for hit in found.json()["hits"]}


def test_the_shown_hash_of_a_transcript_cannot_confirm_a_guessed_name(
    site: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    """The journalist reads the transcript with the name withheld. If the SHA-256 of the
    original file were shown too, putting a guess in place of `[withheld]` and hashing
    would confirm the right one offline, with no trace in the audit log. Investigators
    read the hash wherever a record's hash is shown."""
    client, headers = site
    journalist = headers[Role.JOURNALIST]
    shown = client.get(f"/api/records/{TRANSCRIPT_RECORD}", headers=journalist).json()
    text = "\f".join(page["text"] for page in shown["pages"])
    assert "[withheld]" in text and "Rana" not in text
    outputs = [json.dumps(shown)]
    for role in (Role.JOURNALIST, Role.INVESTIGATOR):
        search = client.get("/api/search", params={"q": "Daraa"}, headers=headers[role])
        export = client.get(
            "/api/export", params={"q": "Daraa", "format": "ndjson"}, headers=headers[role]
        )
        timeline = client.get("/api/timeline", params={"size": 200}, headers=headers[role])
        if role is Role.JOURNALIST:
            outputs += [search.text, export.text, timeline.text]
            digest = hashlib.sha256(TRANSCRIPT.format(WITNESS).encode("utf-8")).hexdigest()
            assert all(digest not in output for output in outputs), "the hash is shown"
        else:
            full = client.get(f"/api/records/{TRANSCRIPT_RECORD}", headers=headers[role]).json()
            assert full["sha256"] and "Rana" in full["pages"][0]["text"]
            for answer in (search.text, export.text, timeline.text):
                assert full["sha256"] in answer, "investigators lose the transcript's hash"
