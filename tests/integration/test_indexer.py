"""The indexer against the real node: aliases, idempotent loads, custody, rebuilds."""

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from evidence.indices import MappingOutdated, load_mapping, mapping_version
from evidence.settings import Settings
from indexer.load import load_bundle, rebuild
from tests.conftest import FIXTURES, TINY_BUNDLE, run_cli

BROKEN_BUNDLE = FIXTURES / "bundles" / "broken"


def _count(es: Elasticsearch, settings: Settings) -> int:
    return es.count(index=f"{settings.index_prefix}-records")["count"]


def _aliases(es: Elasticsearch, prefix: str) -> dict[str, set[str]]:
    found = es.indices.get_alias(name=f"{prefix}-*").body
    return {index: set(entry["aliases"]) for index, entry in found.items()}


def test_each_kind_and_level_gets_a_versioned_index_behind_its_aliases(
    es: Elasticsearch, tiny_loaded: Settings
) -> None:
    """The tiny bundle holds public and restricted photos: a photo and an event partition
    for each of those two levels and none for the others, each named by kind, mapping
    version, generation and level, behind the aliases that callers of each level read."""
    prefix = tiny_loaded.index_prefix
    aliases = _aliases(es, prefix)
    assert set(aliases) == {
        f"{prefix}-{kind}-v{mapping_version(kind)}-0-{level}"
        for kind in ("photo", "event")
        for level in ("public", "restricted")
    }
    for index, names in aliases.items():
        kind, level = index.removeprefix(f"{prefix}-").split("-")[0], index.rsplit("-", 1)[1]
        expected = {f"{prefix}-{kind}", f"{prefix}-{kind}-{level}"}
        if kind != "event":
            expected |= {f"{prefix}-records", f"{prefix}-records-{level}"}
        assert names == expected
    assert _count(es, tiny_loaded) == 5
    assert es.count(index=f"{prefix}-event")["count"] == 5, "one event per photo"


def test_loading_twice_changes_nothing(es: Elasticsearch, tiny_loaded: Settings) -> None:
    before = es.search(index=f"{tiny_loaded.index_prefix}-records", size=10)["hits"]["hits"]
    report = load_bundle(es, tiny_loaded.index_prefix, TINY_BUNDLE)
    assert (report.read, report.indexed, report.unchanged, report.rejected) == (5, 0, 5, 0)
    after = es.search(index=f"{tiny_loaded.index_prefix}-records", size=10)["hits"]["hits"]
    assert sorted(map(json.dumps, (h["_source"] for h in after))) == sorted(
        map(json.dumps, (h["_source"] for h in before))
    )


def test_a_changed_record_is_updated_and_its_custody_grows(
    es: Elasticsearch, settings: Settings, tmp_path: Path
) -> None:
    bundle = tmp_path / "tiny"
    shutil.copytree(TINY_BUNDLE, bundle)
    load_bundle(es, settings.index_prefix, bundle)
    photos = bundle / "photos.csv"
    photos.write_text(photos.read_text().replace("emaciation", "severe emaciation"))
    report = load_bundle(es, settings.index_prefix, bundle)
    assert (report.indexed, report.unchanged) == (1, 4)
    hit = es.search(
        index=f"{settings.index_prefix}-records", query={"term": {"local_id": "T-0003"}}
    )["hits"]["hits"][0]["_source"]
    assert hit["findings"] == "SYNTHETIC severe emaciation"
    assert [event["action"] for event in hit["custody"]] == ["ingested", "updated"]
    # A watched search counts it as new again (`indexed_at`), and it keeps when it came.
    ingested, updated = (event["at"] for event in hit["custody"])
    assert (hit["first_indexed_at"], hit["indexed_at"]) == (ingested, updated)
    assert hit["first_indexed_at"] < hit["indexed_at"]


