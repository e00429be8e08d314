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
    "create_generation",
    "ensure_alias",
    "ensure_plain_index",
    "ensure_registry",
    "load_mapping",
    "plain_index_body",
    "registry_index",
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
    return json.loads(files("mappings").joinpath(f"{name}.json").read_text(encoding="utf-8"))


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


def uploads_index(prefix: str) -> str:
    return f"{prefix}-uploads"


def audit_index(prefix: str) -> str:
    return f"{prefix}-audit"


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


def ensure_registry(es: Elasticsearch, prefix: str) -> str:
    name = registry_index(prefix)
    if not es.indices.exists(index=name):
        es.options(ignore_status=400).indices.create(index=name, **plain_index_body("bundles"))
    return name


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


def create_generation(es: Elasticsearch, prefix: str, record_type: str, generation: str) -> str:
    """Create one concrete index from its mapping file; the caller points aliases at it."""
    name = index_name(prefix, record_type, generation)
    body = load_mapping(record_type)
    es.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
    return name


def ensure_alias(es: Elasticsearch, prefix: str, record_type: str) -> str:
    """The concrete index behind a type's alias, creating a first generation if none."""
    alias = type_alias(prefix, record_type)
    if es.indices.exists_alias(name=alias):
        (name,) = es.indices.get_alias(name=alias).body
        live = es.indices.get_mapping(index=name)[name]["mappings"].get("_meta", {})
        wanted = load_mapping(record_type)["mappings"]["_meta"]
        if live.get("fingerprint") != wanted["fingerprint"]:
            raise MappingOutdated(
                f"{name} was built with other mappings than mappings/ now holds "
                f"(v{live.get('mapping_version')} -> v{wanted['mapping_version']}); "
                "run `python -m indexer rebuild` to rebuild it from its bundles"
            )
        return name
    name = create_generation(es, prefix, record_type, new_generation())
    swap_aliases(es, prefix, {record_type: name})
    return name


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
        actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
        if record_type in RECORD_TYPES:
            actions.append({"add": {"index": new_index, "alias": all_alias(prefix)}})
    es.indices.update_aliases(actions=actions)
    return old
