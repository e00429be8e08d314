"""The index contract: names, versions and aliases.

Concrete indices are named `{prefix}-{type}-v{mapping_version}-{generation}` and are
never queried by name. Readers use aliases: `{prefix}-{type}` for one record type and
`{prefix}-records` across all types. A rebuild creates a new generation and swaps the
aliases in one atomic call, so search never sees an empty or half-built index.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from elasticsearch import Elasticsearch

__all__ = [
    "RECORD_TYPES",
    "all_alias",
    "create_generation",
    "ensure_alias",
    "load_mapping",
    "type_alias",
]

RECORD_TYPES: tuple[str, ...] = ("photo",)


@cache
def load_mapping(record_type: str) -> dict[str, Any]:
    """The JSON body for a record type's index, from `mappings/{type}.json`."""
    if record_type not in RECORD_TYPES:
        raise ValueError(f"unknown record type {record_type!r}")
    return json.loads(files("mappings").joinpath(f"{record_type}.json").read_text())


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
        return name
    name = create_generation(es, prefix, record_type, new_generation())
    es.indices.update_aliases(
        actions=[
            {"add": {"index": name, "alias": alias, "is_write_index": True}},
            {"add": {"index": name, "alias": all_alias(prefix)}},
        ]
    )
    return name
