"""The redaction review: `python -m indexer redactions` lists every withheld span and near
miss of a bundle built for it; each load keeps the review, and a reload after an alias
was added reports the near miss it now withholds, in the CLI, the API and the pages."""

from __future__ import annotations

import csv
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient
from PIL import Image

from evidence.access import Role
from evidence.ids import stable_id
from evidence.settings import Settings
from indexer.load import LoadOptions, load_bundle, rebuild, registry_id
from indexer.review import stored_review
from search_api.app import create_app
from tests.conftest import role_headers, run_cli

COLLECTION = "review-test"
WITNESS = "Rami Haddad"
VICTIM = "Samira Khouri"
ALIAS = "Abu Rami"
TESTIMONY = "testimonies/t-1.md"
# Page 1 names the witness as written with the article, fused, and in Arabic script;
# page 2 by surname, and by given name alone: a near miss until the kunya is an alias.
PAGES = (
    "My name is Rami al-Haddad. In the file they wrote رامي حداد. Friends write Rami Alhaddad.",
    "The guards called me Haddad. Only my mother says Rami now.",
)


def write_bundle(root: Path, *, alias: bool = False, pages: tuple[str, ...] = PAGES) -> None:
    """A restricted testimony naming its witness in several spellings, and a photo whose
    findings and tags name its victim."""
    (root / "testimonies").mkdir(parents=True, exist_ok=True)
    (root / "media").mkdir(exist_ok=True)
    (root / "collection.yaml").write_text(
        f"id: {COLLECTION}\ntitle: Redaction review test (SYNTHETIC)\n"
        "default_confidentiality: restricted\nsynthetic: true\n"
    )
    aliases = f"witness_aliases: [{ALIAS}]\n" if alias else ""
    (root / TESTIMONY).write_text(
        "---\ntestimony_id: T-1\nwitness_pseudonym: Witness R\n"
        f"witness_name: {WITNESS}\n{aliases}interview_date: 2016-05\n"
        "facilities: [saydnaya]\n---\n" + "\f".join(pages) + "\n",
        encoding="utf-8",
    )
    Image.new("RGB", (32, 32), (9, 9, 9)).save(root / "media" / "p1.jpg")
    (root / "photos.csv").write_text(
        "photo_id,file,victim_name,findings,tags\n"
        f"P-1,media/p1.jpg,{VICTIM},Body identified by her brother as {VICTIM},synthetic;Khouri\n"
    )


def _row(kind, file, local_id, field, page, offset, form, rule, protected_field, value):
    return {
        "kind": kind,
        "file": file,
        "local_id": local_id,
        "field": field,
        "page": page,
        "offset": offset,
        "form": form,
        "rule": rule,
        "protected_field": protected_field,
        "protected_value": value,
    }


NEAR_MISS = _row(
    "near miss",
    TESTIMONY,
    "T-1",
    "pages",
    2,
    PAGES[1].index("Rami"),
    "Rami",
    "'rami' alone, not beside another part of the name",
    "witness_name",
    WITNESS,
)
EXPECTED = [
    _row(
        "withheld",
        "photos.csv",
        "P-1",
        "findings",
        None,
        34,
        VICTIM,
        "full name, as written",
        "victim_name",
        VICTIM,
    ),
    _row(
        "withheld",
        "photos.csv",
        "P-1",
        "tags[1]",
        None,
        0,
        "Khouri",
        "surname, as written",
        "victim_name",
        VICTIM,
    ),
    _row(
        "withheld",
        TESTIMONY,
        "T-1",
        "pages",
        1,
        11,
        "Rami al-Haddad",
        "full name, as written",
        "witness_name",
        WITNESS,
    ),
    _row(
        "withheld",
        TESTIMONY,
        "T-1",
        "pages",
        1,
        PAGES[0].index("رامي"),
        "رامي حداد",
        "full name, other script",
        "witness_name",
        WITNESS,
    ),
    _row(
        "withheld",
        TESTIMONY,
        "T-1",
        "pages",
        1,
        PAGES[0].index("Rami Alhaddad"),
        "Rami Alhaddad",
        "full name, as written",  # the fused article is no other spelling
        "witness_name",
        WITNESS,
    ),
    _row(
        "withheld",
        TESTIMONY,
        "T-1",
        "pages",
        2,
        PAGES[1].index("Haddad"),
        "Haddad",
        "surname, as written",
        "witness_name",
        WITNESS,
    ),
    NEAR_MISS,
]
# The near miss once `Abu Rami` is an alias: its last part, alone, is withheld.
NOW_WITHHELD = NEAR_MISS | {
    "kind": "withheld",
    "rule": "surname, as written",
    "protected_field": "witness_aliases[0]",
    "protected_value": ALIAS,
}


