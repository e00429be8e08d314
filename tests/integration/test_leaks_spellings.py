"""Leak suite, spellings: a canary in every input field of every record type, at every
level, and each protected name written in every spelling class (other script both
ways, other transliteration, article on or off, surname alone, given name beside
another part, possessive, hyphens, kunya and nickname aliases). Every output is probed
as every role; a finding names the (field, form, level, output, role) that leaked.

The bundle (`tests/canaries.py`) is loaded once; a second one is uploaded by an
investigator through `/api/uploads`, so the upload path and its report are covered.
Searches are batched (OR queries of up to 64 words) and bisected only on a hit.
"""

from __future__ import annotations

import html
import io
import json
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from evidence.access import Level, Role
from evidence.analysis import analyse
from evidence.ids import stable_id
from evidence.settings import Settings
from indexer.load import load_bundle
from indexer.report import LoadReport
from search_api.app import create_app
from search_api.syntax import MAX_CLAUSES, MAX_QUERY_CHARS
from tests.canaries import ALIAS_FORMS, NAME_FORMS, Canaries, Cell, Record, Scanner
from tests.conftest import finished_upload, role_headers
from tests.integration.test_originals import revealed

LOADED = "spellcanary"
UPLOADED = "spelluploaded"
UPLOADED_LEVELS = (Level.PUBLIC, Level.RESTRICTED, Level.CONFIDENTIAL)
UPLOADED_FORMS = ("as written", "other script, Latin metadata, Arabic text", "surname alone")
ROLES = list(Role)
T = TypeVar("T")
# Batches per role whose words (the first half: a full batch with `vqall` makes the node
# give up for investigators, a 503) are OR-ed with `vqall` to check the ranking.
RANKED_BATCHES = 4
LISTING_QUERIES = ("", "vqall", "Abu")
# Input fields no output shows, so the positive control does not expect them: the
# image's path inside the bundle.
NOT_SHOWN = {"file"}
# The events each signed-in role adds to a chronology: per visible level, the testimony
# event and the photo of these name forms, and the alias testimony of this alias form.
CHRONOLOGY_FORMS = ("other script, Latin metadata, Arabic text",)
CHRONOLOGY_ALIAS_FORMS = ("kunya, other script",)
# Attribute values hold the typed query (links, the search box); scanned separately.
_ATTRIBUTES = re.compile(r'\s(?:href|value|action|content|data-[\w-]+)="[^"]*"')


def sees_protected(role: Role) -> bool:
    return role.ceiling >= Level.CONFIDENTIAL


def may_see(role: Role, cell: Cell) -> bool:
    return cell.level <= role.ceiling and (sees_protected(role) or not cell.protected)


@dataclass
class Site:
    client: TestClient
    headers: dict[Role, dict[str, str]]
    canaries: Canaries
    scanner: Scanner
    loaded: LoadReport
    upload: dict[str, Any]
    upload_headers: dict[str, str]
    records: dict[str, Record] = field(default_factory=dict)  # by stable id

    def forbidden(self, role: Role) -> list[Cell]:
        return [c for c in self.canaries.cells if not may_see(role, c)]

    def get(self, role: Role, path: str, **params: Any) -> Any:
        return self.client.get(path, params=params or None, headers=self.headers[role])


@dataclass
class Findings:
    """Leaks found by one test, reported together: the cell, output, role and words."""

    role: Role
    lines: list[str] = field(default_factory=list)

    def leak(self, cell: Cell, output: str, seen: Sequence[str] | set[str]) -> None:
        words = ", ".join(sorted(seen))
        self.lines.append(f"{self.role.value} / {output}: {cell.describe()} via {words}")

    def scan(self, site: Site, output: str, text: str) -> None:
        for cell, words in site.scanner.scan(text).items():
            if not may_see(self.role, cell):
                self.leak(cell, output, words)

    def other(self, message: str) -> None:
        self.lines.append(f"{self.role.value}: {message}")

    def check(self) -> None:
        assert not self.lines, f"{len(self.lines)} leaks:\n" + "\n".join(sorted(set(self.lines)))


