"""The one settings object, read from environment variables.

Every setting is declared here once, with its default and help text; `docs/settings.md`
lists them all and a test keeps the two in step. Unknown `EVIDENCE_*` variables are
refused at start-up so a typo cannot silently fall back to a default.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AnyHttpUrl, Field, SecretStr, TypeAdapter, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "EVIDENCE_"
DEFAULT_ES_URL = "http://127.0.0.1:9200"
DEFAULT_ORIGINALS_DIR = Path("var/originals")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6390/0"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_URL = TypeAdapter(AnyHttpUrl)


def _default_keys_dir() -> Path:
    """Outside the repository and every checkout: the private key must never be committed
    or copied with the code."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "evidence" / "signing-keys"


def _default_devnode_dir() -> Path:
    """Root cannot hand its home to the unprivileged node user, so it gets a system cache."""
    if os.geteuid() == 0:
        return Path("/var/cache/evidence-devnode")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "evidence-devnode"


class Settings(BaseSettings):
    """Configuration for the indexer, the API and the local development node."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True)

    elasticsearch_url: str = Field(
        default=DEFAULT_ES_URL,
        validation_alias="ELASTICSEARCH_URL",
        description="Elasticsearch to use: one URL, or several nodes of one cluster separated "
        "by commas. When unset, the local development node is started.",
    )
    redis_url: str = Field(
        default=DEFAULT_REDIS_URL,
        description="Redis to use (redis://host:port/db). When nothing answers at a loopback "
        "address, the development node manager starts one there; the default port is not "
        "6379, so a system Redis is never taken for it.",
    )
    index_prefix: str = Field(
        default="evidence",
        pattern=r"^[a-z0-9][a-z0-9_]{0,40}$",
        description="Prefix of every index and alias, so tests and parallel runs never collide.",
    )
    api_host: str = Field(default="127.0.0.1", description="Address the API binds to.")
    api_port: int = Field(default=8000, ge=1, le=65535, description="Port the API listens on.")
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s]+/?$",
        description="The address readers use (https://archive.example); exports build record "
        "links from it rather than from the request's Host header.",
    )
    api_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="API processes; more use more cores. Set EVIDENCE_SECRET_KEY with more "
        "than one, so all of them accept the same cursors and sessions.",
    )
    secret_key: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)),
        min_length=16,
        description="Signs cursors and sessions. Set it in production; the default is new "
        "at every start, so cursors and logins do not survive a restart.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Reverse proxies whose X-Forwarded-For is believed: IP addresses or CIDR "
        "networks separated by commas. Empty: the client is always the connecting peer.",
    )
    pits_per_caller: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Points in time one caller (a user, or a visitor's address) may hold "
        "open for paging searches and timelines; a further chain of pages closes the "
        "caller's oldest, whose cursors then ask to start again. Per API process.",
    )
    uploads_dir: Path = Field(
        default=Path("var/uploads"),
        description="Where uploads are kept: originals write-once under their SHA-256, "
        "unpacked bundles, and reports.",
    )
    originals_dir: Path = Field(
        default=DEFAULT_ORIGINALS_DIR,
        description="The originals store: every media file a loaded record points to, kept "
        "read-only under its SHA-256. Images are served only from here, and only the file "
        "whose hash is the record's own.",
    )
    signing_keys_dir: Path = Field(
        default_factory=_default_keys_dir,
        description="The key ring that signs court exhibit packages (`python -m search_api "
        "keys init`): the current private key, mode 0600, and every public key. Keep it "
        "outside the repository and back it up apart from the data.",
    )
    instance_name: str = Field(
        default="caesar-atlas-local",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$",
        description="This archive's name in the manifests of the packages it signs.",
    )
    upload_max_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="Largest upload accepted, in bytes."
    )
    request_timeout: float = Field(
        default=10.0, gt=0, le=300, description="Seconds before an Elasticsearch call gives up."
    )
    indexer_workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=0,
        le=64,
        description="Processes that validate, extract and analyse records while the indexer "
        "loads; 0 does that work in the loading process itself. Default: one per CPU.",
    )
    ocr: bool = Field(
        default=True,
        description="Read scanned documents (images, PDF pages without a usable text "
        "layer) with Tesseract while loading; off leaves their pages empty.",
    )
    ocr_timeout_seconds: float = Field(
        default=180,
        gt=0,
        le=3600,
        description="How long Tesseract may take over one page; past it the document is "
        "indexed without that text, and the report says so.",
    )
    watch_webhooks: bool = Field(
        default=False,
        description="Let a watched search post `{watch, new_count, url}` (never record "
        "content) to a URL its owner gives when new records match. Off by default: a "
        "webhook is a request from the server to an address a user chose.",
    )
    vectors: bool = Field(
        default=True,
        description="Encode passages of each record's text as vectors while loading, for "
        "semantic and hybrid search (`evidence/semantic.py`); off stores none, and the "
        "API refuses those modes.",
    )
    indexer_retry_seconds: float = Field(
        default=300,
        ge=0,
        le=86_400,
        description="How long a load waits for an unavailable or refusing Elasticsearch, per "
        "outage, before it gives up (exit 3); what was not confirmed is then sent again. Also "
        "how long a load waits for a running rebuild, and a rebuild for running loads.",
    )
    rebuild_drain_seconds: float = Field(
        default=60,
        ge=0,
        le=86_400,
        description="How long a rebuild waits for open searches and exports on the old "
        "indices to end before it deletes them; indices still open then are kept, and the "
        "next load or rebuild deletes them once nothing reads them.",
    )
    jobs_heartbeat_seconds: int = Field(
        default=30,
        ge=1,
        le=3600,
        description="How often a worker tells the queue that the job it runs is alive.",
    )
    jobs_grace_seconds: int = Field(
        default=60,
        ge=2,
        le=3600,
        description="How long past a missed heartbeat a running job is taken for abandoned "
        "(its worker died) and handed to another worker.",
    )
    jobs_maintenance_seconds: int = Field(
        default=60,
        ge=1,
        le=3600,
        description="How often an idle worker looks for abandoned jobs. A dead worker's job "
        "runs again after at most heartbeat + grace + maintenance seconds.",
    )
    jobs_retry_delays: list[Annotated[int, Field(ge=0, le=86_400)]] = Field(
        default=[10, 60, 300],
        max_length=10,
        description="Seconds before each retry of a failed or abandoned job, as a JSON list "
        "([10, 60, 300]: three retries); a job that fails once more goes to the failed list.",
    )
    jobs_part_records: int = Field(
        default=10_000,
        ge=100,
        le=10_000_000,
        description="Photographs per part when a job's load is split across workers: a "
        "bundle with more is loaded in parts that any idle workers take up at once.",
    )
    jobs_timeout_seconds: int = Field(
        default=6 * 3600,
        ge=60,
        le=7 * 86_400,
        description="Longest a job may run before its worker stops it (a failure, retried).",
    )
    snapshot_location: str = Field(
        default="evidence",
        min_length=1,
        description="Folder of the snapshot repository, relative to the node's path.repo.",
    )
    es_version: str = Field(
        default="9.5.4",
        pattern=r"^9\.\d+\.\d+$",
        description="Version of the integ-test-zip the development node fetches (9.x only).",
    )
    devnode_dir: Path = Field(
        default_factory=_default_devnode_dir,
        description="Cache for the development node: the zip, the unpacked node, data, logs.",
    )
    devnode_heap: str = Field(
        default="512m",
        pattern=r"^\d+[mg]$",
        description="Java heap of the development node; at most 1g.",
    )
    devnode_user: str = Field(
        default="esnode",
        pattern=r"^[a-z_][a-z0-9_-]{0,31}$",
        description="Unprivileged account that runs the development node when started as root.",
    )

    @field_validator("elasticsearch_url")
    @classmethod
    def _http_urls(cls, value: str) -> str:
        urls = [part.strip() for part in value.split(",") if part.strip()]
        if not urls:
            raise ValueError("give at least one URL")
        return ",".join(str(_URL.validate_python(url)).rstrip("/") for url in urls)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
            raise ValueError("give a redis://host:port/db URL")
        parts.port  # noqa: B018 - raises ValueError for a port out of range
        if parts.path.strip("/") and not parts.path.strip("/").isdigit():
            raise ValueError("the database in a Redis URL is a number: redis://host:port/0")
        return value.strip()

    @field_validator("trusted_proxies")
    @classmethod
    def _ip_networks(cls, value: str) -> str:
        networks = [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in value.split(",")
            if part.strip()
        ]
        return ",".join(str(network) for network in networks)

    @field_validator("devnode_heap")
    @classmethod
    def _heap_at_most_one_gigabyte(cls, value: str) -> str:
        megabytes = int(value[:-1]) * (1024 if value.endswith("g") else 1)
        if not 128 <= megabytes <= 1024:
            raise ValueError("the development node heap must be between 128m and 1g")
        return value

    @model_validator(mode="after")
    def _one_key_for_every_worker(self) -> Settings:
        if self.api_workers > 1 and "secret_key" not in self.model_fields_set:
            raise ValueError(
                "EVIDENCE_API_WORKERS > 1 needs EVIDENCE_SECRET_KEY: with a random key per "
                "process, a cursor or a login from one would be refused by the others"
            )
        return self

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_variables(cls, data: object) -> object:
        known = {ENV_PREFIX + name.upper() for name in cls.model_fields}
        unknown = sorted(k for k in os.environ if k.startswith(ENV_PREFIX) and k not in known)
        if unknown:
            raise ValueError(f"unknown settings in the environment: {', '.join(unknown)}")
        return data

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """`trusted_proxies` parsed: whose X-Forwarded-For the API believes."""
        return tuple(ipaddress.ip_network(part) for part in self.trusted_proxies.split(",") if part)

    @property
    def es_hosts(self) -> list[str]:
        """Every node the clients may use; they fail over between them."""
        return self.elasticsearch_url.split(",")

    @property
    def es_url(self) -> str:
        """The first (or only) node: where the development node is started and probed."""
        return self.es_hosts[0]

    @property
    def es_is_loopback(self) -> bool:
        """Only a loopback URL may have a development node started behind it."""
        return urlsplit(self.es_url).hostname in LOOPBACK_HOSTS

    @property
    def es_port(self) -> int:
        return urlsplit(self.es_url).port or 9200

    @property
    def redis_is_loopback(self) -> bool:
        """Only a loopback URL may have a development Redis started behind it."""
        return urlsplit(self.redis_url).hostname in LOOPBACK_HOSTS

    @property
    def redis_port(self) -> int:
        return urlsplit(self.redis_url).port or 6379


@lru_cache
def get_settings() -> Settings:
    """Cached so the environment is read once; tests pass their own Settings instead."""
    return Settings()
