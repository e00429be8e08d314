"""What a caller reads of a stored record or event.

The index keeps each record's public text with protected names withheld, and the text
as given under `protected.unredacted` (events: `protected.description`). Roles that may
read protected names get the text as given; everyone else gets the withheld text and
never the `protected` part.
"""

from __future__ import annotations

from typing import Any

from evidence.access import AccessContext

__all__ = ["UNREDACTED", "readable_event", "readable_source"]

# Where the text as given is kept; fetched with a hit only for roles that may read it.
UNREDACTED = "protected.unredacted"


def readable_source(source: dict[str, Any], access: AccessContext) -> dict[str, Any]:
    """A record's fields as the caller may read them, without `protected`."""
    readable = {k: v for k, v in source.items() if k != "protected"}
    unredacted = (source.get("protected") or {}).get("unredacted")
    if unredacted and access.sees_protected_fields:
        readable |= unredacted
    return readable


def readable_event(source: dict[str, Any], access: AccessContext) -> dict[str, Any]:
    """An event as the caller may read it: the full description for roles that see
    protected fields, the one with protected names withheld for everyone else."""
    event = {k: v for k, v in source.items() if k != "protected"}
    protected = source.get("protected") or {}
    if access.sees_protected_fields and protected.get("description"):
        event["description"] = protected["description"]
    if access.sees_protected_fields and protected.get("sha256"):
        event["citation"] = event["citation"] | {"sha256": protected["sha256"]}
    return event
