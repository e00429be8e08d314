"""Writers that meet: loads during a rebuild, two rebuilds, two first loads, a node that
keeps refusing, searches still open on the old generation, and registries of any size."""

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch, helpers

from evidence.access import AccessContext, Role
from evidence.errors import InvalidRequest
from evidence.indices import (
    Partitions,
    ensure_plain_index_sync,
    job_reports_index,
    locks_index,
    registry_index,
    retired_generations,
    type_alias,
)
from evidence.settings import Settings
from indexer.load import LoadOptions, load_bundle, rebuild, registered_bundles
from indexer.locks import WritersBusy, loading, rebuilding
from search_api.store import Store
from tests.conftest import TINY_BUNDLE, run_async, run_cli

T = TypeVar("T")

EXAMPLE_BUNDLE = Path(__file__).parents[2] / "docs" / "example-bundle"


def _records(es: Elasticsearch, prefix: str) -> set[str]:
    es.indices.refresh(index=f"{prefix}-records")
    hits = es.search(index=f"{prefix}-records", size=100, source=["collection"])["hits"]["hits"]
    return {hit["_source"]["collection"] for hit in hits}


def test_a_load_during_a_rebuild_is_not_lost(es: Elasticsearch, tiny_loaded: Settings) -> None:
    """The load starts while the rebuild is copying; it waits, then writes to the new
    generation. Before the lease it wrote to the old one, deleted at the swap."""
    prefix = tiny_loaded.index_prefix
    loads: list[threading.Thread] = []
    outcome: dict[str, object] = {}

    def start_a_load_once() -> None:
        if loads:
            return

        def load() -> None:
            client = Elasticsearch(tiny_loaded.es_url, request_timeout=60)
            try:
                outcome["report"] = load_bundle(client, prefix, EXAMPLE_BUNDLE)
            finally:
                client.close()

        loads.append(threading.Thread(target=load))
        loads[0].start()
        # Give the load the time it would take to finish, inside the rebuild's window.
        loads[0].join(timeout=5)

    done = rebuild(es, prefix, [TINY_BUNDLE], start_a_load_once)
    loads[0].join(timeout=120)
    assert not loads[0].is_alive()
    assert done.report.indexed == 5
    assert outcome["report"].rejected == 0  # type: ignore[attr-defined]
    assert _records(es, prefix) == {"tiny-caesar", "example"}


def test_a_second_rebuild_is_refused_and_loads_wait_for_the_first(
    es: Elasticsearch, tiny_loaded: Settings
) -> None:
    prefix = tiny_loaded.index_prefix
    quick = LoadOptions(retry_seconds=1)
    with rebuilding(es, prefix, wait_seconds=5):
        with pytest.raises(WritersBusy, match="another rebuild is running"):
            rebuild(es, prefix, [TINY_BUNDLE])
        with pytest.raises(WritersBusy, match="a rebuild is running"):
            load_bundle(es, prefix, EXAMPLE_BUNDLE, options=quick)
    assert _records(es, prefix) == {"tiny-caesar"}, "a refused load wrote nothing"
    with loading(es, prefix, wait_seconds=5), pytest.raises(WritersBusy, match="still running"):
        rebuild(es, prefix, [TINY_BUNDLE], options=quick)
    assert rebuild(es, prefix, [TINY_BUNDLE]).report.indexed == 5


def test_the_lease_of_a_rebuild_that_died_is_taken_over(
    es: Elasticsearch, tiny_loaded: Settings
) -> None:
    prefix = tiny_loaded.index_prefix
    long_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    lease = {"kind": "rebuild", "holder": "gone:1", "since": long_ago, "renewed": long_ago}
    es.index(index=locks_index(prefix), id="rebuild", document=lease, refresh=True)
    report = load_bundle(es, prefix, EXAMPLE_BUNDLE, options=LoadOptions(retry_seconds=1))
    assert report.rejected == 0
    es.indices.refresh(index=locks_index(prefix))
    assert es.count(index=locks_index(prefix))["count"] == 0


