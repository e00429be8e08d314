"""Opaque, signed paging cursors: where the last page ended, for which search.

A cursor holds the `search_after` values, the point-in-time id once one is open, and
a hash of the search's parameters. It is signed, so a client can neither forge a
point in time over other indices nor reuse a cursor for another search.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from evidence.errors import InvalidRequest

__all__ = ["Cursor", "decode_cursor", "encode_cursor", "search_key"]


@dataclass(frozen=True)
class Cursor:
    after: list[Any]
    pit: str | None
    offset: int
    search: str


def search_key(params_json: str) -> str:
    """A short hash naming one search (its parameters without the cursor)."""
    return hashlib.sha256(params_json.encode()).hexdigest()[:16]


def _sign(payload: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:32]


def encode_cursor(cursor: Cursor, secret: str) -> str:
    body = {"a": cursor.after, "p": cursor.pit, "o": cursor.offset, "s": cursor.search}
    payload = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload.decode().rstrip('=')}.{_sign(payload.rstrip(b'='), secret)}"


def decode_cursor(token: str, secret: str, search: str) -> Cursor:
    """The cursor, or InvalidRequest when it was altered or belongs to another search."""
    payload, _, signature = token.partition(".")
    if not hmac.compare_digest(_sign(payload.encode(), secret), signature):
        raise InvalidRequest("The cursor is not valid; start the search again.")
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        cursor = Cursor(list(body["a"]), body["p"], int(body["o"]), str(body["s"]))
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidRequest("The cursor is not valid; start the search again.") from error
    if cursor.search != search:
        raise InvalidRequest("The cursor belongs to another search; start this one again.")
    return cursor