def test_a_record_whose_level_changes_moves_to_that_levels_index_with_its_events(
    es: Elasticsearch, settings: Settings, tmp_path: Path
) -> None:
    """A copy left in the old level's index would stay visible to the old level's
    readers (and count in its term statistics)."""
    prefix = settings.index_prefix
    bundle = tmp_path / "tiny"
    shutil.copytree(TINY_BUNDLE, bundle)
    load_bundle(es, prefix, bundle)
    photos = bundle / "photos.csv"
    lines = photos.read_text().splitlines()
    first = lines[1].split(",")
    first[-2] = "sealed"
    photos.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n")
    report = load_bundle(es, prefix, bundle)
    assert (report.indexed, report.unchanged, report.warnings) == (1, 4, [])
    es.indices.refresh(index=f"{prefix}-records,{prefix}-event")
    where = es.search(index=f"{prefix}-records", query={"term": {"local_id": "T-0001"}})
    (hit,) = where["hits"]["hits"]
    assert hit["_index"].endswith("-sealed")
    assert [event["action"] for event in hit["_source"]["custody"]] == ["ingested", "updated"]
    events = es.search(index=f"{prefix}-event", query={"term": {"record_id": hit["_id"]}})
    assert events["hits"]["hits"]
    assert {event["_index"].rsplit("-", 1)[1] for event in events["hits"]["hits"]} == {"sealed"}
    public = f"{prefix}-records-public,{prefix}-records-restricted,{prefix}-event-public"
    for index in public.split(","):
        found = es.search(index=index, query={"ids": {"values": [hit["_id"]]}})
        assert found["hits"]["total"]["value"] == 0, index
        assert es.count(index=index, query={"term": {"record_id": hit["_id"]}})["count"] == 0


def test_an_index_that_predates_the_levels_split_asks_for_a_rebuild(
    es: Elasticsearch, settings: Settings
) -> None:
    prefix = settings.index_prefix
    old = f"{prefix}-photo-v{mapping_version('photo')}-0"
    body = load_mapping("photo")
    es.indices.create(index=old, settings=body["settings"], mappings=body["mappings"])
    es.indices.put_alias(index=old, name=f"{prefix}-photo")
    with pytest.raises(MappingOutdated, match="one index per level"):
        load_bundle(es, prefix, TINY_BUNDLE)
    done = rebuild(es, prefix, [TINY_BUNDLE])
    assert done.report.indexed == 5
    assert old in done.deleted


def test_broken_bundle_indexes_the_valid_records_and_reports_every_other_one(
    es: Elasticsearch, settings: Settings
) -> None:
    report = load_bundle(es, settings.index_prefix, BROKEN_BUNDLE)
    assert (report.read, report.indexed, report.rejected) == (29, 6, 23)
    assert report.reconciles
    where = {(r.file, r.line, r.field) for r in report.rejections}
    assert {
        ("photos.csv", 4, "facility"),
        ("photos.csv", 5, "date_photographed"),
        ("photos.csv", 6, "file"),
        ("photos.csv", 7, "file"),
        ("photos.csv", 8, "file"),
        ("photos.csv", 9, "photo_id"),
        ("photos.csv", 10, "photo_id"),
        ("photos.csv", 11, "category"),
        ("photos.csv", 12, "confidentiality"),
        ("photos.csv", 13, "(row)"),
        ("photos.jsonl", 2, "(line)"),
        ("photos.jsonl", 3, "(line)"),
        ("photos.jsonl", 4, "graphic"),
        ("testimonies/bad-yaml.md", 4, "(metadata)"),
        ("testimonies/empty.md", 1, "(file)"),
        ("testimonies/missing-pseudonym.md", 1, "witness_pseudonym"),
        ("testimonies/missing-pseudonym.md", 1, "persons.0.role"),
        ("testimonies/no-metadata.txt", 1, "(metadata)"),
        ("testimonies/notes.rtf", 1, "(file)"),
        ("testimonies/orphan.pdf.yaml", 1, "(file)"),
        ("filings/bad-doctype.md", 1, "doc_type"),
        ("filings/encrypted.pdf", 1, "(file)"),
        ("filings/truncated.pdf", 1, "(file)"),
        ("filings.jsonl", 2, "court"),
    } == where
    reasons = {r.field: r.reason for r in report.rejections if r.file == "photos.csv"}
    assert "closest known: hospital-601" in reasons["facility"]
    assert report.warnings == ["photos.csv: unknown fields ignored: camera_notes"]
    stored = {
        hit["_source"]["local_id"]
        for hit in es.search(index=f"{settings.index_prefix}-records", size=50)["hits"]["hits"]
    }
    assert stored == {"B-0001", "B-0002", "J-0001", "T-GOOD", "F-GOOD", "F-JSONL"}


