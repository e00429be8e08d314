"""The index contract: names, versions, partitions and aliases.

Every kind of document (photos, testimonies, filings, timeline events) is split by
confidentiality level: one concrete index per (kind, level), named
`{prefix}-{kind}-v{mapping_version}-{generation}-{level}` and never queried by name.
A caller's searches then never touch an index holding what it may not see, so term
statistics (ranking), suggestions and aggregations come from visible records only;
the level filter in the query layer stays as a second line of defence.

Aliases: `{prefix}-{kind}-{level}` (one partition, the write target), `{prefix}-{kind}`
(a kind at every level), `{prefix}-records-{level}` (every record type at one level)
and `{prefix}-records` (everything, for the trusted CLI). A partition is created the
first time a record of its level arrives, so an installation holds only the levels it
has. A rebuild writes a new generation and swaps every alias in one atomic call, so
search never sees an empty or half-built index.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from elasticsearch import AsyncElasticsearch, BadRequestError, Elasticsearch

from evidence.access import Level

__all__ = [
    "INDEX_KINDS",
    "LEASE_STALE_AFTER",
    "LEVELS",
    "RECORD_TYPES",
    "MappingOutdated",
    "Partitions",
    "all_alias",
    "annotations_index",
    "audit_index",
    "chronologies_index",
    "collections_index",
    "ensure_plain_index",
    "ensure_plain_index_sync",
    "ensure_registry",
    "finish_bulk_load",
    "job_reports_index",
    "level_alias",
    "list_results_index",
    "list_searches_index",
    "load_mapping",
    "locks_index",
    "plain_index_body",
    "records_alias",
    "redactions_index",
    "registry_index",
    "retired_generations",
    "sessions_index",
    "swap_aliases",
    "teams_index",
    "type_alias",
    "uploads_index",
    "users_index",
    "visible_aliases",
    "watches_index",
]

RECORD_TYPES: tuple[str, ...] = ("photo", "testimony", "filing")
# Every versioned index kind; `event` holds timeline events and stays out of `records`.
INDEX_KINDS: tuple[str, ...] = (*RECORD_TYPES, "event")
LEVELS: tuple[str, ...] = tuple(level.label for level in Level)


class MappingOutdated(Exception):
    """The live index predates the mapping files; loading into it would fail or mislead."""


def _read(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(
        files("mappings").joinpath(f"{name}.json").read_text(encoding="utf-8")
    )
    return body


@cache
def load_mapping(record_type: str) -> dict[str, Any]:
    """Settings and strict mappings for a type: `envelope.json` plus `{type}.json`."""
    if record_type not in INDEX_KINDS:
        raise ValueError(f"unknown record type {record_type!r}")
    envelope, specific = _read("envelope"), _read(record_type)
    if record_type not in RECORD_TYPES:
        envelope = {"settings": specific["settings"], "properties": {}}
    clash = set(envelope["properties"]) & set(specific["properties"])
    if clash:
        raise ValueError(f"{record_type}.json redefines envelope fields: {sorted(clash)}")
    version = int(specific["mapping_version"])
    properties = envelope["properties"] | specific["properties"]
    fingerprint = hashlib.sha256(
        json.dumps([envelope["settings"], properties], sort_keys=True).encode()
    ).hexdigest()[:16]
    return {
        "settings": envelope["settings"],
        "mappings": {
            "dynamic": "strict",
            "_meta": {
                "record_type": record_type,
                "mapping_version": version,
                "fingerprint": fingerprint,
            },
            "properties": properties,
        },
    }


def registry_index(prefix: str) -> str:
    """The index listing loaded bundles, so a rebuild knows its sources."""
    return f"{prefix}-bundles"


def redactions_index(prefix: str) -> str:
    """The redaction review of each loaded bundle, for admins: it names protected people."""
    return f"{prefix}-redactions"


def users_index(prefix: str) -> str:
    return f"{prefix}-users"


def sessions_index(prefix: str) -> str:
    """Web sessions and failed-login back-offs, shared by every API process."""
    return f"{prefix}-sessions"


def chronologies_index(prefix: str) -> str:
    return f"{prefix}-chronologies"


def annotations_index(prefix: str) -> str:
    """Notes and tags on records, each for its author or a team (`search_api.annotations`)."""
    return f"{prefix}-annotations"


def teams_index(prefix: str) -> str:
    """Teams of accounts that share chronologies (`search_api.teams`)."""
    return f"{prefix}-teams"


def collections_index(prefix: str) -> str:
    """Who owns each collection created by an upload, and who else may upload to it."""
    return f"{prefix}-collections"


def uploads_index(prefix: str) -> str:
    return f"{prefix}-uploads"


def watches_index(prefix: str) -> str:
    """Saved searches whose new matches are counted for their owners."""
    return f"{prefix}-watches"


def list_searches_index(prefix: str) -> str:
    return f"{prefix}-list-searches"


def list_results_index(prefix: str) -> str:
    """Each list-search entry's counts and top records, for the list's owner."""
    return f"{prefix}-list-results"


def audit_index(prefix: str) -> str:
    return f"{prefix}-audit"


# A writer's lease not renewed for this long belongs to a process that died
# (`indexer.locks`); watched searches read the live ones to know what may still arrive.
LEASE_STALE_AFTER = 90.0


def locks_index(prefix: str) -> str:
    """Leases that keep loads and rebuilds of one installation apart."""
    return f"{prefix}-locks"


def job_reports_index(prefix: str) -> str:
    """Reports of queued loads and of the parts of split ones (`indexer.parts`)."""
    return f"{prefix}-job-reports"


def plain_index_body(name: str) -> dict[str, Any]:
    """Settings and strict mappings of a non-record index (`bundles`, `users`, `audit`)."""
    body = _read(name)
    return {
        "settings": body["settings"],
        "mappings": {"dynamic": "strict", "properties": body["properties"]},
    }


# An index another writer is creating exists before its primary shard starts, and a read
# in that moment is a 503; its health is already yellow then. "There" means its one
# shard is active, as after a creation.
_STARTED = "1"


def _started(health: Any) -> bool:
    return health.meta.status == 200 and not health.body["timed_out"]


def _created_by_another(error: BadRequestError) -> bool:
    return error.error == "resource_already_exists_exception"


async def ensure_plain_index(es: AsyncElasticsearch, name: str, kind: str) -> None:
    """Create the non-record index `name` from `mappings/{kind}.json` unless it is there
    and started; one request when it is."""
    waiting = es.options(ignore_status=408).cluster
    if _started(await waiting.health(index=name, wait_for_active_shards=_STARTED, timeout="0s")):
        return
    try:
        await es.indices.create(index=name, **plain_index_body(kind))
    except BadRequestError as error:
        if not _created_by_another(error):
            raise
        await es.cluster.health(index=name, wait_for_active_shards=_STARTED, timeout="30s")


def ensure_plain_index_sync(es: Elasticsearch, name: str, kind: str) -> str:
    """`ensure_plain_index` for the indexer's synchronous client; returns `name`."""
    waiting = es.options(ignore_status=408).cluster
    if _started(waiting.health(index=name, wait_for_active_shards=_STARTED, timeout="0s")):
        return name
    try:
        es.indices.create(index=name, **plain_index_body(kind))
    except BadRequestError as error:
        if not _created_by_another(error):
            raise
        es.cluster.health(index=name, wait_for_active_shards=_STARTED, timeout="30s")
    return name