def _zip(root: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


@pytest.fixture(scope="module")
def site(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    canaries = Canaries()
    canaries.build(LOADED, list(Level), NAME_FORMS)
    canaries.build(UPLOADED, UPLOADED_LEVELS, UPLOADED_FORMS)
    scanner = canaries.index()
    work = tmp_path_factory.mktemp("spellings")
    settings = base_settings.model_copy(
        update={
            "index_prefix": f"s{uuid.uuid4().hex[:12]}",
            "redis_url": redis_db,
            "uploads_dir": work / "uploads",
            "upload_max_bytes": 8 * 1024 * 1024,
        }
    )
    canaries.write(LOADED, work / LOADED)
    canaries.write(UPLOADED, work / UPLOADED)
    es = Elasticsearch(settings.es_url, request_timeout=60)
    try:
        loaded = load_bundle(es, settings.index_prefix, work / LOADED)
        headers = role_headers(settings)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            investigator = headers[Role.INVESTIGATOR]
            sent = client.post(
                "/api/uploads",
                headers=investigator,
                files={"file": ("canaries.zip", _zip(work / UPLOADED), "application/zip")},
            )
            assert sent.status_code == 202, sent.text
            job = finished_upload(client, investigator, sent.json()["id"], settings)
            # Settled segments: ties in the ranking checks keep their order.
            es.indices.forcemerge(index=f"{settings.index_prefix}-*", max_num_segments=1)
            records = {
                stable_id(collection, r.record_type, r.local_id): r
                for collection, rs in canaries.records.items()
                for r in rs
            }
            yield Site(client, headers, canaries, scanner, loaded, job, investigator, records)
    finally:
        names = es.indices.get(index=f"{settings.index_prefix}-*")
        if names:
            es.indices.delete(index=",".join(names))
        es.close()


# -- the generator and the load ------------------------------------------------------


def test_every_canary_names_one_cell_and_both_bundles_load_whole(site: Site) -> None:
    """Each token belongs to one cell (the scanner refuses otherwise); every record of
    both bundles is indexed, none rejected and no field ignored (today `aliases` on a
    person is refused and `witness_aliases`, `victim_aliases` are ignored)."""
    assert len(site.scanner.by_token) > 5000
    expected = len(site.canaries.records[LOADED])
    rejected = [f"{r.file}:{r.line} {r.field}: {r.reason}" for r in site.loaded.rejections]
    ignored = [w for w in site.loaded.warnings if "ignored" in w]
    assert (site.loaded.indexed, rejected, ignored) == (expected, [], [])
    job = site.upload
    assert job["status"] == "done", job
    uploaded = len(site.canaries.records[UPLOADED])
    assert (job["indexed"], job["rejected"]) == (uploaded, 0), job


def test_every_protected_form_is_written_in_its_records_text(site: Site) -> None:
    """A cell whose form never reaches a text field would pass without being tested."""
    absent = []
    for record in site.records.values():
        events = record.meta.get("events") or []
        assert isinstance(events, list)
        texts = [*record.pages, *(e["description"] for e in events)]
        tags = record.meta.get("tags")
        texts += [str(record.meta.get("findings", "")), *(tags if isinstance(tags, list) else [])]
        for cell in record.cells:
            if cell.protected and not any(cell.text in text for text in texts):
                absent.append(cell.describe())
    assert not absent, absent


# -- search: totals, facets, histogram, snippets, ranking -----------------------------


def _batches(cells: Sequence[Cell], items: Callable[[Cell], Sequence[str]]) -> list[list[Cell]]:
    """Cells grouped so that the OR of their words fits one query."""
    batches: list[list[Cell]] = [[]]
    words = chars = 0
    for cell in cells:
        mine = list(items(cell))
        size = sum(len(w) + 3 for w in mine)
        if batches[-1] and (words + len(mine) > MAX_CLAUSES or chars + size > MAX_QUERY_CHARS):
            batches.append([])
            words = chars = 0
        batches[-1].append(cell)
        words, chars = words + len(mine), chars + size
    return [b for b in batches if b]


def _or(cells: Sequence[Cell], items: Callable[[Cell], Sequence[str]] = lambda c: c.queries) -> str:
    return " | ".join(dict.fromkeys(w for c in cells for w in items(c)))


def _bisect(cells: list[Cell], matches: Callable[[list[Cell]], bool]) -> list[Cell]:
    """The cells whose words match, asking only about halves that match."""
    if not matches(cells):
        return []
    if len(cells) == 1:
        return cells
    half = len(cells) // 2
    return _bisect(cells[:half], matches) + _bisect(cells[half:], matches)


def _search(site: Site, role: Role, q: str, **params: Any) -> dict[str, Any]:
    """By words: a forbidden word must count nothing. (By meaning every question has
    neighbours, so the meaning modes are held to an archive without the name instead:
    tests/integration/test_leaks_semantic.py.)"""
    response = site.get(role, "/api/search", q=q, size=100, **({"mode": "keyword"} | params))
    assert response.status_code == 200, (q, response.text)
    body: dict[str, Any] = response.json()
    return body


def _counted(body: dict[str, Any]) -> int:
    """What the answer counts anywhere: total, hits, facet counts, histogram."""
    facets = sum(int(v["count"]) for f in body["facets"] for v in f["values"])
    histogram = body["histogram"] or {"buckets": [], "undated": 0}
    buckets = sum(int(b["count"]) for b in histogram["buckets"]) + int(histogram["undated"])
    return int(body["total"]) + len(body["hits"]) + facets + buckets


def _without_echo(body: Any) -> str:
    """The answer without what repeats the typed query: `q` and every link (facet
    toggles, `next`), which carry it in their query strings."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "q"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        if isinstance(value, str) and value.startswith(("?", "/")):
            return ""
        return value

    return json.dumps(strip(body), ensure_ascii=False)


def _parallel(work: Callable[[T], list[str]], items: Sequence[T]) -> list[str]:
    """Run the probes four at a time: the node, not the test, is the bottleneck."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return [line for lines in pool.map(work, items) for line in lines]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_search_never_matches_counts_or_ranks_by_a_forbidden_form(site: Site, role: Role) -> None:
    """Totals, facet counts and the histogram stay at zero for every forbidden word; a
    hit is bisected down to the cells whose words match. Ranking: OR-ing forbidden
    words with a word every record holds must order the first page as OR-ing as many
    words that no record holds does."""
    assert _search(site, role, "vqall")["hits"], "nothing visible: the bundle did not load"
    decoys = site.canaries.decoys(MAX_CLAUSES)
    batches = _batches(site.forbidden(role), lambda c: c.queries)

    def probe(numbered: tuple[int, list[Cell]]) -> list[str]:
        number, batch = numbered
        findings = Findings(role)
        q = _or(batch)
        body = _search(site, role, q)
        findings.scan(site, "search hits/snippets/facets", _without_echo(body))
        if _counted(body):
            for cell in _bisect(batch, lambda cs: bool(_counted(_search(site, role, _or(cs))))):
                findings.leak(cell, "search total/facets/histogram", cell.queries)
        if number < RANKED_BATCHES:
            # Words of one token only: `al-X` would bring the common word `al` along.
            words = [w for c in batch[: len(batch) // 2] for w in c.queries]
            half = " | ".join(dict.fromkeys(w for w in words if len(analyse(w)) == 1))
            unheard = " | ".join(decoys[: half.count("|") + 1])

            def moved() -> bool:
                ranked = _search(site, role, f"vqall | {half}")["hits"]
                control = _search(site, role, f"vqall | {unheard}")["hits"]
                return [h["stable_id"] for h in ranked] != [h["stable_id"] for h in control]

            # Asked twice: equal scores may swap places once while the node merges.
            if moved() and moved():
                findings.other(f"search ranking moves when OR-ed with forbidden {half[:80]}")
        return findings.lines

    findings = Findings(role, _parallel(probe, list(enumerate(batches))))
    findings.check()


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_listing_snippets_facets_pages_and_exports_hold_no_forbidden_form(
    site: Site, role: Role
) -> None:
    """Every visible record listed (API and page, several queries, every page of
    results) and exported: no forbidden word anywhere in the answer."""
    findings = Findings(role)
    seen: set[Cell] = set()
    for q in LISTING_QUERIES:
        params: dict[str, Any] = {"size": 100}
        for _ in range(10):
            body = site.get(role, "/api/search", q=q, **params).json()
            text = _without_echo(body)
            findings.scan(site, f"search q={q!r}", text)
            seen.update(site.scanner.scan(text))
            if not body.get("next_cursor"):
                break
            params["cursor"] = body["next_cursor"]
        page = site.get(role, "/", q=q, size=100)
        assert page.status_code == 200
        findings.scan(site, f"search page q={q!r}", html.unescape(page.text))
    for export_format in ("csv", "ndjson"):
        response = site.get(role, "/api/export", format=export_format)
        assert response.status_code == 200, response.text
        findings.scan(site, f"export {export_format}", response.text)
        seen.update(site.scanner.scan(response.text))
    # Positive control: records of every level the role may see are listed.
    assert {c.level for c in seen} == {level for level in Level if level <= role.ceiling}
    findings.check()


@pytest.mark.parametrize("role", [Role.INVESTIGATOR, Role.ADMIN], ids=lambda r: r.value)
def test_investigators_and_admins_find_every_protected_form_they_may_see(
    site: Site, role: Role
) -> None:
    """Positive control: the text forms are found by those allowed to see them, so a
    suite that finds nothing because nothing loaded cannot pass."""
    visible = [c for c in site.canaries.cells if c.protected and may_see(role, c)]
    if role is Role.ADMIN:  # what the investigator's run has not already shown
        visible = [c for c in visible if c.level > Role.INVESTIGATOR.ceiling]
    text_words = {c: _words_of_text(c) for c in visible}
    record_of = {c: i for i, r in site.records.items() for c in r.cells}

    def probe(batch: list[Cell]) -> list[str]:
        body = _search(site, role, _or(batch, lambda c: text_words[c]))
        hit_ids = {h["stable_id"] for h in body["hits"]}
        return [
            f"{cell.describe()}: {cell.text!r}" for cell in batch if record_of[cell] not in hit_ids
        ]

    missing = _parallel(probe, _batches(visible, lambda c: text_words[c]))
    assert not missing, f"{role.value} cannot find {len(missing)} forms:\n" + "\n".join(missing)


def _words_of_text(cell: Cell) -> list[str]:
    skip = {"al", "el", "abu", "abou", "ال", "أبو"}
    words = [w for w in re.split(r"[\s]+", cell.text) if w and w.lower() not in skip]
    return words or [cell.text]


# -- records, pages and media by id ------------------------------------------------------


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_records_pages_and_media_hold_only_what_the_role_may_see(site: Site, role: Role) -> None:
    """Every visible record, JSON and page, holds no forbidden word and (positive
    control) every word the role may see; a hidden one answers as an absent id (one
    per collection, type and level: `test_leaks.py` probes every id)."""
    absent = site.get(role, "/api/records/ts-absent0000").text
    hidden_probed: set[tuple[str, Level]] = set()
    probes: list[tuple[str, Record]] = []
    # An admin sees everything: only the sealed records, which no one else reads.
    lowest = Level.SEALED if role is Role.ADMIN else Level.PUBLIC
    for record_id, record in site.records.items():
        kind = (record_id[:3], record.level)
        if lowest <= record.level <= role.ceiling or (
            record.level > role.ceiling and kind not in hidden_probed
        ):
            hidden_probed.add(kind)
            probes.append((record_id, record))

    def probe(item: tuple[str, Record]) -> list[str]:
        record_id, record = item
        findings = Findings(role)
        api = site.get(role, f"/api/records/{record_id}")
        if record.level > role.ceiling:
            if api.status_code != 404 or api.text.replace(record_id, "ts-absent0000") != absent:
                findings.other(f"hidden record {record_id} answers {api.status_code}")
            findings.scan(site, f"record JSON {record_id}", api.text)
            return findings.lines
        if api.status_code != 200:
            findings.other(f"visible record {record.local_id} answers {api.status_code}")
            return findings.lines
        where = f"{record.record_type} {record.local_id}"
        text = json.dumps(api.json(), ensure_ascii=False)
        findings.scan(site, f"record JSON {where}", text)
        # Pages of the records an investigator shares with journalists are read as
        # journalists; the investigator's run reads the pages of its own level.
        if not (role is Role.INVESTIGATOR and record.level < Level.CONFIDENTIAL):
            page = site.get(role, f"/records/{record_id}")
            findings.scan(site, f"record page {where}", html.unescape(page.text))
        shown = site.scanner.scan(text)
        for cell in record.cells:
            if may_see(role, cell) and cell not in shown and cell.field not in NOT_SHOWN:
                findings.other(f"does not see its own {cell.describe()} in the record JSON")
        return findings.lines

    findings = Findings(role, _parallel(probe, probes))
    for collection in (LOADED, UPLOADED):
        for level in Level:
            photo = next(
                (
                    r
                    for r in site.canaries.records[collection]
                    if r.record_type == "photo" and r.level == level
                ),
                None,
            )
            if photo is None:
                continue
            record_id = stable_id(collection, "photo", photo.local_id)
            for variant in ("preview", "original"):
                ticket = revealed(site.client, record_id) if variant == "original" else {}
                media = site.get(role, f"/media/{record_id}/{variant}", **ticket)
                expected = 200 if level <= role.ceiling else 404
                if media.status_code != expected:
                    findings.other(f"photo {photo.local_id} {variant}: {media.status_code}")
                headers = json.dumps(dict(media.headers), ensure_ascii=False)
                findings.scan(site, f"media {variant} headers {photo.local_id}", headers)
    findings.check()


# -- timeline ------------------------------------------------------------------------


def _timeline(site: Site, role: Role, q: str) -> dict[str, Any]:
    response = site.get(role, "/api/timeline", q=q, size=200)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_timeline_never_shows_or_finds_a_forbidden_form(site: Site, role: Role) -> None:
    """Every event listed (API, every page, and the page) holds no forbidden word, and
    no forbidden word finds an event (`/api/timeline?q=`)."""
    findings = Findings(role)
    params: dict[str, Any] = {"size": 200}
    events = 0
    for _ in range(20):
        body = site.get(role, "/api/timeline", **params).json()
        findings.scan(site, "timeline API", _without_echo(body))
        events += len(body["entries"])
        if not body.get("next_cursor"):
            break
        params["cursor"] = body["next_cursor"]
    assert events, "no events: the bundle did not load"
    page = site.get(role, "/timeline")
    findings.scan(site, "timeline page", html.unescape(page.text))

    def probe(batch: list[Cell]) -> list[str]:
        found = Findings(role)
        body = _timeline(site, role, _or(batch))
        found.scan(site, "timeline API (q)", _without_echo(body))
        if body["total"] or body["entries"]:
            matching = _bisect(batch, lambda cs: bool(_timeline(site, role, _or(cs))["total"]))
            for cell in matching:
                found.leak(cell, "timeline search", cell.queries)
        return found.lines

    findings.lines += _parallel(probe, _batches(site.forbidden(role), lambda c: c.queries))
    findings.check()


# -- chronologies ------------------------------------------------------------------------


def _chronology_events(site: Site, role: Role) -> list[tuple[str, Record]]:
    """Event ids of the chosen records at the role's own level: a testimony's first
    recounted event (seq 2) and a photo's moment (seq 1). Each addition is a write
    that waits for a refresh, so a few stand for the rest."""
    chosen = []
    for record_id, record in site.records.items():
        if record.level != role.ceiling or record.record_type == "filing":
            continue
        forms = {c.form for c in record.cells if c.protected}
        if forms & set(CHRONOLOGY_FORMS) or (
            record.record_type == "testimony" and forms & set(CHRONOLOGY_ALIAS_FORMS)
        ):
            seq = 2 if record.record_type == "testimony" else 1
            chosen.append((f"{record_id}-{seq}", record))
    return chosen


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_chronologies_built_from_events_hold_no_forbidden_form(site: Site, role: Role) -> None:
    findings = Findings(role)
    client, headers = site.client, site.headers[role]
    created = client.post("/api/chronologies", json={"title": "Spellings"}, headers=headers)
    if role is Role.PUBLIC:
        assert created.status_code == 401, created.text
        findings.scan(site, "chronology refusal", created.text)
        findings.check()
        return
    assert created.status_code == 201, created.text
    chronology_id = created.json()["id"]
    version = client.get(f"/api/chronologies/{chronology_id}", headers=headers).json()["version"]
    added = 0
    for event_id, record in _chronology_events(site, role):
        answer = client.post(
            f"/api/chronologies/{chronology_id}/events",
            json={"version": version, "event_id": event_id},
            headers=headers,
        )
        if answer.status_code != 200:
            findings.other(
                f"event {event_id} of {record.local_id} (not loaded?): {answer.status_code}"
            )
            continue
        version = answer.json()["version"]
        added += 1
    assert added, "no event could be added"
    read = client.get(f"/api/chronologies/{chronology_id}", headers=headers)
    findings.scan(site, "chronology JSON", json.dumps(read.json(), ensure_ascii=False))
    if sees_protected(role):
        assert site.scanner.scan(read.text), "the investigator's own chronology lost its names"
    page = client.get(f"/chronologies/{chronology_id}", headers=headers)
    findings.scan(site, "chronology page", html.unescape(page.text))
    for export_format in ("csv", "json", "html", "docx"):
        exported = client.get(
            f"/api/chronologies/{chronology_id}/export",
            params={"format": export_format},
            headers=headers,
        )
        assert exported.status_code == 200, exported.text
        text = exported.text
        if export_format == "json":
            text = json.dumps(exported.json(), ensure_ascii=False)
        if export_format == "docx":
            with zipfile.ZipFile(io.BytesIO(exported.content)) as docx:
                text = docx.read("word/document.xml").decode("utf-8")
        findings.scan(site, f"chronology export {export_format}", html.unescape(text))
    findings.check()


# -- upload reports ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_upload_reports_hold_no_forbidden_form(site: Site, role: Role) -> None:
    """An investigator uploaded the second bundle; its report (JSON and page) goes to
    the uploader and admins only, and holds nothing above the reader."""
    findings = Findings(role)
    job_id = site.upload["id"]
    for path in (f"/api/uploads/{job_id}", f"/uploads/{job_id}", "/api/uploads", "/uploads"):
        answer = site.get(role, path)
        expected = {Role.PUBLIC: {401, 403}, Role.JOURNALIST: {403}}.get(role, {200})
        if answer.status_code not in expected:
            findings.other(f"{path} answers {answer.status_code}")
        findings.scan(site, f"upload report {path}", html.unescape(answer.text))
    findings.check()


# -- the count -------------------------------------------------------------------------

# How each output is checked: "query" outputs search every cell the role may not see,
# "ranked" only those of the first batches, "scan" outputs are searched for every cell's
# words (forbidden ones must be absent, and record JSON must hold the allowed ones),
# "chronology" outputs hold the events the role added.
OUTPUTS = {
    "search total/facets/histogram": "query",
    "search hits and snippets for forbidden words": "query",
    "search ranking": "ranked",
    "search listing (API, every page)": "scan",
    "search page listing": "scan",
    "export CSV": "scan",
    "export NDJSON": "scan",
    "record JSON": "scan",
    "record page": "scan",
    "media headers": "scan",
    "timeline API (every page)": "scan",
    "timeline page": "scan",
    "timeline search": "query",
    "chronology JSON": "chronology",
    "chronology page": "chronology",
    "chronology exports (CSV, JSON, HTML, DOCX)": "chronology",
    "upload report (JSON, page, listings)": "scan",
}


def combinations(site: Site) -> tuple[int, int]:
    """(field x form x output x role) and (field x form x level x output x role) checked."""
    cells = site.canaries.cells
    without_level = with_level = 0
    for kind in OUTPUTS.values():
        for role in ROLES:
            forbidden = site.forbidden(role)
            if kind == "query":
                chosen = forbidden
            elif kind == "ranked":
                batches = _batches(forbidden, lambda c: c.queries)[:RANKED_BATCHES]
                chosen = [c for batch in batches for c in batch[: len(batch) // 2]]
            elif kind == "chronology":
                events = [] if role is Role.PUBLIC else _chronology_events(site, role)
                chosen = [c for _, record in events for c in record.cells]
            else:
                chosen = cells
            with_level += len(set(chosen))
            without_level += len({(c.record_type, c.field, c.form) for c in chosen})
    return without_level, with_level


def test_report_the_combinations_checked(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    field_forms, with_levels = combinations(site)
    cells = site.canaries.cells
    protected = sum(c.protected for c in cells)
    with capsys.disabled():
        print(
            f"\nspelling leak suite: {len(cells)} cells ({protected} protected) in "
            f"{sum(len(r) for r in site.canaries.records.values())} records; "
            f"{len(NAME_FORMS)} name forms, {len(ALIAS_FORMS)} alias forms; "
            f"{len(OUTPUTS)} outputs x {len(ROLES)} roles: "
            f"{field_forms} (field x form x output x role) combinations, "
            f"{with_levels} counting levels"
        )
    assert field_forms > 1000
