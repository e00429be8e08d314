"""The leak suite: canaries at every level and in every protected field, probed through
every endpoint as every role. A role must not learn that anything above it exists.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch
from fastapi.testclient import TestClient
from PIL import Image

from evidence import jobqueue
from evidence.access import AccessContext, Level, Role
from evidence.ids import stable_id
from evidence.settings import Settings
from search_api.app import create_app
from search_api.uploads.jobs import UploadJobs
from tests.conftest import loaded_once, role_headers, run_async
from tests.integration.test_originals import revealed

CODES = {
    Level.PUBLIC: "aaa",
    Level.RESTRICTED: "bbb",
    Level.CONFIDENTIAL: "ccc",
    Level.SEALED: "ddd",
}
PROTECTED_KINDS = ("wit", "con", "plc", "vic", "per")


def level_canary(level: Level) -> str:
    return f"canary{CODES[level]}"


def protected_canary(kind: str, level: Level) -> str:
    return f"canary{kind}{CODES[level]}"


def _write_bundle(root: Path) -> None:
    (root / "media").mkdir(parents=True)
    (root / "testimonies").mkdir()
    (root / "filings").mkdir()
    (root / "collection.yaml").write_text(
        "id: canary\ntitle: Canary bundle (SYNTHETIC)\n"
        "default_confidentiality: public\nsynthetic: true\n"
    )
    rows = [
        "photo_id,file,body_id,branch_no,facility,date_photographed,identification,"
        "victim_name,findings,confidentiality"
    ]
    for level, code in CODES.items():
        Image.new("RGB", (32, 32), (40 * level, 90, 90)).save(root / "media" / f"{code}.jpg")
        rows.append(
            f"P-{code},media/{code}.jpg,B-{code},215,hospital-601,2012-0{level + 1}-10,"
            f"family_recognised,{protected_canary('vic', level)},"
            f"{level_canary(level)} photo findings,{level.label}"
        )
        witness = protected_canary("wit", level)
        person = protected_canary("per", level)
        (root / "testimonies" / f"t-{code}.md").write_text(
            f"---\ntestimony_id: T-{code}\nwitness_pseudonym: Z-{code}\n"
            f"witness_name: {witness}\nwitness_contact: {protected_canary('con', level)}\n"
            f"interview_place: {protected_canary('plc', level)}\nprotected_place: true\n"
            f"interview_date: 201{level + 5}-05\nconfidentiality: {level.label}\n"
            f"facilities: [saydnaya]\npersons:\n  - {{name: {person}, role: family}}\n"
            f"events:\n  - {{date: 2013-0{level + 1}, description: held with {person}}}\n---\n"
            f"{level_canary(level)} transcript. I am {witness}; {person} was with me.\n"
        )
        (root / "filings" / f"f-{code}.md").write_text(
            f"---\nfiling_id: F-{code}\ncourt: Canary Court {level_canary(level)}\n"
            f"doc_type: order\ndate_issued: 2020-0{level + 1}-01\nconfidentiality: {level.label}\n"
            f"defendants: [Defendant {level_canary(level)}]\n"
            'cites: ["canary:P-aaa", "canary:P-ddd"]\n---\n'
            f"{level_canary(level)} filing text.\n"
        )
    (root / "photos.csv").write_text("\n".join(rows) + "\n")


def _all_ids() -> dict[str, Level]:
    ids = {}
    for level, code in CODES.items():
        ids[stable_id("canary", "photo", f"P-{code}")] = level
        ids[stable_id("canary", "testimony", f"T-{code}")] = level
        ids[stable_id("canary", "filing", f"F-{code}")] = level
    return ids


@contextmanager
def canary_site(
    base_settings: Settings, redis_db: str, root: Path
) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    """The canary bundle written in `root` (by `_write_bundle`, perhaps changed since)
    loaded, and a client with an account per role."""
    with loaded_once(base_settings, redis_db, root) as (settings, report):
        assert (report.indexed, report.rejections) == (12, [])
        headers = role_headers(settings)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, headers


def canary_fixture(folder: str, change: Callable[[Path], None] | None = None) -> Any:
    """A module fixture: the canary bundle, changed by `change` if given, loaded, and a
    client with an account per role."""

    @pytest.fixture(scope="module")
    def canary(
        base_settings: Settings,
        es_node: object,
        redis_db: str,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
        root = tmp_path_factory.mktemp(folder) / "bundle"
        _write_bundle(root)
        if change is not None:
            change(root)
        with canary_site(base_settings, redis_db, root) as site:
            yield site

    return canary


canary = canary_fixture("canary")


def _forbidden(role: Role) -> set[str]:
    ceiling = role.ceiling
    words = {level_canary(level) for level in Level if level > ceiling}
    for level in Level:
        if level > ceiling or ceiling < Level.CONFIDENTIAL:
            words |= {protected_canary(kind, level) for kind in PROTECTED_KINDS}
    return words


def _visible(role: Role) -> set[str]:
    return {i for i, level in _all_ids().items() if level <= role.ceiling}


def _assert_clean(text: str, role: Role, where: str, typed: str = "") -> None:
    """No forbidden canary or hidden id, apart from what the caller typed themselves."""
    lowered = text.lower().replace(typed.lower(), "") if typed else text.lower()
    leaked = sorted(word for word in _forbidden(role) if word in lowered)
    assert not leaked, f"{role.value} sees {leaked} in {where}"
    hidden = set(_all_ids()) - _visible(role)
    shown = sorted(i for i in hidden if i in lowered)
    assert not shown, f"{role.value} sees hidden ids {shown} in {where}"


ROLES = list(Role)
QUERIES = ["", "canary", "photo", "transcript", "filing", "215", "saydnaya"] + [
    word for role in ROLES for word in sorted(_forbidden(role))
]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_search_totals_facets_histogram_and_snippets_leak_nothing(canary, role: Role) -> None:
    client, headers = canary
    visible = _visible(role)
    for q in dict.fromkeys(QUERIES):
        for path in ("/api/search", "/"):
            response = client.get(
                path, params={"q": q, "collection": "canary", "size": 100}, headers=headers[role]
            )
            assert response.status_code == 200, (path, q, response.text)
            _assert_clean(response.text, role, f"{path}?q={q}", typed=q)
        body = client.get(
            "/api/search",
            params={"q": q, "collection": "canary", "size": 100},
            headers=headers[role],
        ).json()
        assert {hit["stable_id"] for hit in body["hits"]} <= visible
        # Totals count only what the role may see: every counted record is on the page.
        assert body["total"] == len(body["hits"]), f"{role.value} counts unseen records for {q}"
        counted = sum(
            v["count"] for f in body["facets"] if f["name"] == "type" for v in f["values"]
        )
        assert counted == body["total"]
        histogram = body["histogram"]
        assert sum(b["count"] for b in histogram["buckets"]) + histogram["undated"] == body["total"]
    everything = client.get("/api/search", params={"collection": "canary"}, headers=headers[role])
    assert everything.json()["total"] == len(visible)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_facet_filters_on_protected_or_hidden_values_match_nothing(canary, role: Role) -> None:
    client, headers = canary
    for person in sorted(w for w in _forbidden(role) if w.startswith(("canaryper", "canaryvic"))):
        body = client.get("/api/search", params={"person": person}, headers=headers[role]).json()
        assert body["total"] == 0
    for level in Level:
        body = client.get(
            "/api/search", params={"confidentiality": level.label}, headers=headers[role]
        ).json()
        expected = 3 if level <= role.ceiling else 0
        assert body["total"] == expected, (role, level)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_records_pages_and_media_by_id(canary, role: Role) -> None:
    client, headers = canary
    for record_id, level in _all_ids().items():
        for path in (f"/api/records/{record_id}", f"/records/{record_id}"):
            response = client.get(path, headers=headers[role])
            expected = 200 if level <= role.ceiling else 404
            assert response.status_code == expected, (role, path)
            _assert_clean(response.text, role, path, typed=record_id)
            if expected == 404:
                absent = client.get(path.replace(record_id, "ph-absent"), headers=headers[role])
                assert absent.text.replace("ph-absent", record_id) == response.text
        if record_id.startswith("ph-"):
            for variant in ("preview", "original"):
                # A browser opens a graphic original with "Show image"'s ticket; a hidden
                # record stays 404 with it.
                ticket = revealed(client, record_id) if variant == "original" else None
                response = client.get(
                    f"/media/{record_id}/{variant}", params=ticket, headers=headers[role]
                )
                assert response.status_code == (200 if level <= role.ceiling else 404)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_citations_as_written_name_only_records_the_caller_sees(canary, role: Role) -> None:
    """Every filing cites the public photo P-aaa and the sealed P-ddd. Showing the
    citations as written next to the resolved ones told lower roles which cited records
    are hidden."""
    client, headers = canary
    for record_id, level in _all_ids().items():
        if not record_id.startswith("fi-") or level > role.ceiling:
            continue
        record = client.get(f"/api/records/{record_id}", headers=headers[role]).json()
        written = record["details"].get("cites_as_written", [])
        resolved = {link["stable_id"] for link in record["cites"]}
        expected = ["canary:P-aaa"] + (["canary:P-ddd"] if role is Role.ADMIN else [])
        assert written == expected, (role, record_id)
        assert resolved == {stable_id("canary", "photo", r.partition(":")[2]) for r in expected}
        page = client.get(f"/records/{record_id}", headers=headers[role]).text
        assert ("P-ddd" in page) is (role is Role.ADMIN), (role, record_id)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_person_roles_count_only_persons_the_caller_sees(canary, role: Role) -> None:
    """Every canary testimony's only person is a protected family member, and every
    photo's victim name is protected: the role facet and filter used to count them."""
    client, headers = canary
    sees_protected = role.ceiling >= Level.CONFIDENTIAL
    visible_levels = [level for level in Level if level <= role.ceiling]
    for person_role, record_type in (("family", "testimony"), ("victim", "photo")):
        body = client.get("/api/search", params={"role": person_role}, headers=headers[role]).json()
        expected = len(visible_levels) if sees_protected else 0
        assert body["total"] == expected, (role, person_role)
        assert all(hit["record_type"] == record_type for hit in body["hits"])
        facet = next(f for f in body["facets"] if f["name"] == "role") if body["facets"] else None
        counts = {v["value"]: v["count"] for v in facet["values"]} if facet else {}
        assert (counts.get(person_role, 0) > 0) is sees_protected, (role, counts)
    everything = client.get("/api/search", params={"collection": "canary"}, headers=headers[role])
    role_facet = next(f for f in everything.json()["facets"] if f["name"] == "role")
    shown = {v["value"] for v in role_facet["values"]}
    assert shown == (
        {"alleged_perpetrator", "family", "victim"} if sees_protected else {"alleged_perpetrator"}
    )


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_exports_leak_nothing(canary, role: Role) -> None:
    client, headers = canary
    for export_format in ("csv", "ndjson"):
        response = client.get(
            "/api/export",
            params={"collection": "canary", "format": export_format},
            headers=headers[role],
        )
        assert response.status_code == 200
        _assert_clean(response.text, role, f"export {export_format}")
        if export_format == "csv":
            rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
        else:
            rows = [json.loads(line) for line in response.text.splitlines()]
        assert {row["stable_id"] for row in rows} == _visible(role)


