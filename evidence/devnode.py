"""A local, single-node Elasticsearch, and a Redis beside it, for development, tests and
the demo.

It fetches the server-core `integ-test-zip` with Maven, unpacks it into a cache outside
the repository, and runs it on 127.0.0.1 with security off and a small heap. As root it
runs the node as an unprivileged system user, because Elasticsearch refuses root.
A node that already answers at `ELASTICSEARCH_URL` is reused, never replaced.

Redis is handled the same way: a server that answers PING at `EVIDENCE_REDIS_URL` is
reused; otherwise, for a loopback URL, Debian's `redis-server` is started on the URL's
port with a configuration written under the cache (append-only file on, no eviction), as
the same unprivileged user when run as root.

    python -m evidence.devnode start | stop | status
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import time
import zipfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import elasticsearch
import redis
import typer
from elasticsearch import Elasticsearch

from evidence.errors import DevnodeError
from evidence.settings import Settings, get_settings

__all__ = [
    "NodeInfo",
    "NodeSpec",
    "RedisInfo",
    "cluster_info",
    "ensure_redis",
    "ensure_running",
    "find_java",
    "launch",
    "node_folder",
    "redis_folder",
    "redis_info",
    "start_node",
    "stop",
    "stop_node",
    "stop_redis",
    "wait_until_answering",
    "write_redis_config",
]

ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
MIN_JAVA = 21
START_TIMEOUT_S = 180
REDIS_START_TIMEOUT_S = 10
REDIS_STOP_TIMEOUT_S = 30


@dataclass(frozen=True)
class JavaHome:
    path: Path
    major: int


@dataclass(frozen=True)
class NodeInfo:
    url: str
    version: str
    started_here: bool


def _java_major(home: Path) -> int | None:
    """Read the major version from the JDK's `release` file, else from `java -version`."""
    release = home / "release"
    text = release.read_text(errors="replace") if release.is_file() else ""
    if not text and (home / "bin" / "java").is_file():
        run = subprocess.run([home / "bin" / "java", "-version"], capture_output=True, text=True)
        text = run.stderr
    match = re.search(r'version\s*=?\s*"(\d+)', text, re.IGNORECASE)
    return int(match.group(1)) if match else None


def find_java() -> JavaHome:
    """`ES_JAVA_HOME` if set (and new enough), else the newest JDK under /usr/lib/jvm."""
    explicit = os.environ.get("ES_JAVA_HOME")
    if explicit:
        major = _java_major(Path(explicit))
        if major is None or major < MIN_JAVA:
            raise DevnodeError(
                f"ES_JAVA_HOME={explicit} is not Java {MIN_JAVA} or newer "
                f"(found: {major or 'no java'}). Point it at a JDK {MIN_JAVA}+ or unset it."
            )
        return JavaHome(Path(explicit), major)
    candidates = []
    for home in Path("/usr/lib/jvm").glob("*"):
        major = _java_major(home) if (home / "bin" / "java").is_file() else None
        if major is not None and major >= MIN_JAVA:
            candidates.append(JavaHome(home, major))
    if not candidates:
        raise DevnodeError(
            f"No Java {MIN_JAVA} or newer found (looked at ES_JAVA_HOME and /usr/lib/jvm). "
            f"Install one, e.g. `apt-get install openjdk-{MIN_JAVA}-jre-headless` or Temurin "
            f"{MIN_JAVA}+, or set ES_JAVA_HOME to its home."
        )
    return max(candidates, key=lambda java: java.major)


def _client(settings: Settings, timeout: float = 5.0) -> Elasticsearch:
    return Elasticsearch(settings.es_url, request_timeout=timeout, max_retries=0)


def cluster_info(settings: Settings) -> NodeInfo | None:
    """The node's version if it answers `/_cluster/health` (this distribution has no `GET /`)."""
    try:
        with _client(settings) as es:
            es.cluster.health()
            nodes = es.nodes.info(node_id="_all", metric="_none", filter_path="nodes.*.version")
    except (elasticsearch.ConnectionError, elasticsearch.ConnectionTimeout):
        return None
    versions = sorted({node["version"] for node in nodes["nodes"].values()})
    return NodeInfo(url=settings.es_url, version=",".join(versions), started_here=False)


