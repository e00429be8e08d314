"""The development Redis's configuration holds what the job queue will rely on."""

from pathlib import Path

from evidence.devnode import redis_folder, write_redis_config
from evidence.settings import Settings


def test_the_written_config_has_the_required_lines(tmp_path: Path) -> None:
    settings = Settings(redis_url="redis://127.0.0.1:6391/2", devnode_dir=tmp_path / "cache dir")
    conf = write_redis_config(settings)
    folder = redis_folder(settings)
    assert conf == folder / "redis.conf"
    lines = conf.read_text().splitlines()
    for line in [
        "bind 127.0.0.1 -::1",
        "port 6391",
        "protected-mode yes",
        "daemonize yes",
        f'pidfile "{folder / "redis.pid"}"',
        f'logfile "{folder / "redis.log"}"',
        f'dir "{folder / "data"}"',
        "appendonly yes",
        "appendfsync always",
        "maxmemory-policy noeviction",
        "databases 32",
    ]:
        assert line in lines


def test_a_non_loopback_url_is_not_a_place_to_start_redis() -> None:
    assert not Settings(redis_url="redis://queue.example:6390/0").redis_is_loopback
    assert Settings(redis_url="redis://localhost:6390/0").redis_is_loopback
