"""The index contract: names, versions and aliases.

Concrete indices are named `{prefix}-{type}-v{mapping_version}-{generation}` and are
never queried by name. Readers use aliases: `{prefix}-{type}` for one record type and
`{prefix}-records` across all types. A rebuild creates a new generation and swaps the
aliases in one atomic call, so search never sees an empty or half-built index.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch

__all__ = [
    "INDEX_KINDS",
    "RECORD_TYPES",
    "MappingOutdated",
    "all_alias",
    "audit_index",
    "chronologies_index",
    "collections_index",
    "create_generation",
    "ensure_alias",
    "ensure_plain_index",
    "ensure_plain_index_sync",
    "ensure_registry",
    "finish_bulk_load",
    "load_mapping",
    "locks_index",
    "plain_index_body",
    "registry_index",
    "retired_generations",
    "swap_aliases",
    "type_alias",
    "uploads_index",
    "users_index",
]

RECORD_TYPES: tuple[str, ...] = ("photo", "testimony", "filing")
# Every versioned index kind; `event` holds timeline events and stays out of `records`.
INDEX_KINDS: tuple[str, ...] = (*RECORD_TYPES, "event")


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


def users_index(prefix: str) -> str:
    return f"{prefix}-users"


def chronologies_index(prefix: str) -> str:
    return f"{prefix}-chronologies"


def collections_index(prefix: str) -> str:
    """Who owns each collection created by an upload, and who else may upload to it."""
    return f"{prefix}-collections"


def uploads_index(prefix: str) -> str:
    return f"{prefix}-uploads"


def audit_index(prefix: str) -> str:
    return f"{prefix}-audit"


def locks_index(prefix: str) -> str:
    """Leases that keep loads and rebuilds of one installation apart."""
    return f"{prefix}-locks"


def plain_index_body(name: str) -> dict[str, Any]:
    """Settings and strict mappings of a non-record index (`bundles`, `users`, `audit`)."""
    body = _read(name)
    return {
        "settings": body["settings"],
        "mappings": {"dynamic": "strict", "properties": body["properties"]},
    }


async def ensure_plain_index(es: AsyncElasticsearch, name: str, kind: str) -> None:
    """Create the non-record index `name` from `mappings/{kind}.json` unless it exists;
    a concurrent creation (400) is fine."""
    if not await es.indices.exists(index=name):
        await es.options(ignore_status=400).indices.create(index=name, **plain_index_body(kind))


def ensure_plain_index_sync(es: Elasticsearch, name: str, kind: str) -> str:
    """`ensure_plain_index` for the indexer's synchronous client; returns `name`."""
    if not es.indices.exists(index=name):
        es.options(ignore_status=400).indices.create(index=name, **plain_index_body(kind))
    return name


def ensure_registry(es: Elasticsearch, prefix: str) -> str:
    return ensure_plain_index_sync(es, registry_index(prefix), "bundles")


def mapping_version(record_type: str) -> int:
    return int(load_mapping(record_type)["mappings"]["_meta"]["mapping_version"])


def type_alias(prefix: str, record_type: str) -> str:
    return f"{prefix}-{record_type}"


def all_alias(prefix: str) -> str:
    return f"{prefix}-records"


def index_name(prefix: str, record_type: str, generation: str) -> str:
    return f"{prefix}-{record_type}-v{mapping_version(record_type)}-{generation}"


def new_generation() -> str:
    """A sortable, unique-enough suffix for a fresh set of indices."""
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")


# The first generation of an installation has a fixed name, so two first loads that
# race create the same index instead of two indices behind one alias.
FIRST_GENERATION = "0"
# While a generation is bulk-loaded nobody searches it: no refreshes and no replicas
# make the load cheaper. `finish_bulk_load` restores what the mapping file says.
_BULK_LOAD_SETTINGS = {"refresh_interval": "-1", "auto_expand_replicas": False}


