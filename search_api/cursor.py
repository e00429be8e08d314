"""Opaque paging cursors: where the last page ended, for which search, encrypted.

A cursor holds the `search_after` values of the last hit shown, how many hits came
before the next page, the search it belongs to (`search_key`), optionally who may use
it (`viewer`), and either the id of
its chain of pages (searches keep chain -> point in time on the server) or, for the
plain-index listings, the point-in-time id itself. What page one computed and later
pages only show (the total) rides along, so later pages need not count again.

The whole body is encrypted and authenticated (AES-GCM, a key derived from the app's
secret by HKDF with a purpose label): a shared page-two link reveals no record id and
no point in time, and a client can neither forge nor alter one. Anything that does not
decrypt is a 400 with a message, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from evidence.errors import N_, InvalidRequest

__all__ = ["Cursor", "decode_cursor", "encode_cursor", "new_chain", "search_key"]

# The HKDF label: a key for cursors is useless for anything else signed with the secret.
_PURPOSE = b"caesar-atlas paging cursor v1"
_NONCE_BYTES = 12
_NOT_VALID = N_("The cursor is not valid; start the search again.")


@dataclass(frozen=True)
class Cursor:
    after: list[Any]
    pit: str | None
    offset: int
    search: str
    chain: str | None = None
    total: int | None = None
    viewer: str | None = None


def search_key(params_json: str) -> str:
    """A short hash naming one search (its parameters without the cursor)."""
    return hashlib.sha256(params_json.encode()).hexdigest()[:16]


def new_chain() -> str:
    """A fresh id for a chain of pages: random, so no one can guess another's."""
    return base64.urlsafe_b64encode(os.urandom(9)).decode()


@functools.lru_cache(maxsize=4)
def _cipher(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret.encode()
    )
    return AESGCM(key)


def encode_cursor(cursor: Cursor, secret: str) -> str:
    body = {
        "a": cursor.after,
        "p": cursor.pit,
        "o": cursor.offset,
        "s": cursor.search,
        "c": cursor.chain,
        "t": cursor.total,
        "v": cursor.viewer,
    }
    plain = json.dumps(
        {k: v for k, v in body.items() if v is not None}, separators=(",", ":")
    ).encode()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = nonce + _cipher(secret).encrypt(nonce, plain, _PURPOSE)
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def decode_cursor(token: str, secret: str, search: str) -> Cursor:
    """The cursor, or InvalidRequest when it was altered, is garbage, was made with
    another secret, or belongs to another search."""
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        body = json.loads(_cipher(secret).decrypt(nonce, ciphertext, _PURPOSE))
        cursor = Cursor(
            after=list(body["a"]),
            pit=_optional_str(body.get("p")),
            offset=int(body["o"]),
            search=str(body["s"]),
            chain=_optional_str(body.get("c")),
            total=None if body.get("t") is None else int(body["t"]),
            viewer=_optional_str(body.get("v")),
        )
    except (InvalidTag, binascii.Error, ValueError, KeyError, TypeError) as error:
        raise InvalidRequest(_NOT_VALID) from error
    if cursor.search != search:
        raise InvalidRequest(N_("The cursor belongs to another search; start this one again."))
    return cursor


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
