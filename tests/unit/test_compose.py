"""No Docker engine runs here, so the compose file and the Dockerfile are checked by reading them.

Parsing is not enough: the API finds an image through the bundle path recorded when it
was loaded, and writes uploads where `EVIDENCE_UPLOADS_DIR` points. A path that differs
between containers, or a folder the app's user cannot write, only shows up in
production, so these tests tie the mounts and owners to the settings the code reads.
"""

import os
import re
import shlex
from collections.abc import Callable
from itertools import takewhile
from pathlib import Path, PurePosixPath

import pytest
import yaml

from evidence.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).parents[2]
# The services that run the application image (and so read the EVIDENCE_* settings).
APP_SERVICES = ("api", "indexer", "worker")
# The official Elasticsearch image runs the node as uid 1000 (group 0).
ELASTICSEARCH_UID = "1000"

SettingsOf = Callable[[str], Settings]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _named_mounts(service: dict) -> dict[str, PurePosixPath]:
    """Named volume -> path in the container; bind mounts (a host path as source) left out."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if not source.startswith((".", "/", "~", "$")):
            mounts[source] = PurePosixPath(target)
    return mounts


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined and comments dropped."""
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    split = (line.strip().partition(" ") for line in text.replace("\\\n", " ").splitlines())
    return [(name, args.strip()) for name, _, args in split if name]


def _last(instruction: str) -> str:
    return [args for name, args in _dockerfile() if name == instruction][-1]


def _image_env() -> dict[str, str]:
    pairs = [shlex.split(args) for name, args in _dockerfile() if name == "ENV"]
    return dict(pair.split("=", 1) for group in pairs for pair in group)


def _image_path(path: Path) -> PurePosixPath:
    """Where a setting's path lands in the container: relative ones start at WORKDIR."""
    return PurePosixPath(_last("WORKDIR")) / PurePosixPath(path)


def _image_folders() -> tuple[set[PurePosixPath], dict[PurePosixPath, str]]:
    """Folders the image's RUN steps create, and the user each `chown` gives a folder."""
    created: set[PurePosixPath] = set()
    owners: dict[PurePosixPath, str] = {}
    for name, args in _dockerfile():
        if name != "RUN":
            continue
        for command in re.split(r"&&|;", args):
            program, *rest = shlex.split(command)
            operands = [arg for arg in rest if not arg.startswith("-")]
            if program == "mkdir":
                created.update(PurePosixPath(folder) for folder in operands)
            elif program == "chown":
                owner, *folders = operands
                owners.update({PurePosixPath(folder): owner.split(":")[0] for folder in folders})
    return created, owners


def _indexer_runs(service: dict) -> dict[str, list[str]]:
    """Arguments of each `python -m indexer SUBCOMMAND` in a service's shell command."""
    runs = {}
    for command in re.split(r"&&|\|\||;", service["command"][-1]):
        argv = shlex.split(command)
        if argv[:3] == ["python", "-m", "indexer"]:
            runs[argv[3]] = argv[4:]
    return runs


def _volume_holding(service: dict, path: PurePosixPath) -> str:
    """The named volume a path is on: the deepest mount that contains it."""
    mounts = _named_mounts(service)
    holders = [name for name, at in mounts.items() if path.is_relative_to(at)]
    assert holders, f"{path} is on no named volume, so it is lost with the container"
    return max(holders, key=lambda name: len(mounts[name].parts))


@pytest.fixture
def settings_of(monkeypatch: pytest.MonkeyPatch) -> SettingsOf:
    """The Settings a service builds: the image's ENV, overridden by compose's environment.

    Building them also proves every EVIDENCE_* name there is a real setting: unknown
    ones are refused at start-up.
    """

    def build(service_name: str) -> Settings:
        for key in list(os.environ):
            if key.startswith(ENV_PREFIX) or key == "ELASTICSEARCH_URL":
                monkeypatch.delenv(key)
        service = _compose()["services"][service_name]
        for key, value in (_image_env() | service.get("environment", {})).items():
            monkeypatch.setenv(key, str(value))
        return Settings()

    return build


def test_elasticsearch_is_the_official_9x_image_single_node_with_heap_and_volume() -> None:
    service = _compose()["services"]["elasticsearch"]
    assert service["image"].startswith("docker.elastic.co/elasticsearch/elasticsearch:9.")
    env = service["environment"]
    assert env["discovery.type"] == "single-node"
    assert "-Xmx" in env["ES_JAVA_OPTS"]
    assert any(volume.startswith("esdata:") for volume in service["volumes"])
    assert "_cluster/health" in " ".join(service["healthcheck"]["test"])