def test_photo_file_is_hashed_and_its_exif_read(es: Elasticsearch, settings: Settings) -> None:
    load_bundle(es, settings.index_prefix, BROKEN_BUNDLE)
    hit = es.search(index=f"{settings.index_prefix}-photo", query={"term": {"local_id": "B-0001"}})[
        "hits"
    ]["hits"][0]["_source"]
    import hashlib

    expected = hashlib.sha256((BROKEN_BUNDLE / "media" / "good.jpg").read_bytes()).hexdigest()
    assert hit["sha256"] == expected
    assert hit["exif"] | {"datetime_original": None} == {
        "datetime_original": None,
        "make": "SYNTHETIC",
        "model": "FIXTURE-CAM",
        "width": 64,
        "height": 48,
    }
    assert len(hit["phash"]) == 16


def test_rebuild_swaps_aliases_and_search_is_never_empty(
    es: Elasticsearch, tiny_loaded: Settings
) -> None:
    prefix = tiny_loaded.index_prefix
    old_indices = set(_aliases(es, prefix))
    first_custody = es.search(index=f"{prefix}-records", size=1, sort=["stable_id"])["hits"][
        "hits"
    ][0]["_source"]["custody"]
    counts: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        watcher = Elasticsearch(tiny_loaded.es_url)
        while not stop.is_set():
            counts.append(watcher.count(index=f"{prefix}-records")["count"])
        watcher.close()

    thread = threading.Thread(target=watch)
    thread.start()
    try:
        done = rebuild(es, prefix, [TINY_BUNDLE, TINY_BUNDLE])
    finally:
        stop.set()
        thread.join()
    assert set(done.deleted) == old_indices
    assert done.kept == []
    assert not set(_aliases(es, prefix)) & old_indices
    assert done.report.reconciles
    assert len(counts) > 5
    assert set(counts) == {5}, "search saw an empty or partial index during the rebuild"
    after = es.search(index=f"{prefix}-records", size=1, sort=["stable_id"])["hits"]["hits"][0]
    assert after["_source"]["custody"] == first_custody


def test_cli_load_exits_non_zero_writes_the_report_and_status_lists_the_bundle(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    report_path = tmp_path / "rejections.csv"
    run = _cli(settings, "load", str(BROKEN_BUNDLE), "--report", str(report_path))
    assert run.returncode == 1, run.stderr
    assert "read 29, indexed 6, unchanged 0, rejected 23" in run.stdout
    rows = report_path.read_text().splitlines()
    assert rows[0] == "file,line,field,reason,local_id,bundle"
    assert len(rows) == 1 + 24
    status = _cli(settings, "status")
    assert status.returncode == 0, status.stderr
    assert f"{settings.index_prefix}-records: 6 records" in status.stdout
    assert "bundle broken-demo:" in status.stdout
    tolerant = _cli(
        settings,
        "load",
        str(BROKEN_BUNDLE),
        "--tolerate-rejections",
        "--report",
        str(tmp_path / "again.ndjson"),
    )
    assert tolerant.returncode == 0
    assert "indexed 0, unchanged 6, rejected 23" in tolerant.stdout


def test_the_whole_bad_corpus_loads_through_the_cli_without_a_crash(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    """Every bundle of `tests/fixtures/bad/` in one load: exit 1 (rejections), never a
    traceback, counts that reconcile, and the good records searchable."""
    bad = sorted(
        p for p in (Path(__file__).parents[1] / "fixtures" / "bad").iterdir() if p.is_dir()
    )
    report_path = tmp_path / "bad.ndjson"
    run = _cli(settings, "load", *map(str, bad), "--report", str(report_path))
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "read 49, indexed 15, unchanged 0, rejected 34" in run.stdout
    assert len(report_path.read_text().splitlines()) == 35  # one record has two bad fields
    es.indices.refresh(index=f"{settings.index_prefix}-records")
    assert es.count(index=f"{settings.index_prefix}-records")["count"] == 15


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("indexer", settings, *args)