def test_protected_fields_reach_investigators(canary) -> None:
    client, headers = canary
    testimony = stable_id("canary", "testimony", "T-aaa")
    record = client.get(f"/api/records/{testimony}", headers=headers[Role.INVESTIGATOR]).json()
    assert record["protected"]["witness_name"] == protected_canary("wit", Level.PUBLIC)
    found = client.get(
        "/api/search",
        params={"q": protected_canary("wit", Level.PUBLIC)},
        headers=headers[Role.INVESTIGATOR],
    ).json()
    assert found["hits"][0]["stable_id"] == testimony, "the exact protected name ranks first"


def test_a_bad_token_is_401_and_audit_is_admin_only(canary) -> None:
    client, headers = canary
    response = client.get("/api/search", headers={"Authorization": "Bearer ev_nope_nope"})
    assert response.status_code == 401
    for role in (Role.PUBLIC, Role.JOURNALIST, Role.INVESTIGATOR):
        assert client.get("/api/audit", headers=headers[role]).status_code == 403
    assert client.get("/api/audit", headers=headers[Role.ADMIN]).status_code == 200


def test_upload_listings_show_each_uploader_only_their_own(canary) -> None:
    """The upload list (page and JSON) is new with issue 14: below investigator it is
    refused, an investigator sees only their own uploads, an admin sees everyone's."""
    client, headers = canary
    settings: Settings = client.app.state.settings

    async def uploads() -> dict[str, str]:
        es = AsyncElasticsearch(settings.es_url)
        try:
            queue = jobqueue.connect(settings)
            jobs = UploadJobs(es, settings, queue)
            made = {}
            for role in (Role.INVESTIGATOR, Role.ADMIN):
                name = f"{role.value}-canarybundle.zip"
                owner = AccessContext(role, role.value)
                made[role.value] = await jobs.create(owner, name, "0" * 64, 1, Path("/x"))
            return made
        finally:
            await es.close()
            queue.close()

    made = run_async(uploads())
    for role in (Role.PUBLIC, Role.JOURNALIST):
        for path in ("/api/uploads", "/uploads"):
            answer = client.get(path, headers=headers[role])
            assert answer.status_code == 403, (role, path)
            assert "canarybundle" not in answer.text and made["admin"] not in answer.text
    for path in ("/api/uploads", "/uploads"):
        answer = client.get(path, headers=headers[Role.INVESTIGATOR])
        assert "admin-canarybundle" not in answer.text and made["admin"] not in answer.text
    # Another's upload answers exactly as one that never existed.
    hidden = client.get(f"/api/uploads/{made['admin']}", headers=headers[Role.INVESTIGATOR])
    absent = client.get("/api/uploads/up-0000000000000000", headers=headers[Role.INVESTIGATOR])
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["detail"].replace(made["admin"], "ID") == absent.json()["detail"].replace(
        "up-0000000000000000", "ID"
    )
    own = client.get("/api/uploads", headers=headers[Role.INVESTIGATOR]).json()["uploads"]
    assert [job["id"] for job in own] == [made["investigator"]]
    everyone = client.get("/api/uploads", headers=headers[Role.ADMIN]).json()["uploads"]
    assert {job["id"] for job in everyone} == set(made.values())
