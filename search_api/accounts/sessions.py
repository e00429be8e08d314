"""Login state kept server-side in `{prefix}-sessions`, so every API process shares it.

`SessionStore`: a signed cookie alone stays valid until it expires, even after logout,
so each session also exists as a document under the SHA-256 of its random id (the id
itself is only in the cookie). Login creates it, logout deletes it, and every request
with a session cookie reads it by id: a cookie replayed after logout is a visitor.

`LoginBackoff`: failed logins counted per (client address, username), never per account
alone or per address alone, so guessing from one place slows down only that place, and
a newsroom behind one address is not locked out by someone trying its usernames from
elsewhere (nor by one colleague's typos on another account).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.errors import N_, Conflict
from evidence.indices import ensure_plain_index, sessions_index
from search_api.accounts.security import Session, backoff_seconds
from search_api.transport import translating

__all__ = ["LoginBackoff", "SessionStore"]

# A row of failures this old is forgotten: the next failure counts from one again.
_FORGET_AFTER_MS = 24 * 3600 * 1000

# How often one API process deletes ended sessions and forgotten back-offs.
_PURGE_EVERY_MS = 3600 * 1000
_PURGE_BATCH, _PURGE_ROUNDS = 1000, 20

# Attempts racing in from several API processes all count: each failure is written only
# if nobody wrote in between (sequence numbers), else it is read and counted again.
_WRITE_ATTEMPTS = 20


def _now_ms(now: float | None) -> int:
    return int((time.time() if now is None else now) * 1000)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class _SessionsIndex:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._index = sessions_index(prefix)
        self._ready = False

    async def _ensure(self) -> None:
        if not self._ready:
            await ensure_plain_index(self._es, self._index, "sessions")
            self._ready = True

    async def _source(self, document_id: str) -> dict[str, Any] | None:
        """One realtime GET by id; None when absent (or no index yet)."""
        response = await self._es.options(ignore_status=404).get(index=self._index, id=document_id)
        return response.body.get("_source") if response.body.get("found") else None

    async def _delete(self, document_id: str) -> None:
        await self._es.options(ignore_status=404).delete(index=self._index, id=document_id)


class SessionStore(_SessionsIndex):
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        super().__init__(es, prefix)
        self._purged_at_ms = 0

    @translating
    async def open(self, session: Session) -> None:
        """Keep the session; at most hourly per process, also delete what has expired."""
        await self._ensure()
        now = _now_ms(None)
        if now - self._purged_at_ms >= _PURGE_EVERY_MS:
            self._purged_at_ms = now
            await self._purge(now)
        await self._es.create(
            index=self._index,
            id=_digest(session.session_id),
            document={
                "kind": "session",
                "username": session.username,
                "created": _now_ms(None),
                "expires": session.expires * 1000,
            },
        )

    async def _purge(self, now: int) -> None:
        """Ended sessions and forgotten back-offs: ignored already, deleted here so that
        the index does not grow with every login and every address ever tried."""
        stale = [
            {
                "bool": {
                    "filter": [{"term": {"kind": "session"}}, {"range": {"expires": {"lt": now}}}]
                }
            },
            {
                "bool": {
                    "filter": [
                        {"term": {"kind": "backoff"}},
                        {"range": {"last_failure": {"lt": now - _FORGET_AFTER_MS}}},
                    ]
                }
            },
        ]
        query = {"bool": {"should": stale, "minimum_should_match": 1}}
        for _ in range(_PURGE_ROUNDS):
            found = await self._es.search(
                index=self._index, query=query, size=_PURGE_BATCH, source=False
            )
            hits = found["hits"]["hits"]
            if hits:
                deletes = [{"delete": {"_index": self._index, "_id": hit["_id"]}} for hit in hits]
                await self._es.bulk(operations=deletes, refresh=True)
            if len(hits) < _PURGE_BATCH:
                return

    @translating
    async def live(self, session: Session, now: float | None = None) -> bool:
        """Whether the session still exists server-side, for the user its cookie names."""
        source = await self._source(_digest(session.session_id))
        return bool(
            source
            and source.get("kind") == "session"
            and source.get("username") == session.username
            and source.get("expires", 0) > _now_ms(now)
        )

    @translating
    async def close(self, session: Session) -> None:
        await self._delete(_digest(session.session_id))


def _client_key(client: str) -> str:
    """An IPv6 client counts by its /64, which one subscriber usually holds whole; else
    trying from each of its addresses in turn would start the count afresh each time."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class LoginBackoff(_SessionsIndex):
    @staticmethod
    def _id(client: str, username: str) -> str:
        return _digest(f"backoff\n{_client_key(client)}\n{username.lower()}")

    @translating
    async def wait_seconds(self, client: str, username: str, now: float | None = None) -> int:
        """How long this address must still wait before trying this username again."""
        source = await self._source(self._id(client, username))
        if not source:
            return 0
        remaining_ms = int(source.get("retry_at", 0)) - _now_ms(now)
        return max(0, math.ceil(remaining_ms / 1000))

    @translating
    async def failed(self, client: str, username: str, now: float | None = None) -> None:
        """Count one more failure in a row and set when the next attempt may come."""
        await self._ensure()
        document_id, at = self._id(client, username), _now_ms(now)
        for _ in range(_WRITE_ATTEMPTS):
            response = await self._es.options(ignore_status=404).get(
                index=self._index, id=document_id
            )
            found = bool(response.body.get("found"))
            source = response.body["_source"] if found else {}
            recent = int(source.get("last_failure", 0)) >= at - _FORGET_AFTER_MS
            failures = int(source.get("failures", 0)) + 1 if recent else 1
            document = {
                "kind": "backoff",
                "failures": failures,
                "last_failure": at,
                "retry_at": at + 1000 * backoff_seconds(failures),
            }
            written = await self._es.options(ignore_status=409).index(
                index=self._index,
                id=document_id,
                document=document,
                **(
                    {
                        "if_seq_no": response.body["_seq_no"],
                        "if_primary_term": response.body["_primary_term"],
                    }
                    if found
                    else {"op_type": "create"}
                ),
            )
            if written.meta.status != 409:
                return
        raise Conflict(N_("Too many logins at once for this user; try again."))

    @translating
    async def succeeded(self, client: str, username: str) -> None:
        """A right password from this address clears its count for this username."""
        await self._delete(self._id(client, username))