def _at_once(settings: Settings, work: Callable[[Elasticsearch], T], writers: int = 4) -> list[T]:
    """`work` by `writers` threads, each with its own client, started together; the
    first error is raised."""
    start = threading.Barrier(writers)
    found: list[T] = []
    errors: list[BaseException] = []

    def one() -> None:
        client = Elasticsearch(settings.es_url, request_timeout=30)
        try:
            start.wait()
            found.append(work(client))
        except BaseException as error:
            errors.append(error)
        finally:
            client.close()

    threads = [threading.Thread(target=one) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return found


def test_two_first_loads_that_race_share_one_index(es: Elasticsearch, settings: Settings) -> None:
    prefix = settings.index_prefix
    found = _at_once(
        settings, lambda client: Partitions.live_ones(client, prefix).index_for("photo", "public")
    )
    assert len(set(found)) == 1
    assert list(es.indices.get_alias(name=type_alias(prefix, "photo")).body) == [found[0]]


def test_a_side_index_made_by_two_writers_at_once_is_readable_by_both(settings: Settings) -> None:
    """The writer whose creation is refused as already there waits for the shard as the
    creator does; reading before it started was a 503 (CI, 2026-12-05)."""
    index = job_reports_index(settings.index_prefix)

    def make_and_read(client: Elasticsearch) -> bool:
        ensure_plain_index_sync(client, index, "job_reports")
        return bool(client.options(ignore_status=404).get(index=index, id="none")["found"])

    assert _at_once(settings, make_and_read) == [False] * 4


def test_a_rebuild_loads_without_refreshes_or_replicas_and_restores_both(
    es: Elasticsearch, tiny_loaded: Settings
) -> None:
    prefix = tiny_loaded.index_prefix
    during: list[dict[str, str]] = []

    def look_at_the_new_generation() -> None:
        # Partitions are made when their first records are sent: the tiny bundle's by
        # the time the second bundle is read.
        building = [
            name
            for name in es.indices.get(index=f"{prefix}-photo-v*").body
            if name not in es.indices.get_alias(name=type_alias(prefix, "photo")).body
        ]
        if building and not during:
            during.append(
                es.indices.get_settings(index=building[0])[building[0]]["settings"]["index"]
            )

    rebuild(es, prefix, [TINY_BUNDLE, EXAMPLE_BUNDLE], look_at_the_new_generation)
    assert during[0]["refresh_interval"] == "-1"
    assert during[0]["number_of_replicas"] == "0"
    assert during[0]["auto_expand_replicas"] == "false"
    live_ones = list(es.indices.get_alias(name=f"{prefix}-records,{prefix}-event").body)
    assert len(live_ones) >= 4, "photos and events at two levels at least"
    for live in live_ones:
        settings = es.indices.get_settings(index=live)[live]["settings"]["index"]
        assert "refresh_interval" not in settings
        assert settings["auto_expand_replicas"] == "0-1"
    health = es.cluster.health(index=f"{prefix}-records")
    assert health["status"] == "green"


def test_open_searches_keep_the_old_generation_until_they_end(
    es: Elasticsearch, tiny_loaded: Settings
) -> None:
    """An export reads through a point in time; a rebuild must not cut it off."""
    prefix = tiny_loaded.index_prefix
    old = set(es.indices.get_alias(name=f"{prefix}-records").body)
    pit = es.open_point_in_time(index=f"{prefix}-records", keep_alive="2m")["id"]
    done = rebuild(es, prefix, [TINY_BUNDLE], options=LoadOptions(drain_seconds=0))
    assert set(done.kept) == old
    assert done.deleted == [] or set(done.deleted).isdisjoint(old)
    still = es.search(pit={"id": pit, "keep_alive": "1m"}, size=10)
    assert still["hits"]["total"]["value"] == 5
    assert set(retired_generations(es, prefix)) >= old
    status = run_cli("indexer", tiny_loaded, "status")
    assert "old indices kept until no search reads them" in status.stdout
    assert all(name in status.stdout for name in old)
    es.close_point_in_time(id=pit)
    load_bundle(es, prefix, TINY_BUNDLE)  # deletes what nothing reads any more
    assert not set(retired_generations(es, prefix)) & old


def test_a_rebuild_without_arguments_takes_every_registered_bundle(
    es: Elasticsearch, settings: Settings
) -> None:
    """The registry was read with `size=1000`: the 1,001st bundle was silently dropped."""
    registry = registry_index(settings.index_prefix)
    registered_bundles(es, settings.index_prefix)  # creates the registry
    helpers.bulk(
        es,
        (
            {
                "_index": registry,
                "_id": f"b{n}",
                "_source": {"collection": f"c{n:04d}", "path": f"/bundles/{n}"},
            }
            for n in range(1001)
        ),
        refresh=True,
    )
    found = registered_bundles(es, settings.index_prefix)
    assert len(found) == 1001
    assert [bundle["collection"] for bundle in found] == [f"c{n:04d}" for n in range(1001)]


def test_a_node_that_keeps_refusing_ends_the_load_with_exit_3(
    es: Elasticsearch, tiny_loaded: Settings, tmp_path: Path
) -> None:
    """A disk over its flood-stage watermark refuses every write with 429 while the
    cluster stays healthy: the load gives up after its retry time, never loops forever."""
    prefix = tiny_loaded.index_prefix
    bundle = tmp_path / "changed"
    shutil.copytree(TINY_BUNDLE, bundle)
    photos = bundle / "photos.csv"
    photos.write_text(
        photos.read_text().replace("SYNTHETIC", "SYNTHETIC changed"), encoding="utf-8"
    )
    block = {"index.blocks.read_only_allow_delete": True}
    es.indices.put_settings(index=f"{prefix}-photo", settings=block)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    env |= {
        "ELASTICSEARCH_URL": tiny_loaded.es_url,
        "EVIDENCE_INDEX_PREFIX": prefix,
        "EVIDENCE_INDEXER_RETRY_SECONDS": "3",
        "EVIDENCE_INDEXER_WORKERS": "0",
    }
    try:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "indexer",
                "load",
                str(bundle),
                "--report",
                str(tmp_path / "r.csv"),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,  # a hang guard: the old code never returned
        )
    finally:
        es.indices.put_settings(
            index=f"{prefix}-photo", settings={"index.blocks.read_only_allow_delete": None}
        )
    assert run.returncode == 3, run.stderr
    assert "did not accept the load within 3s" in run.stderr
    assert "flood-stage watermark" in run.stderr
    assert "Traceback" not in run.stderr


