"""The development Redis, started and stopped by the node manager: a real `redis-server`
on a free port, in a scratch cache of its own, never the shared one at the default URL.

The scratch cache is under the real cache's `scratch/`, as the fault tests' nodes are:
as root the server runs as the unprivileged node user, who cannot enter pytest's
temporary folders. Its name has a space, so the quoting in redis.conf is exercised too.
"""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from evidence import devnode
from evidence.devnode import (
    NodeInfo,
    cluster_info,
    ensure_redis,
    redis_folder,
    redis_info,
    stop_redis,
)
from evidence.errors import DevnodeError
from evidence.settings import Settings

ROOT = Path(__file__).parents[2]


def _client(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url, socket_timeout=5, decode_responses=True)


def test_devnode_starts_redis_with_the_append_only_file_and_no_eviction(
    scratch_redis: Settings,
) -> None:
    info = ensure_redis(scratch_redis)
    assert info.started_here is True
    assert info.url == scratch_redis.redis_url
    assert info.version.split(".")[0].isdigit()
    with _client(scratch_redis) as client:
        assert client.ping() is True
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
        assert client.config_get("databases") == {"databases": "32"}
        assert client.config_get("bind")["bind"].startswith("127.0.0.1")
    pid_file = redis_folder(scratch_redis) / "redis.pid"
    assert pid_file.is_file()
    if os.geteuid() == 0:  # as root the server runs as the unprivileged node user
        owner = Path(f"/proc/{int(pid_file.read_text())}").stat().st_uid
        assert owner == pwd.getpwnam(scratch_redis.devnode_user).pw_uid


def test_a_second_ensure_reuses_the_running_redis(scratch_redis: Settings) -> None:
    first = ensure_redis(scratch_redis)
    again = ensure_redis(scratch_redis)
    assert (first.started_here, again.started_here) == (True, False)
    assert again.version == first.version


def test_keys_survive_a_stop_and_a_kill(scratch_redis: Settings) -> None:
    ensure_redis(scratch_redis)
    with _client(scratch_redis) as client:
        client.set("polite", "kept")
    assert stop_redis(scratch_redis) is True  # SIGTERM: Redis flushes its append-only file
    assert redis_info(scratch_redis) is None
    assert ensure_redis(scratch_redis).started_here is True
    with _client(scratch_redis) as client:
        assert client.get("polite") == "kept"
        # `appendfsync always`: nothing Redis answered before the kill may be lost.
        client.set("crash", "kept too")
    assert stop_redis(scratch_redis, kill=True) is True
    assert ensure_redis(scratch_redis).started_here is True
    with _client(scratch_redis) as client:
        assert client.mget("polite", "crash") == ["kept", "kept too"]
        assert client.config_get("appendfsync") == {"appendfsync": "always"}


def _foreign_redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return server


def test_a_redis_it_did_not_start_is_reused_and_never_stopped(
    scratch_redis: Settings, tmp_path: Path
) -> None:
    server = _foreign_redis(scratch_redis.redis_port, tmp_path)
    try:
        deadline = time.monotonic() + 10
        while redis_info(scratch_redis) is None:
            assert time.monotonic() < deadline, "the foreign redis-server did not answer"
            time.sleep(0.05)
        assert ensure_redis(scratch_redis).started_here is False
        assert stop_redis(scratch_redis) is False
        assert stop_redis(scratch_redis, kill=True) is False
        assert redis_info(scratch_redis) is not None
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_stale_pid_file_never_stops_another_program(scratch_redis: Settings) -> None:
    pid_file = redis_folder(scratch_redis) / "redis.pid"
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(f"{os.getpid()}\n")  # this test process: not a redis-server
    assert stop_redis(scratch_redis) is False
    assert not pid_file.exists()


def test_a_non_loopback_url_that_does_not_answer_is_an_error(base_settings: Settings) -> None:
    remote = base_settings.model_copy(
        update={"redis_url": "redis://:hunter22@192.0.2.1:6390/0"}  # TEST-NET-1: nobody
    )
    with pytest.raises(DevnodeError) as error:
        ensure_redis(remote)
    message = str(error.value)
    assert "redis://:***@192.0.2.1:6390/0 does not answer" in message
    assert "only be started on a loopback address" in message
    assert "EVIDENCE_REDIS_URL" in message
    assert "hunter22" not in message


def test_a_redis_that_cannot_start_names_its_log(
    scratch_redis: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devnode, "REDIS_START_TIMEOUT_S", 3)
    with socket.socket() as squatter:  # holds the port without speaking Redis
        squatter.bind(("127.0.0.1", scratch_redis.redis_port))
        squatter.listen()
        with pytest.raises(DevnodeError) as error:
            ensure_redis(scratch_redis)
    message = str(error.value)
    assert "did not answer PING" in message
    assert str(redis_folder(scratch_redis) / "redis.log") in message
    assert "Address already in use" in message  # the log's tail


def test_the_cli_starts_reports_and_stops_both(scratch_redis: Settings, es_node: NodeInfo) -> None:
    """`start`, `status` and `stop` against the shared Elasticsearch (reused; its pid file
    is not in the scratch cache, so `stop` leaves it alone) and the scratch_redis Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    env |= {
        "ELASTICSEARCH_URL": scratch_redis.es_url,
        "EVIDENCE_REDIS_URL": scratch_redis.redis_url,
        "EVIDENCE_DEVNODE_DIR": str(scratch_redis.devnode_dir),
    }

    def devnode_cli(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "evidence.devnode", command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    start = devnode_cli("start")
    assert start.returncode == 0, start.stderr
    assert f"reusing Elasticsearch {es_node.version}" in start.stdout
    assert "started Redis " in start.stdout
    assert f" at {scratch_redis.redis_url}\n" in start.stdout
    status = devnode_cli("status")
    assert status.returncode == 0, status.stdout
    assert f"answering: yes, {es_node.version}" in status.stdout
    assert "redis answering: yes, " in status.stdout
    stop = devnode_cli("stop")
    assert stop.returncode == 0, stop.stderr
    assert "Elasticsearch: no development node was running from this cache" in stop.stdout
    assert "Redis: stopped" in stop.stdout
    assert redis_info(scratch_redis) is None
    assert cluster_info(scratch_redis) is not None  # the shared node still answers
    status = devnode_cli("status")
    assert status.returncode == 1
    assert "redis answering: no" in status.stdout


def test_a_redis_that_answers_with_an_error_is_reported_not_replaced(
    scratch_redis: Settings,
) -> None:
    ensure_redis(scratch_redis)
    beyond = scratch_redis.model_copy(  # the development Redis has databases 0 to 31
        update={"redis_url": scratch_redis.redis_url.rsplit("/", 1)[0] + "/40"}
    )
    with pytest.raises(DevnodeError, match=r"answers but refuses us: .*DB index"):
        ensure_redis(beyond)


def test_a_missing_redis_server_says_what_to_install(
    scratch_redis: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DevnodeError, match="apt-get install redis-server"):
        ensure_redis(scratch_redis)
