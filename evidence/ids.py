"""Stable record ids: deterministic, URL-safe, short, and free of names and numbers.

The id is a hash of (collection, record type, local id), so reloading a bundle
addresses the same documents, and nothing sensitive in a local id (a detainee number,
a name) can leak through a URL or a log line.
"""

from __future__ import annotations

import base64
import hashlib
import re

__all__ = ["COLLECTION_ID", "reference_ids", "stable_id"]

# What a collection id may be: it names indices, folders and URLs.
COLLECTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
_TYPE_PREFIX = {"photo": "ph", "testimony": "te", "filing": "fi"}


def stable_id(collection: str, record_type: str, local_id: str) -> str:
    """`ph-` plus 20 base32 characters (100 bits) for a photo, and likewise per type."""
    key = "\x1f".join((collection, record_type, local_id.strip())).encode("utf-8")
    digest = base64.b32encode(hashlib.sha256(key).digest()).decode("ascii").lower()
    return f"{_TYPE_PREFIX[record_type]}-{digest[:20]}"


def reference_ids(reference: str) -> list[str]:
    """The stable ids a `cites` entry can denote: itself, or one per record type."""
    if ":" not in reference:
        return [reference]
    collection, _, local_id = reference.partition(":")
    return [stable_id(collection, kind, local_id) for kind in ("photo", "testimony", "filing")]