def ensure_registry(es: Elasticsearch, prefix: str) -> str:
    return ensure_plain_index_sync(es, registry_index(prefix), "bundles")


def mapping_version(record_type: str) -> int:
    return int(load_mapping(record_type)["mappings"]["_meta"]["mapping_version"])


def type_alias(prefix: str, kind: str) -> str:
    """One kind at every level: for the trusted CLI and the indexer, never for a caller."""
    return f"{prefix}-{kind}"


def level_alias(prefix: str, kind: str, level: str) -> str:
    """One kind at one level."""
    return f"{prefix}-{kind}-{level}"


def all_alias(prefix: str) -> str:
    """Every record at every level: for the trusted CLI and the indexer."""
    return f"{prefix}-records"


def records_alias(prefix: str, level: str) -> str:
    """Every record type at one level."""
    return f"{prefix}-records-{level}"


def visible_aliases(prefix: str, kind: str, levels: list[str]) -> str:
    """The aliases a caller who sees `levels` searches: `kind` is `records` or `event`.
    Levels with no records yet have no alias; searches ignore what is unavailable."""
    if kind == "records":
        return ",".join(records_alias(prefix, level) for level in levels)
    return ",".join(level_alias(prefix, kind, level) for level in levels)


def index_name(prefix: str, kind: str, generation: str, level: str) -> str:
    return f"{prefix}-{kind}-v{mapping_version(kind)}-{generation}-{level}"


