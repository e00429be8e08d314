"""A collection bundle's `collection.yaml` and `persons.yaml`: the parts whose failure
stops the load."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evidence.access import Level
from evidence.ids import COLLECTION_ID
from evidence.yaml_input import ALIASES_REFUSED, YamlAliasRefused, read_bundle_yaml
from indexer.persons import PersonRegistry, PersonsFileError, read_persons

__all__ = ["BundleError", "Collection", "read_collection"]


class BundleError(Exception):
    """The bundle as a whole cannot be read (as opposed to one bad record)."""


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    default_confidentiality: Level
    synthetic: bool
    root: Path
    persons: PersonRegistry = field(default_factory=PersonRegistry)


def read_collection(root: Path) -> Collection:
    path = root / "collection.yaml"
    if not path.is_file():
        raise BundleError(f"{root}: no collection.yaml")
    try:
        meta = read_bundle_yaml(path.read_text(encoding="utf-8"), str(path)) or {}
    except YamlAliasRefused as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise BundleError(f"{path}: {ALIASES_REFUSED} (line {line})") from error
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise BundleError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(meta, dict):
        raise BundleError(f"{path}: expected a mapping of fields")
    collection_id = str(meta.get("id", ""))
    if not COLLECTION_ID.match(collection_id):
        raise BundleError(f"{path}: field id {collection_id!r} must match {COLLECTION_ID.pattern}")
    if not str(meta.get("title", "")).strip():
        raise BundleError(f"{path}: field title is required")
    try:
        level = Level.parse(str(meta.get("default_confidentiality", "restricted")))
    except ValueError as error:
        raise BundleError(f"{path}: field default_confidentiality: {error}") from error
    try:
        persons = read_persons(root, collection_id)
    except PersonsFileError as error:
        raise BundleError(str(error)) from error
    return Collection(
        id=collection_id,
        title=str(meta["title"]),
        default_confidentiality=level,
        synthetic=meta.get("synthetic") is True,
        root=root,
        persons=persons,
    )