def _check_major(info: NodeInfo) -> None:
    client_version = version("elasticsearch")
    client_major = client_version.split(".")[0]
    if any(v.split(".")[0] != client_major for v in info.version.split(",")):
        raise DevnodeError(
            f"Elasticsearch at {info.url} is {info.version} but the client is "
            f"{client_version}; client and server majors must match."
        )


@dataclass(frozen=True)
class NodeSpec:
    """One node run from the shared unpacked zip. The development node is the default;
    fault tests and the cluster benchmark start others beside it, each with its own
    working folder (data, logs, pid) under the cache and its own ports."""

    name: str = "devnode"
    http_port: int = 9200
    workdir: Path | None = None  # None: the cache folder itself
    cluster: str = "evidence-devnode"
    transport_port: int | None = None
    seed_hosts: tuple[str, ...] = ()  # empty: a single-node cluster
    initial_masters: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


def node_folder(settings: Settings, spec: NodeSpec) -> Path:
    """The node's own working folder (data, logs, pid)."""
    return _paths(settings, spec)["work"]


def _paths(settings: Settings, spec: NodeSpec | None = None) -> dict[str, Path]:
    root = settings.devnode_dir
    work = spec.workdir if spec and spec.workdir else root
    return {
        "root": root,
        "work": work,
        "downloads": root / "downloads",
        "home": root / f"elasticsearch-{settings.es_version}",
        "data": work / "data",
        "logs": work / "logs",
        "repo": root / "snapshots",
        "pid": work / "logs" / "node.pid",
    }


