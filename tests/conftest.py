"""Shared fixtures: one real Elasticsearch node and one real Redis per session, a fresh
index prefix (and so a job queue of its own) per test.

The node and Redis are started when absent (see `evidence.devnode`). If they cannot be
reached the fixtures raise, so every test that needs them errors: the suite fails, it
never skips. Each xdist worker has a Redis database of its own (1, 2, …; never 0),
emptied when its session starts.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx2 as httpx
import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch
from fastapi.testclient import TestClient
from redis import Redis
from rq.registry import StartedJobRegistry

from evidence.access import Role
from evidence.devnode import NodeInfo, RedisInfo, ensure_redis, ensure_running, stop_redis
from evidence.gazetteer import load_gazetteer
from evidence.indices import uploads_index
from evidence.jobqueue import job_queue
from evidence.settings import Settings
from indexer.demo import generate
from indexer.demo.generate import CAESAR
from indexer.demo.photos import write_photos
from indexer.load import LoadOptions, load_bundle
from indexer.report import LoadReport
from search_api.accounts.store import UserStore
from search_api.app import create_app

T = TypeVar("T")
FIXTURES = Path(__file__).parent / "fixtures"
TINY_BUNDLE = FIXTURES / "bundles" / "tiny"


# The files that take longest, longest first: per-file totals of `pytest --durations=0`
# in four workers on 2 cores, without coverage (2026-12-06). `--dist loadfile` hands
# files to the xdist workers in collection order; run last, one of these (the browser
# tests, until listed here) kept one worker busy for minutes after the others had run
# out of work. Every other file keeps its place after them.
SLOWEST_FILES = (
    "test_split_loads.py",
    "test_jobs.py",
    "test_faults.py",
    "test_pages_i18n.py",
    "test_upload_security.py",
    "test_leaks_uploads.py",
    "test_cross_lingual.py",
    "test_lists.py",
    "test_fuzz.py",
    "test_hardening.py",
    "test_leaks_spellings.py",
    "test_job_kills.py",
    "test_ocr.py",
    "test_cli.py",
    "test_chronology_collect.py",
    "test_leaks.py",
    "test_search_api.py",
    "test_auth_audit.py",
    "test_deep_paging.py",
    "test_writers.py",
    "test_uploads.py",
    "test_leaks_lists.py",
    "test_redaction_review.py",
    "test_backup.py",
    "test_indexer.py",
    "test_jobs_admin.py",
    "test_chronology_forms.py",
    "test_relevance.py",
    "test_load.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`SLOWEST_FILES` first; the sort is stable, so tests keep their order in a file."""
    rank = {name: place for place, name in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even while Playwright holds a loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def es_node(base_settings: Settings) -> NodeInfo:
    """A real node: reused when one answers, started otherwise. Never skipped."""
    return ensure_running(base_settings)


@pytest.fixture(scope="session")
def redis_server(base_settings: Settings) -> RedisInfo:
    """A real Redis at EVIDENCE_REDIS_URL: reused when one answers, started otherwise."""
    return ensure_redis(base_settings)


@pytest.fixture(scope="session")
def redis_db(redis_server: RedisInfo, base_settings: Settings, worker_id: str) -> str:
    """This xdist worker's own database of the test Redis, emptied once; queues in it are
    further kept apart by each test's index prefix."""
    number = 1 if worker_id == "master" else int(worker_id.removeprefix("gw")) + 1
    url = base_settings.redis_url.rsplit("/", 1)[0] + f"/{number}"
    with Redis.from_url(url) as connection:
        connection.flushdb()
    return url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def scratch_redis(base_settings: Settings) -> Iterator[Settings]:
    """Settings for a Redis of the test's own, for tests that stop or break it: a free
    port, and a cache under the real cache's `scratch/` (as root the server runs as the
    node user, who cannot enter pytest's temporary folders; the space in the name tests
    the quoting in redis.conf). Started by the test; stopped and removed after."""
    port = free_port()
    cache = base_settings.devnode_dir / "scratch" / f"redis {port}"
    settings = base_settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{port}/0", "devnode_dir": cache}
    )
    yield settings
    stop_redis(settings, kill=True)
    shutil.rmtree(cache, ignore_errors=True)