def new_generation() -> str:
    """A sortable, unique-enough suffix for a fresh set of indices."""
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")


# The first generation of an installation has a fixed name, so two first loads that
# race create the same index instead of two indices behind one alias.
FIRST_GENERATION = "0"
# While a generation is bulk-loaded nobody searches it: no refreshes and no replicas
# make the load cheaper. `finish_bulk_load` restores what the mapping file says.
_BULK_LOAD_SETTINGS = {"refresh_interval": "-1", "auto_expand_replicas": False}


def _alias_actions(prefix: str, kind: str, level: str, index: str) -> list[dict[str, Any]]:
    names = [type_alias(prefix, kind), level_alias(prefix, kind, level)]
    if kind in RECORD_TYPES:
        names += [all_alias(prefix), records_alias(prefix, level)]
    return [{"add": {"index": index, "alias": name}} for name in names]


def _level_of(index: str) -> str:
    return index.rsplit("-", 1)[1]


class Partitions:
    """The concrete indices one load or rebuild writes to, one per (kind, level),
    created the first time a document of that level arrives.

    For a load they are the live ones (`live`): found through the aliases, and new
    partitions join the aliases at once. For a rebuild they are a fresh generation that
    no alias points at until `swap_aliases`.
    """

    def __init__(
        self, es: Elasticsearch, prefix: str, generation: str, *, live: bool, bulk_load: bool
    ) -> None:
        self._es = es
        self._prefix = prefix
        self._generation = generation
        self._live = live
        self._bulk_load = bulk_load
        self.indices: dict[tuple[str, str], str] = {}

    @classmethod
    def live_ones(cls, es: Elasticsearch, prefix: str, *, check: bool = True) -> Partitions:
        """The live partitions; with `check`, `MappingOutdated` unless they match the
        mapping files and the per-level layout (a rebuild reads old ones unchecked)."""
        found: dict[tuple[str, str], str] = {}
        for kind in INDEX_KINDS:
            for name in _behind(es, type_alias(prefix, kind)):
                if check:
                    _check_mapping(es, name, kind)
                found[(kind, _level_of(name))] = name
        generations = {name.rsplit("-", 2)[1] for name in found.values()}
        generation = max(generations) if generations else FIRST_GENERATION
        partitions = cls(es, prefix, generation, live=True, bulk_load=False)
        partitions.indices = found
        return partitions

    @property
    def generation(self) -> str:
        """Which set of indices this is: a rebuild makes a new one."""
        return self._generation

    def of_kind(self, kind: str) -> list[str]:
        return [index for (k, _), index in sorted(self.indices.items()) if k == kind]

    def index_for(self, kind: str, level: str) -> str:
        """The partition for a document of `kind` at `level`, created if it is the first."""
        if level not in LEVELS:
            raise ValueError(f"unknown confidentiality {level!r}")
        key = (kind, level)
        if key not in self.indices:
            name = index_name(self._prefix, kind, self._generation, level)
            body = load_mapping(kind)
            settings = body["settings"]
            if self._bulk_load:
                settings = {**settings, **_BULK_LOAD_SETTINGS, "number_of_replicas": 0}
            # Another load may have just created it (400): the same index, so fine.
            self._es.options(ignore_status=400).indices.create(
                index=name, settings=settings, mappings=body["mappings"]
            )
            if self._live:
                # Adding the same index to the same aliases twice is harmless.
                actions = _alias_actions(self._prefix, kind, level, name)
                self._es.indices.update_aliases(actions=actions)
            self.indices[key] = name
        return self.indices[key]


