"""Reading a collection bundle: `collection.yaml` and the photo rows.

Readers yield raw rows with their file and line so that any later rejection can say
exactly where the record came from.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from evidence.access import Level

__all__ = ["BundleError", "Collection", "RawRecord", "read_collection", "read_photo_rows"]

_COLLECTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")


class BundleError(Exception):
    """The bundle as a whole cannot be read (as opposed to one bad record)."""


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    default_confidentiality: Level
    synthetic: bool
    root: Path


@dataclass(frozen=True)
class RawRecord:
    file: str
    line: int
    fields: dict[str, Any]


def read_collection(root: Path) -> Collection:
    path = root / "collection.yaml"
    if not path.is_file():
        raise BundleError(f"{root}: no collection.yaml")
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise BundleError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(meta, dict):
        raise BundleError(f"{path}: expected a mapping of fields")
    collection_id = str(meta.get("id", ""))
    if not _COLLECTION_ID.match(collection_id):
        raise BundleError(f"{path}: field id {collection_id!r} must match {_COLLECTION_ID.pattern}")
    if not str(meta.get("title", "")).strip():
        raise BundleError(f"{path}: field title is required")
    try:
        level = Level.parse(str(meta.get("default_confidentiality", "restricted")))
    except ValueError as error:
        raise BundleError(f"{path}: field default_confidentiality: {error}") from error
    return Collection(
        id=collection_id,
        title=str(meta["title"]),
        default_confidentiality=level,
        synthetic=meta.get("synthetic") is True,
        root=root,
    )


def read_photo_rows(collection: Collection) -> Iterator[RawRecord]:
    """Rows of `photos.csv`; line numbers count the header as line 1."""
    path = collection.root / "photos.csv"
    if not path.is_file():
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield RawRecord(file=path.name, line=reader.line_num, fields=row)