def test_api_and_indexer_wait_for_a_healthy_node_and_share_the_same_build() -> None:
    services = _compose()["services"]
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
        assert services[name]["environment"]["ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
    assert services["api"]["build"] == services["indexer"]["build"]
    assert (ROOT / services["api"]["build"]["dockerfile"]).is_file()
    assert services["indexer"]["restart"] == "no"


def test_compose_versions_match_the_devnode_major() -> None:
    image_version = _compose()["services"]["elasticsearch"]["image"].rsplit(":", 1)[1]
    assert image_version == Settings().es_version


def test_the_api_refuses_to_start_without_a_secret_key() -> None:
    api = _compose()["services"]["api"]["environment"]
    assert api["EVIDENCE_SECRET_KEY"].startswith("${EVIDENCE_SECRET_KEY:?")


def test_the_bundles_the_indexer_loads_are_at_the_same_path_in_the_api() -> None:
    services = _compose()["services"]
    runs = _indexer_runs(services["indexer"])
    bundles = [*takewhile(lambda arg: not arg.startswith("-"), runs["load"])]
    written = [PurePosixPath(runs["demo-data"][0]), *map(PurePosixPath, bundles)]
    volumes = {_volume_holding(services["indexer"], path) for path in written}
    indexer_mounts = _named_mounts(services["indexer"])
    for volume in volumes:
        for name in APP_SERVICES:
            assert _named_mounts(services[name]).get(volume) == indexer_mounts[volume], (
                f"{name} must mount {volume} at {indexer_mounts[volume]}: the API looks "
                "images up under the path recorded when the indexer loaded them"
            )


def test_uploads_live_on_a_named_volume_at_the_api_uploads_dir(settings_of: SettingsOf) -> None:
    compose = _compose()
    uploads_dir = _image_path(settings_of("api").uploads_dir)
    api = compose["services"]["api"]
    volume = _volume_holding(api, uploads_dir)
    assert _named_mounts(api)[volume] == uploads_dir
    assert volume in compose["volumes"]


def test_uploaded_bundles_are_at_the_same_path_in_every_app_service(
    settings_of: SettingsOf,
) -> None:
    """Uploads are loaded from `<uploads_dir>/bundles`; `indexer rebuild` reads them there."""
    services = _compose()["services"]
    uploads_dir = _image_path(settings_of("api").uploads_dir)
    volume = _volume_holding(services["api"], uploads_dir)
    for name in APP_SERVICES:
        assert _named_mounts(services[name]).get(volume) == uploads_dir, (
            f"{name} must mount {volume} at {uploads_dir}, where uploaded bundles were loaded"
        )
        assert _image_path(settings_of(name).uploads_dir) == uploads_dir, name


def test_the_image_creates_every_app_mount_point_owned_by_its_user(
    settings_of: SettingsOf,
) -> None:
    """A fresh named volume takes the owner of its mount point in the image."""
    services = _compose()["services"]
    user = _last("USER")
    assert user not in {"root", "0"}
    folders = {_image_path(settings_of("api").uploads_dir)}
    folders |= {path for name in APP_SERVICES for path in _named_mounts(services[name]).values()}
    created, owners = _image_folders()
    for folder in sorted(folders):
        assert folder in created, f"the Dockerfile does not create {folder}"
        assert owners.get(folder) == user, f"{folder} is not chowned to {user}"


def test_snapshots_go_to_the_volume_at_elasticsearch_path_repo(settings_of: SettingsOf) -> None:
    services = _compose()["services"]
    path_repo = PurePosixPath(services["elasticsearch"]["environment"]["path.repo"])
    assert path_repo in _named_mounts(services["elasticsearch"]).values(), (
        f"path.repo {path_repo} is not a volume, so snapshots are lost with the container"
    )
    location = PurePosixPath(settings_of("indexer").snapshot_location)
    assert not location.is_absolute() or location.is_relative_to(path_repo), (
        f"EVIDENCE_SNAPSHOT_LOCATION {location} is outside path.repo {path_repo}"
    )


def test_the_snapshots_volume_is_handed_to_the_elasticsearch_user_first() -> None:
    """path.repo is not in the Elasticsearch image, so a fresh volume there belongs to root."""
    services = _compose()["services"]
    elasticsearch = services["elasticsearch"]
    path_repo = PurePosixPath(elasticsearch["environment"]["path.repo"])
    volume = _volume_holding(elasticsearch, path_repo)
    preparers = [
        name
        for name, condition in elasticsearch.get("depends_on", {}).items()
        if condition["condition"] == "service_completed_successfully"
        and _named_mounts(services[name]).get(volume) == path_repo
    ]
    assert preparers, f"nothing hands {volume} to uid {ELASTICSEARCH_UID} before the node starts"
    preparer = services[preparers[0]]
    assert str(preparer["user"]) == "0"
    program, owner, *folders = preparer["entrypoint"]
    assert program == "chown"
    assert owner.split(":")[0] == ELASTICSEARCH_UID
    assert str(path_repo) in folders


def test_the_queue_is_the_official_redis_image_and_workers_run_its_jobs(
    settings_of: SettingsOf,
) -> None:
    services = _compose()["services"]
    redis = services["redis"]
    assert redis["image"].startswith("redis:7")
    command = " ".join(redis["command"])
    # A queued job survives a crash, and a full Redis never drops one.
    assert "--appendonly yes" in command and "--appendfsync always" in command
    assert "--maxmemory-policy noeviction" in command
    assert any(volume.startswith("redisdata:/data") for volume in redis["volumes"])
    worker = services["worker"]
    assert worker["command"] == ["python", "-m", "indexer", "worker"]
    assert worker["build"] == services["api"]["build"]
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    # The API and the workers use the same queue.
    assert settings_of("api").redis_url == settings_of("worker").redis_url == "redis://redis:6379/0"