def _check_mapping(es: Elasticsearch, name: str, kind: str) -> None:
    live = es.indices.get_mapping(index=name)[name]["mappings"].get("_meta", {})
    wanted = load_mapping(kind)["mappings"]["_meta"]
    if _level_of(name) not in LEVELS:
        raise MappingOutdated(
            f"{name} holds every confidentiality level in one index; run"
            " `python -m indexer rebuild` to split it into one index per level"
        )
    if live.get("fingerprint") != wanted["fingerprint"]:
        raise MappingOutdated(
            f"{name} was built with other mappings than mappings/ now holds "
            f"(v{live.get('mapping_version')} -> v{wanted['mapping_version']}); "
            "run `python -m indexer rebuild` to rebuild it from its bundles"
        )


def finish_bulk_load(es: Elasticsearch, partitions: Partitions, timeout: str = "5m") -> None:
    """Give bulk-loaded partitions their live settings back, make everything
    searchable, and wait until their replicas are placed (green)."""
    if not partitions.indices:
        return
    for (kind, _), index in partitions.indices.items():
        live = load_mapping(kind)["settings"]
        es.indices.put_settings(
            index=index,
            settings={
                "refresh_interval": live.get("refresh_interval"),
                "auto_expand_replicas": live.get("auto_expand_replicas", False),
            },
        )
    names = ",".join(partitions.indices.values())
    es.indices.refresh(index=names)
    health = es.cluster.health(index=names, wait_for_status="green", timeout=timeout)
    if health.get("timed_out"):
        raise RuntimeError(
            f"the new indices did not turn green within {timeout} (status {health['status']});"
            " the aliases were not swapped"
        )


def retired_generations(es: Elasticsearch, prefix: str) -> list[str]:
    """Concrete record and event indices of this installation that no alias points at:
    old generations kept for searches that still read them, or what a rebuild that died
    left behind."""
    patterns = ",".join(f"{prefix}-{kind}-v*" for kind in INDEX_KINDS)
    found = es.indices.get_alias(index=patterns)
    return sorted(name for name, info in found.body.items() if not info["aliases"])


def swap_aliases(es: Elasticsearch, prefix: str, partitions: Partitions) -> list[str]:
    """Point every alias at the new partitions in one atomic call; returns the old
    indices. Old partitions of a level the new generation lacks leave the aliases too."""
    old = [index for kind in INDEX_KINDS for index in _behind(es, type_alias(prefix, kind))]
    actions: list[dict[str, Any]] = []
    if old:
        for index, info in es.indices.get_alias(index=",".join(old)).body.items():
            actions += [{"remove": {"index": index, "alias": name}} for name in info["aliases"]]
    for (kind, level), index in partitions.indices.items():
        actions += _alias_actions(prefix, kind, level, index)
    if actions:
        es.indices.update_aliases(actions=actions)
    return old


def _behind(es: Elasticsearch, alias: str) -> list[str]:
    if not es.indices.exists_alias(name=alias):
        return []
    return sorted(str(index) for index in es.indices.get_alias(name=alias).body)