# Jobs in tests: a dead worker's job is taken over within seconds, and retries wait one.
QUICK_JOBS = {
    "jobs_heartbeat_seconds": 1,
    "jobs_grace_seconds": 2,
    "jobs_maintenance_seconds": 1,
    "jobs_retry_delays": [1],
}


def unique_settings(base_settings: Settings, redis_db: str) -> Settings:
    """Settings with an index prefix (and so a job queue) no other test or parallel run
    shares."""
    unique = {"index_prefix": f"t{uuid.uuid4().hex[:12]}", "redis_url": redis_db}
    return base_settings.model_copy(update=unique | QUICK_JOBS)


@contextmanager
def own_indices(settings: Settings) -> Iterator[Elasticsearch]:
    """A client for the indices under `settings`' prefix, which are deleted afterwards."""
    client = Elasticsearch(settings.es_url, request_timeout=30)
    try:
        yield client
    finally:
        found = client.indices.get(index=f"{settings.index_prefix}-*", expand_wildcards="all")
        if names := list(found):
            client.indices.delete(index=",".join(names))
        client.close()


@pytest.fixture
def settings(base_settings: Settings, es_node: NodeInfo, redis_db: str) -> Settings:
    return unique_settings(base_settings, redis_db)


@pytest.fixture
def es(settings: Settings) -> Iterator[Elasticsearch]:
    """A client for the test's own indices, which are deleted afterwards."""
    with own_indices(settings) as client:
        yield client


@pytest.fixture
def tiny_loaded(es: Elasticsearch, settings: Settings) -> Settings:
    """The tiny synthetic bundle, loaded under the test's prefix."""
    report = load_bundle(es, settings.index_prefix, TINY_BUNDLE)
    assert (report.indexed, report.rejected) == (5, 0), report.rejections
    return settings


@contextmanager
def demo_indices(
    base_settings: Settings, root: Path, scale: str, bundles: tuple[str, ...]
) -> Iterator[Settings]:
    """Generate the SYNTHETIC demo at `scale`, load `bundles` under a fresh prefix, and
    delete those indices afterwards."""
    settings = base_settings.model_copy(update={"index_prefix": f"d{uuid.uuid4().hex[:12]}"})
    generate(root, scale=scale, seed=7)
    client = Elasticsearch(settings.es_url, request_timeout=120)
    try:
        options = LoadOptions.from_settings(settings)  # worker processes, as a real load
        for name in bundles:
            report = load_bundle(client, settings.index_prefix, root / name, options=options)
            assert report.rejections == []
        yield settings
    finally:
        names = client.indices.get(index=f"{settings.index_prefix}-*")
        if names:
            client.indices.delete(index=",".join(names))
        client.close()


def caesar_like_bundle(root: Path, photos: int, images: int = 0) -> Path:
    """A SYNTHETIC Caesar-style bundle `root/caesar` of `photos` rows, `images` of them
    with a file: the demo's own rows, without generating the rest of a demo scale."""
    bundle = root / "caesar"
    bundle.mkdir(parents=True)
    (bundle / "collection.yaml").write_text(
        "id: caesar\ntitle: Caesar-style photographs, test (SYNTHETIC)\n"
        "default_confidentiality: public\nsynthetic: true\n",
        encoding="utf-8",
    )
    write_photos(bundle, CAESAR, load_gazetteer(), photos, images, seed=7, jsonl=False)
    return bundle