class _PitRecordingStore(Store):
    """The real store, remembering the points in time it opens so the test can end one."""

    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        super().__init__(es, prefix)
        self.opened: list[str] = []

    async def open_pit(self, target: str = "records") -> str:
        pit = await super().open_pit(target)
        self.opened.append(pit)
        return pit


def test_an_export_goes_on_when_its_point_in_time_expires(
    es: Elasticsearch, tiny_loaded: Settings
) -> None:
    async def export() -> list[str]:
        client = AsyncElasticsearch(tiny_loaded.es_url)
        store = _PitRecordingStore(client, tiny_loaded.index_prefix)
        body = {"query": {"match_all": {}}, "sort": [{"stable_id": "asc"}]}
        ids = []
        try:
            async for hit in store.scan(body, AccessContext(Role.ADMIN), page=2):
                ids.append(hit["_id"])
                if len(ids) == 2:  # as if the reader had stalled past the keep-alive
                    await client.close_point_in_time(id=store.opened[0])
        finally:
            await client.close()
        return ids

    ids = run_async(export())
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids)) == 5


def test_a_query_the_node_refuses_in_a_multi_search_is_a_400_not_a_503(
    es: Elasticsearch, tiny_loaded: Settings
) -> None:
    """A refused query inside `_msearch` (as hybrid search sends) is the asker's error,
    as it is for a single search, not a server that is down."""

    async def refused() -> None:
        client = AsyncElasticsearch(tiny_loaded.es_url)
        store = Store(client, tiny_loaded.index_prefix)
        bad = {"query": {"match_all": {}}, "sort": [{"title": "asc"}]}  # a text field
        try:
            await store.msearch([{"query": {"match_all": {}}}, bad], AccessContext(Role.ADMIN))
        finally:
            await client.close()

    with pytest.raises(InvalidRequest):
        run_async(refused())