def create_generation(
    es: Elasticsearch, prefix: str, record_type: str, generation: str, *, bulk_load: bool = False
) -> str:
    """Create one concrete index from its mapping file; the caller points aliases at it.
    With `bulk_load`, it is created for a bulk load that `finish_bulk_load` ends."""
    name = index_name(prefix, record_type, generation)
    body = load_mapping(record_type)
    settings = body["settings"]
    if bulk_load:
        settings = {**settings, **_BULK_LOAD_SETTINGS, "number_of_replicas": 0}
    es.indices.create(index=name, settings=settings, mappings=body["mappings"])
    return name


def finish_bulk_load(es: Elasticsearch, indices: dict[str, str], timeout: str = "5m") -> None:
    """Give bulk-loaded indices their live settings back (`indices`: type -> index), make
    everything searchable, and wait until their replicas are placed (green)."""
    for record_type, index in indices.items():
        live = load_mapping(record_type)["settings"]
        es.indices.put_settings(
            index=index,
            settings={
                "refresh_interval": live.get("refresh_interval"),
                "auto_expand_replicas": live.get("auto_expand_replicas", False),
            },
        )
    names = ",".join(indices.values())
    es.indices.refresh(index=names)
    health = es.cluster.health(index=names, wait_for_status="green", timeout=timeout)
    if health.get("timed_out"):
        raise RuntimeError(
            f"the new indices did not turn green within {timeout} (status {health['status']});"
            " the aliases were not swapped"
        )


def ensure_alias(es: Elasticsearch, prefix: str, record_type: str) -> str:
    """The concrete index behind a type's alias, creating the first generation if none."""
    alias = type_alias(prefix, record_type)
    if not es.indices.exists_alias(name=alias):
        first = index_name(prefix, record_type, FIRST_GENERATION)
        body = load_mapping(record_type)
        # Another first load may have just created it (400): the same index, so fine.
        es.options(ignore_status=400).indices.create(
            index=first, settings=body["settings"], mappings=body["mappings"]
        )
        # Adding the same index to the same aliases twice is harmless.
        es.indices.update_aliases(actions=_alias_actions(prefix, record_type, first))
    (name,) = (str(index) for index in es.indices.get_alias(name=alias).body)
    live = es.indices.get_mapping(index=name)[name]["mappings"].get("_meta", {})
    wanted = load_mapping(record_type)["mappings"]["_meta"]
    if live.get("fingerprint") != wanted["fingerprint"]:
        raise MappingOutdated(
            f"{name} was built with other mappings than mappings/ now holds "
            f"(v{live.get('mapping_version')} -> v{wanted['mapping_version']}); "
            "run `python -m indexer rebuild` to rebuild it from its bundles"
        )
    return name


def retired_generations(es: Elasticsearch, prefix: str) -> list[str]:
    """Concrete record and event indices of this installation that no alias points at:
    old generations kept for searches that still read them, or what a rebuild that died
    left behind."""
    patterns = ",".join(f"{prefix}-{kind}-v*" for kind in INDEX_KINDS)
    found = es.indices.get_alias(index=patterns)
    return sorted(name for name, info in found.body.items() if not info["aliases"])


def _alias_actions(prefix: str, record_type: str, index: str) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = [
        {"add": {"index": index, "alias": type_alias(prefix, record_type), "is_write_index": True}}
    ]
    if record_type in RECORD_TYPES:
        actions.append({"add": {"index": index, "alias": all_alias(prefix)}})
    return actions


def swap_aliases(es: Elasticsearch, prefix: str, new_indices: dict[str, str]) -> list[str]:
    """Point every alias at the new indices in one atomic call; returns the old indices."""
    actions: list[dict[str, Any]] = []
    old: list[str] = []
    for record_type, new_index in new_indices.items():
        alias = type_alias(prefix, record_type)
        if es.indices.exists_alias(name=alias):
            for index in es.indices.get_alias(name=alias).body:
                old.append(index)
                for name in (alias, all_alias(prefix)):
                    actions.append({"remove": {"index": index, "alias": name, "must_exist": False}})
        actions += _alias_actions(prefix, record_type, new_index)
    es.indices.update_aliases(actions=actions)
    return old
