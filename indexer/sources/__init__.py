"""Readers for the parts of a bundle. Each yields raw records or rejections, in order.

A reader never raises for one bad record: what it cannot read becomes a `Rejection`
with the file and line, and reading goes on with the next record.
"""

from __future__ import annotations

from collections.abc import Iterator

from indexer.bundle import Collection
from indexer.report import Rejection
from indexer.sources.base import RawRecord
from indexer.sources.documents import read_documents
from indexer.sources.photos import read_photos

__all__ = ["RawRecord", "read_records"]


def read_records(collection: Collection, record_type: str) -> Iterator[RawRecord | Rejection]:
    """Every record of one type in a bundle, in file order."""
    if record_type == "photo":
        return read_photos(collection.root)
    return read_documents(collection.root, record_type)