@contextmanager
def loaded_once(
    base_settings: Settings, redis_db: str, bundle: Path, options: LoadOptions | None = None
) -> Iterator[tuple[Settings, LoadReport]]:
    """`bundle` loaded under a fresh prefix for a module's tests, and its indices
    deleted afterwards."""
    unique = {"index_prefix": f"m{uuid.uuid4().hex[:12]}", "redis_url": redis_db}
    settings = base_settings.model_copy(update=unique)
    es = Elasticsearch(settings.es_url, request_timeout=60)
    try:
        yield (
            settings,
            load_bundle(es, settings.index_prefix, bundle, options=options or LoadOptions()),
        )
    finally:
        names = es.indices.get(index=f"{settings.index_prefix}-*")
        if names:
            es.indices.delete(index=",".join(names))
        es.close()


@pytest.fixture(scope="session")
def demo_corpus(
    base_settings: Settings, es_node: NodeInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """The small SYNTHETIC demo corpus, loaded once per session under its own prefix."""
    bundles = ("caesar", "atlas", "testimonies", "filings")
    with demo_indices(base_settings, tmp_path_factory.mktemp("demo"), "small", bundles) as loaded:
        yield loaded


def run_cli(
    module: str,
    settings: Settings,
    *args: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE ARGS` as a user runs it, against the test's own prefix, with no
    other EVIDENCE_ variable from the environment leaking in."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    clean |= {"ELASTICSEARCH_URL": settings.es_url, "EVIDENCE_INDEX_PREFIX": settings.index_prefix}
    # The test's own Redis database: a revocation announces itself there (as in a
    # deployment, where the CLI and the API share one Redis).
    clean |= {"EVIDENCE_REDIS_URL": settings.redis_url}
    # The small bundles of tests load in the command's own process: a pool of worker
    # processes (one per CPU by default) costs more to start than they have to do.
    clean |= {"EVIDENCE_INDEXER_WORKERS": "0"}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env=clean | (env or {}),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process these settings (its secret key aside)."""
    env = {}
    for field, info in Settings.model_fields.items():
        value = getattr(settings, field)
        if field == "secret_key" or value is None:
            continue
        name = info.validation_alias if isinstance(info.validation_alias, str) else None
        text = json.dumps(value) if isinstance(value, list) else str(value)
        env[name or f"EVIDENCE_{field.upper()}"] = text
    return env


@contextmanager
def served_app(env: dict[str, str]) -> Iterator[str]:
    """`python -m search_api serve` as deployed, as its own process with `env` over the
    environment's non-EVIDENCE_ variables, on a free loopback port; its URL once it
    answers."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "search_api", "serve"],
        env=clean | env | {"EVIDENCE_API_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the app did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_jobs(settings: Settings, workers: int = 0) -> subprocess.CompletedProcess[str]:
    """`python -m indexer worker --burst` with these settings: every job queued for the
    test runs, in a real worker, and it returns once the queue is empty."""
    env = settings_env(settings) | {"EVIDENCE_INDEXER_WORKERS": str(workers)}
    done = run_cli("indexer", settings, "worker", "--burst", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@contextmanager
def running_worker(
    settings: Settings, log: Path, workers: int = 0
) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m indexer worker` in the background, in a session of its own (so a test
    can kill it alone), logging to `log`; stopped with SIGTERM, then SIGKILL, after."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    env = clean | settings_env(settings) | {"EVIDENCE_INDEXER_WORKERS": str(workers)}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "indexer", "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until(check: Callable[[], T], seconds: float, what: str) -> T:
    """`check()` once it is truthy, polled; an AssertionError naming `what` after
    `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {seconds} s")


# Workers that `finished_upload` started, by the settings they run with; each test's
# are stopped when it ends (`_stop_job_workers`).
_JOB_WORKERS: dict[tuple[tuple[str, str], ...], subprocess.Popen[bytes]] = {}


def _job_worker(settings: Settings) -> None:
    """A `python -m indexer worker` running with these settings, started on first use:
    a test that waits for several uploads starts one worker, not one per upload."""
    env = settings_env(settings) | {"EVIDENCE_INDEXER_WORKERS": "0"}
    key = tuple(sorted(env.items()))
    running = _JOB_WORKERS.get(key)
    if running is not None and running.poll() is None:
        return
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    logs = Path(tempfile.gettempdir()) / "evidence-test-workers"
    logs.mkdir(exist_ok=True)
    with (logs / f"{settings.index_prefix}.log").open("ab") as log:
        _JOB_WORKERS[key] = subprocess.Popen(
            [sys.executable, "-m", "indexer", "worker"],
            env=clean | env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture(autouse=True)
def _stop_job_workers() -> Iterator[None]:
    yield
    workers = list(_JOB_WORKERS.values())
    _JOB_WORKERS.clear()
    for process in workers:
        process.terminate()
    for process in workers:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _queue_idle(settings: Settings) -> bool:
    """Nothing of this test's queue waits or runs (a retry's delay aside)."""
    with Redis.from_url(settings.redis_url) as connection:
        queue = job_queue(connection, settings.index_prefix)
        running = StartedJobRegistry(queue=queue).get_job_ids(cleanup=False)
        return queue.count == 0 and not running


def finished_upload(
    client: TestClient, headers: dict[str, str], upload_id: str, settings: Settings
) -> dict[str, Any]:
    """The upload as its uploader reads it once its job is done or failed, and the
    worker idle again; run by a worker of the test's own."""
    _job_worker(settings)
    index = uploads_index(settings.index_prefix)
    with Elasticsearch(settings.es_url) as es:  # read straight: API reads are audited

        def ended() -> bool:
            found = es.options(ignore_status=404).get(index=index, id=upload_id)
            return found.body.get("_source", {}).get("status") in {"done", "failed"}

        wait_until(ended, 120, f"upload {upload_id} ending")
    wait_until(lambda: _queue_idle(settings), 60, "the worker going idle")
    job: dict[str, Any] = client.get(f"/api/uploads/{upload_id}", headers=headers).json()
    assert job["status"] in {"done", "failed"}, job
    return job


ClientFactory = Callable[[Settings], AbstractContextManager[TestClient]]


@pytest.fixture
def make_client() -> ClientFactory:
    """Named test clients come from here, so every test builds the app the same way."""

    def factory(settings: Settings) -> AbstractContextManager[TestClient]:
        return TestClient(create_app(settings), raise_server_exceptions=False)

    return factory


def bearer_headers(
    settings: Settings, accounts: dict[str, Role], password: str = "a long enough password"
) -> dict[str, dict[str, str]]:
    """Create `accounts` (name -> role) and the headers that act as each (a bearer token).
    All at once: each write waits for the index's next refresh, so one by one they
    would wait a second each."""

    async def make() -> dict[str, dict[str, str]]:
        client = AsyncElasticsearch(settings.es_url)
        users = UserStore(client, settings)
        try:
            await asyncio.gather(*(users.add(n, r, password) for n, r in accounts.items()))
            tokens = await asyncio.gather(*(users.issue_token(name) for name in accounts))
        finally:
            await client.close()
        return {
            name: {"Authorization": f"Bearer {token}"}
            for name, (_, token) in zip(accounts, tokens, strict=True)
        }

    return run_async(make())


def set_role(settings: Settings, username: str, role: Role) -> None:
    """Give an account another role as an admin does (`users role`): every API process
    acts on it from its next request."""

    async def change() -> None:
        client = AsyncElasticsearch(settings.es_url)
        users = UserStore(client, settings)
        try:
            await users.set_role(username, role)
        finally:
            await users.close()
            await client.close()

    run_async(change())


def role_headers(settings: Settings, suffix: str = "") -> dict[Role, dict[str, str]]:
    """An account named after each signed-in role (plus `suffix`, where other modules
    make accounts under the same prefix), and the headers that act as it; a visitor
    sends none."""
    signed_in = (Role.JOURNALIST, Role.INVESTIGATOR, Role.ADMIN)
    made = bearer_headers(settings, {role.value + suffix: role for role in signed_in})
    return {Role.PUBLIC: {}} | {role: made[role.value + suffix] for role in signed_in}