def _fetch_zip(settings: Settings, downloads: Path) -> Path:
    target = downloads / f"elasticsearch-{settings.es_version}.zip"
    if target.is_file():
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise DevnodeError(
            "Maven (`mvn`) is not installed; it fetches the Elasticsearch zip. "
            "Install it, e.g. `apt-get install maven`, or set ELASTICSEARCH_URL to a running node."
        )
    downloads.mkdir(parents=True, exist_ok=True)
    artifact = ARTIFACT.format(version=settings.es_version)
    run = subprocess.run(
        [
            mvn,
            "-B",
            "-q",
            "dependency:copy",
            f"-Dartifact={artifact}",
            f"-DoutputDirectory={downloads}",
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0 or not target.is_file():
        tail = "\n".join((run.stdout + run.stderr).strip().splitlines()[-15:])
        raise DevnodeError(f"mvn could not fetch {artifact}:\n{tail}")
    return target


def _unpack(archive: Path, home: Path) -> None:
    """Unpack keeping the executable bits, which `zipfile` alone drops."""
    if (home / "bin" / "elasticsearch").is_file():
        return
    staging = home.with_name(home.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            extracted = Path(zipped.extract(member, staging))
            mode = member.external_attr >> 16
            if mode and not member.is_dir():
                extracted.chmod(mode & 0o777)
    (inner,) = staging.iterdir()
    inner.rename(home)
    staging.rmdir()


def _node_user(settings: Settings) -> pwd.struct_passwd | None:
    """None when we are already unprivileged; else the dedicated user, created if needed."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(settings.devnode_user)
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if useradd is None:
        raise DevnodeError(f"Cannot create user {settings.devnode_user}: no `useradd`.")
    subprocess.run(
        [
            useradd,
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            settings.devnode_user,
        ],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(settings.devnode_user)


def _chown_tree(root: Path, user: pwd.struct_passwd) -> None:
    for path in [root, *root.rglob("*")]:
        if path.stat().st_uid != user.pw_uid:
            os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)


def _options(settings: Settings, spec: NodeSpec, paths: dict[str, Path]) -> dict[str, str]:
    options = {
        "cluster.name": spec.cluster,
        "node.name": spec.name,
        "network.host": "127.0.0.1",
        "http.port": str(spec.http_port),
        "xpack.security.enabled": "false",
        "path.data": str(paths["data"]),
        "path.logs": str(paths["logs"]),
        "path.repo": str(paths["repo"]),
        "cluster.routing.allocation.disk.threshold_enabled": "false",
    }
    if spec.transport_port:
        options["transport.port"] = str(spec.transport_port)
    if spec.seed_hosts:
        options["discovery.seed_hosts"] = ",".join(spec.seed_hosts)
        options["cluster.initial_master_nodes"] = ",".join(spec.initial_masters)
    else:
        options["discovery.type"] = "single-node"
    return options


def launch(settings: Settings, spec: NodeSpec) -> None:
    """Start a node in the background without waiting for it to answer."""
    java = find_java()
    paths = _paths(settings, spec)
    archive = _fetch_zip(settings, paths["downloads"])
    _unpack(archive, paths["home"])
    for key in ("work", "data", "logs", "repo"):
        paths[key].mkdir(parents=True, exist_ok=True)
    user = _node_user(settings)
    if user is not None:
        paths["root"].chmod(0o755)
        for key in ("home", "data", "logs", "repo"):
            _chown_tree(paths[key], user)
    paths["pid"].unlink(missing_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ES_JAVA_HOME": str(java.path),
        "ES_JAVA_OPTS": f"-Xms{settings.devnode_heap} -Xmx{settings.devnode_heap}",
        "HOME": str(paths["root"]),
    }
    command = [str(paths["home"] / "bin" / "elasticsearch"), "-d", "-p", str(paths["pid"])]
    for key, value in _options(settings, spec, paths).items():
        command += ["-E", f"{key}={value}"]
    console = paths["logs"] / "console.log"
    with console.open("ab") as out:
        run = subprocess.run(
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=paths["home"],
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
        )
    if run.returncode != 0:
        raise DevnodeError(f"Elasticsearch failed to start; see {console}:\n{_tail(console)}")


def wait_until_answering(
    settings: Settings, spec: NodeSpec, timeout: float = START_TIMEOUT_S
) -> NodeInfo:
    """Poll `/_cluster/health` at the node's URL until it answers."""
    probe = settings.model_copy(update={"elasticsearch_url": spec.url})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = cluster_info(probe)
        if info is not None:
            return NodeInfo(info.url, info.version, started_here=True)
        time.sleep(0.5)
    logs = _paths(settings, spec)["logs"]
    raise DevnodeError(
        f"Elasticsearch did not answer within {timeout:.0f}s; logs in {logs}:\n"
        f"{_tail(logs / 'console.log')}"
    )


def start_node(settings: Settings, spec: NodeSpec) -> NodeInfo:
    launch(settings, spec)
    return wait_until_answering(settings, spec)


def _start(settings: Settings) -> NodeInfo:
    return start_node(settings, NodeSpec(http_port=settings.es_port))


def _tail(path: Path, lines: int = 20) -> str:
    if not path.is_file():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def ensure_running(settings: Settings) -> NodeInfo:
    """Reuse a healthy node at the URL, else start the development node behind it."""
    info = cluster_info(settings)
    if info is None:
        if not settings.es_is_loopback:
            raise DevnodeError(
                f"Elasticsearch at {settings.es_url} does not answer, and a development node "
                "can only be started on a loopback address. Check ELASTICSEARCH_URL."
            )
        info = _start(settings)
    _check_major(info)
    return info


def stop(settings: Settings) -> bool:
    """Stop the node this manager started; a node it did not start is left alone."""
    return stop_node(settings, NodeSpec(http_port=settings.es_port))


def stop_node(settings: Settings, spec: NodeSpec, *, kill: bool = False) -> bool:
    """Stop a node started from this cache: politely, or with SIGKILL, as a crash would."""
    pid_file = _paths(settings, spec)["pid"]
    if not pid_file.is_file():
        return False
    pid = int(pid_file.read_text().strip())
    try:
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


# Redis


@dataclass(frozen=True)
class RedisInfo:
    url: str  # without any password
    version: str
    started_here: bool


def _public_url(url: str) -> str:
    """The URL as it may be printed: a password in it is masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def redis_folder(settings: Settings) -> Path:
    """Where the development Redis keeps its configuration, data, log and pid file."""
    return settings.devnode_dir / "redis"


def _redis_paths(settings: Settings) -> dict[str, Path]:
    root = redis_folder(settings)
    return {
        "root": root,
        "conf": root / "redis.conf",
        "data": root / "data",
        "log": root / "redis.log",
        "pid": root / "redis.pid",
    }


def redis_info(settings: Settings) -> RedisInfo | None:
    """The server's version if it answers PING at the URL; None if nothing answers (or it
    is still loading its data). A server that answers with an error (a wrong password, a
    database it does not have) is a DevnodeError: starting another would not help."""
    url = _public_url(settings.redis_url)
    client = redis.Redis.from_url(
        settings.redis_url, socket_timeout=2, socket_connect_timeout=2, retry_on_timeout=False
    )
    try:
        client.ping()
        server = client.info("server")
    except (redis.ConnectionError, redis.TimeoutError):
        return None
    except redis.RedisError as error:
        raise DevnodeError(
            f"Redis at {url} answers but refuses us: {error}. Check EVIDENCE_REDIS_URL."
        ) from error
    finally:
        client.close()
    return RedisInfo(url=url, version=str(server["redis_version"]), started_here=False)


def _conf_value(value: Path | str) -> str:
    """A quoted value for redis.conf, so paths with spaces survive."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_redis_config(settings: Settings) -> Path:
    """Write (again) the development Redis's redis.conf; return its path."""
    paths = _redis_paths(settings)
    paths["root"].mkdir(parents=True, exist_ok=True)
    lines = [
        "# Written by `python -m evidence.devnode start` at every start; edits are lost.",
        "bind 127.0.0.1 -::1",
        f"port {settings.redis_port}",
        "protected-mode yes",
        "daemonize yes",
        f"pidfile {_conf_value(paths['pid'])}",
        f"logfile {_conf_value(paths['log'])}",
        f"dir {_conf_value(paths['data'])}",
        # Jobs must survive a restart, even a crash: every write is in the append-only
        # file on disk before Redis answers it.
        "appendonly yes",
        "appendfsync always",
        # A full Redis refuses writes rather than silently dropping queued jobs.
        "maxmemory-policy noeviction",
        # Room for one database per parallel test worker.
        "databases 32",
    ]
    paths["conf"].write_text("\n".join(lines) + "\n")
    return paths["conf"]


def _start_redis(settings: Settings) -> RedisInfo:
    server = shutil.which("redis-server")
    if server is None:
        raise DevnodeError(
            "`redis-server` is not installed; the development Redis needs it. Install it, "
            "e.g. `apt-get install redis-server`, or set EVIDENCE_REDIS_URL to a running Redis."
        )
    paths = _redis_paths(settings)
    paths["data"].mkdir(parents=True, exist_ok=True)
    conf = write_redis_config(settings)
    user = _node_user(settings)
    if user is not None:
        settings.devnode_dir.chmod(0o755)
        _chown_tree(paths["root"], user)
    run = subprocess.run(
        [server, str(conf)],
        capture_output=True,
        text=True,
        cwd=paths["root"],
        user=user.pw_uid if user else None,
        group=user.pw_gid if user else None,
        extra_groups=[] if user else None,
    )
    if run.returncode != 0:
        output = "\n".join((run.stdout + run.stderr).strip().splitlines()[-20:])
        raise DevnodeError(f"redis-server failed to start with {conf}:\n{output}")
    deadline = time.monotonic() + REDIS_START_TIMEOUT_S
    while time.monotonic() < deadline:
        info = redis_info(settings)
        if info is not None:
            return RedisInfo(info.url, info.version, started_here=True)
        time.sleep(0.1)
    raise DevnodeError(
        f"Redis did not answer PING at {_public_url(settings.redis_url)} within "
        f"{REDIS_START_TIMEOUT_S}s; log {paths['log']}:\n{_tail(paths['log'])}"
    )


def ensure_redis(settings: Settings) -> RedisInfo:
    """Reuse a Redis that answers at the URL, else start the development Redis behind it."""
    info = redis_info(settings)
    if info is not None:
        return info
    if not settings.redis_is_loopback:
        raise DevnodeError(
            f"Redis at {_public_url(settings.redis_url)} does not answer, and a development "
            "Redis can only be started on a loopback address. Check EVIDENCE_REDIS_URL."
        )
    return _start_redis(settings)


def _alive(pid: int) -> bool:
    """Whether the process runs; a zombie (exited, not yet reaped) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _is_redis(pid: int) -> bool:
    """Guard against a pid file left behind whose number now belongs to another program."""
    comm = Path(f"/proc/{pid}/comm")
    try:
        return comm.read_text().strip().startswith("redis-server")
    except FileNotFoundError:
        return not Path("/proc/self").exists() and _alive(pid)
    except OSError:
        return False


def stop_redis(settings: Settings, *, kill: bool = False) -> bool:
    """Stop the Redis this manager started (its pid file), politely (SIGTERM: Redis flushes
    its append-only file and exits) or with SIGKILL, as a crash would. A Redis this
    manager did not start is left alone."""
    pid_file = _redis_paths(settings)["pid"]
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return False
    if not _alive(pid) or not _is_redis(pid):
        pid_file.unlink(missing_ok=True)
        return False
    try:
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return False
    if not _wait_for_exit(pid, REDIS_STOP_TIMEOUT_S):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_for_exit(pid, 5)
    pid_file.unlink(missing_ok=True)
    return True


def _wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


cli = typer.Typer(
    help=__doc__, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)


@cli.command("start")
def start_command() -> None:
    """Start Elasticsearch and Redis, or reuse those already answering."""
    settings = get_settings()
    try:
        info = ensure_running(settings)
        typer.echo(f"{_how(info.started_here)} Elasticsearch {info.version} at {info.url}")
        if info.started_here:
            typer.echo(f"logs: {_paths(settings)['logs']}")
        redis_server = ensure_redis(settings)
    except DevnodeError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(
        f"{_how(redis_server.started_here)} Redis {redis_server.version} at {redis_server.url}"
    )
    if redis_server.started_here:
        typer.echo(f"log: {_redis_paths(settings)['log']}")


def _how(started_here: bool) -> str:
    return "started" if started_here else "reusing"


@cli.command("stop")
def stop_command() -> None:
    """Stop Elasticsearch and Redis, each only if this manager started it."""
    settings = get_settings()
    stopped = stop(settings)
    typer.echo(
        "Elasticsearch: stopped"
        if stopped
        else "Elasticsearch: no development node was running from this cache"
    )
    typer.echo(
        "Redis: stopped"
        if stop_redis(settings)
        else "Redis: no development Redis was running from this cache"
    )


@cli.command("status")
def status_command() -> None:
    """Say whether Elasticsearch and Redis answer, which versions, and where the logs are.
    Exits 1 when either does not answer."""
    settings = get_settings()
    info = cluster_info(settings)
    paths = _paths(settings)
    typer.echo(f"url: {settings.es_url}")
    typer.echo(f"answering: {'yes, ' + info.version if info else 'no'}")
    typer.echo(f"managed pid file: {paths['pid'] if paths['pid'].is_file() else 'none'}")
    typer.echo(f"logs: {paths['logs']}")
    redis_paths = _redis_paths(settings)
    try:
        redis_server = redis_info(settings)
        redis_answer = f"yes, {redis_server.version}" if redis_server else "no"
    except DevnodeError as error:
        redis_server, redis_answer = None, f"no: {error}"
    typer.echo(f"redis url: {_public_url(settings.redis_url)}")
    typer.echo(f"redis answering: {redis_answer}")
    managed = redis_paths["pid"] if redis_paths["pid"].is_file() else "none"
    typer.echo(f"redis managed pid file: {managed}")
    typer.echo(f"redis log: {redis_paths['log']}")
    if info is None or redis_server is None:
        raise typer.Exit(1)


if __name__ == "__main__":
    cli()