def _without_line(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in {"line", "bundle"}} for row in rows]


@dataclass
class Reloaded:
    settings: Settings
    root: Path
    first_load: str
    second_load: str
    headers: dict[Role, dict[str, str]]
    client: TestClient


@pytest.fixture(scope="module")
def reloaded(
    base_settings: Settings, es_node: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Reloaded]:
    """The bundle loaded with the CLI, then again once the alias is added."""
    settings = base_settings.model_copy(update={"index_prefix": f"r{uuid.uuid4().hex[:12]}"})
    work = tmp_path_factory.mktemp("review")
    root = work / "bundle"
    write_bundle(root)
    report = str(work / "rejections.ndjson")
    first = run_cli("indexer", settings, "load", str(root), "--report", report)
    assert first.returncode == 0, first.stderr
    write_bundle(root, alias=True)
    second = run_cli("indexer", settings, "load", str(root), "--report", report)
    assert second.returncode == 0, second.stderr
    es = Elasticsearch(settings.es_url, request_timeout=60)
    try:
        headers = role_headers(settings)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield Reloaded(settings, root, first.stdout, second.stdout, headers, client)
    finally:
        es.indices.delete(index=",".join(es.indices.get(index=f"{settings.index_prefix}-*")))
        es.close()


def test_the_cli_lists_every_withheld_span_and_near_miss(
    settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "bundle"
    write_bundle(root)
    ndjson, as_csv = tmp_path / "out" / "review.ndjson", tmp_path / "review.csv"
    run = run_cli("indexer", settings, "redactions", str(root), "--report", str(ndjson))
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in ndjson.read_text(encoding="utf-8").splitlines()]
    assert _without_line(rows) == EXPECTED
    assert {row["bundle"] for row in rows} == {str(root)}
    assert "records: read 2, reviewed 2, rejected 0" in run.stdout
    assert "spans withheld: 6" in run.stdout and "near misses: 1" in run.stdout
    assert "  full name, as written: 3\n" in run.stdout
    assert "  full name, other script: 1\n" in run.stdout

    run = run_cli("indexer", settings, "redactions", str(root), "--report", str(as_csv))
    assert run.returncode == 0, run.stderr
    with as_csv.open(encoding="utf-8", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert [(r["kind"], r["page"], r["offset"], r["form"]) for r in read] == [
        (r["kind"], "" if r["page"] is None else str(r["page"]), str(r["offset"]), r["form"])
        for r in EXPECTED
    ]

    run = run_cli("indexer", settings, "redactions", str(root), "--report", "-")
    assert run.returncode == 0, run.stderr
    assert _without_line([json.loads(line) for line in run.stdout.splitlines()]) == EXPECTED
    assert "spans withheld: 6" in run.stderr, "the summary goes to stderr, the rows own stdout"


def test_the_first_load_reports_a_first_review_and_the_reload_the_near_miss_now_withheld(
    reloaded: Reloaded,
) -> None:
    assert "6 spans withheld, 1 near misses (first review of this bundle)" in reloaded.first_load
    assert "7 spans withheld, 0 near misses; since the load of" in reloaded.second_load
    assert (
        "0 newly withheld, 0 no longer withheld, 1 near misses withheld, 0 new near misses, "
        "0 near misses gone" in reloaded.second_load
    )
    offset = PAGES[1].index("Rami")
    assert (
        f"  near miss now withheld: 'Rami' -> {TESTIMONY} T-1 pages page 2 at {offset}: "
        "'Rami' (surname, as written; witness_aliases[0])" in reloaded.second_load
    )


def test_the_admin_api_shows_the_rows_and_what_the_reload_changed(reloaded: Reloaded) -> None:
    admin = reloaded.headers[Role.ADMIN]
    listing = reloaded.client.get("/api/admin/redactions", headers=admin)
    assert listing.status_code == 200, listing.text
    (bundle,) = listing.json()["bundles"]
    bundle_id = registry_id(reloaded.root)
    assert bundle["id"] == bundle_id and bundle["collection"] == COLLECTION
    assert (bundle["records"], bundle["withheld"], bundle["near_misses"]) == (2, 7, 0)
    assert bundle["changed"] == {
        "newly_withheld": 0,
        "no_longer_withheld": 0,
        "near_misses_withheld": 1,
        "new_near_misses": 0,
        "near_misses_gone": 0,
    }
    assert "path" not in bundle and str(reloaded.root) not in listing.text

    detail = reloaded.client.get(bundle["url"], headers=admin).json()
    (pair,) = detail["changes"]["near_misses_withheld"]
    assert _without_line([pair["near_miss"], pair["withheld"]]) == [NEAR_MISS, NOW_WITHHELD]
    assert _without_line(detail["rows"]) == [*EXPECTED[:-1], NOW_WITHHELD]
    assert detail["matching"] == detail["rows_kept"] == 7 and detail["next"] is None

    first_page = reloaded.client.get(
        bundle["url"], params={"record": "T-1", "size": 2}, headers=admin
    ).json()
    assert [row["form"] for row in first_page["rows"]] == ["Rami al-Haddad", "رامي حداد"]
    assert first_page["matching"] == 5 and first_page["next"] == "?record=T-1&size=2&offset=2"
    photo_rows = reloaded.client.get(
        bundle["url"] + "?kind=withheld&record=P-1", headers=admin
    ).json()
    assert [row["field"] for row in photo_rows["rows"]] == ["findings", "tags[1]"]

    views = reloaded.client.get(
        "/api/audit", params={"action": "redactions.view"}, headers=admin
    ).json()["events"]
    assert {"bundle": bundle_id, "record": "T-1", "size": 2} in [
        json.loads(e["params"]) for e in views
    ]


def test_the_admin_pages_show_the_rows_and_the_change_summary(reloaded: Reloaded) -> None:
    admin = reloaded.headers[Role.ADMIN]
    listing = reloaded.client.get("/admin/redactions", headers=admin)
    bundle_id = registry_id(reloaded.root)
    assert listing.status_code == 200
    assert f'href="/admin/redactions/{bundle_id}"' in listing.text
    assert "1 near misses withheld" in listing.text
    page = reloaded.client.get(f"/admin/redactions/{bundle_id}", headers=admin)
    assert page.status_code == 200
    assert page.template.name == "redaction_review.html"  # type: ignore[attr-defined]
    review = page.context["review"]  # type: ignore[attr-defined]
    assert review.changes.counts["near_misses_withheld"] == 1
    assert "Near misses now withheld" in page.text
    assert "witness_aliases[0]" in page.text and ALIAS in page.text
    assert "&lt;th" not in page.text, "the table head is markup, not escaped text"
    for shown in (listing, page):  # each page links its JSON twin, and the twin answers
        (twin,) = re.findall(r'<a href="([^"]+)">JSON</a>', shown.text)
        assert reloaded.client.get(twin, headers=admin).status_code == 200
    assert f'href="/api/admin/redactions/{bundle_id}"' in page.text
    filtered = reloaded.client.get(
        f"/admin/redactions/{bundle_id}", params={"kind": "", "record": "P-1"}, headers=admin
    )
    assert filtered.status_code == 200
    assert [r.form for r in filtered.context["review"].rows] == [VICTIM, "Khouri"]  # type: ignore[attr-defined]
    missing = reloaded.client.get(f"/admin/redactions/{'0' * 32}", headers=admin)
    assert missing.status_code == 404 and "No redaction review" in missing.text


def test_the_reload_withholds_the_former_near_miss_from_a_journalist(reloaded: Reloaded) -> None:
    record = stable_id(COLLECTION, "testimony", "T-1")
    answer = reloaded.client.get(
        f"/api/records/{record}", headers=reloaded.headers[Role.JOURNALIST]
    )
    assert answer.status_code == 200
    assert "Only my mother says [withheld] now." in answer.text
    assert "Rami" not in answer.text and "Haddad" not in answer.text


def test_a_rebuild_keeps_the_review_and_reports_a_span_no_longer_withheld(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    root = tmp_path / "bundle"
    write_bundle(root)
    options = LoadOptions(drain_seconds=0, originals_dir=tmp_path / "originals")
    load_bundle(es, settings.index_prefix, root, options=options)
    edited = (PAGES[0], "The guards shouted. Only my mother says Rami now.")
    write_bundle(root, pages=edited)
    rebuild(es, settings.index_prefix, [root], options=options)
    review = stored_review(es, settings.index_prefix, registry_id(root))
    assert review is not None
    changes = review["changes"]
    assert changes["counts"] == {
        "newly_withheld": 0,
        "no_longer_withheld": 1,
        "near_misses_withheld": 0,
        "new_near_misses": 0,
        "near_misses_gone": 0,
    }, "the near miss moved with the edit, and is the same near miss"
    assert [row["form"] for row in changes["no_longer_withheld"]] == ["Haddad"]
    assert (review["withheld"], review["near_misses"]) == (5, 1)
