"""Accounts and API tokens, stored in `{prefix}-users`.

The CLI (`python -m search_api users ...`) and the app share these functions. Each
change writes an audit event; a token is printed once and only its hash is kept. A
process remembers the tokens it verified while no revocation has happened anywhere
since (`search_api.accounts.revocations`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.access import Role
from evidence.errors import InvalidRequest, NotFound
from evidence.indices import ensure_plain_index, users_index
from evidence.settings import Settings
from search_api.accounts.revocations import TRUST_SECONDS, NotAnnounced, Revocations
from search_api.accounts.security import (
    DUMMY_PASSWORD_HASH,
    hash_password,
    hash_token,
    new_token,
    verify_password,
)
from search_api.paging import every_hit
from search_api.transport import translating

__all__ = ["User", "UserStore"]

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    disabled: bool
    tokens: tuple[dict[str, Any], ...]


def _user(source: dict[str, Any]) -> User:
    return User(
        username=source["username"],
        role=Role(source["role"]),
        disabled=bool(source.get("disabled")),
        tokens=tuple(source.get("tokens", [])),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# How many verified tokens a process remembers; past it, it forgets them all.
_REMEMBERED = 4096


@dataclass(frozen=True)
class _Verified:
    user: User
    generation: str
    at: float


def _stale(verified: _Verified) -> bool:
    return time.monotonic() - verified.at >= TRUST_SECONDS


class UserStore:
    def __init__(self, es: AsyncElasticsearch, settings: Settings) -> None:
        self._es = es
        self._index = users_index(settings.index_prefix)
        self._revocations = Revocations(settings.redis_url, settings.index_prefix)
        self._verified: dict[str, _Verified] = {}

    async def close(self) -> None:
        await self._revocations.close()

    @translating
    async def _ensure(self) -> None:
        await ensure_plain_index(self._es, self._index, "users")

    @translating
    async def add(self, username: str, role: Role, password: str) -> User:
        if not USERNAME.match(username):
            raise InvalidRequest(f"username must match {USERNAME.pattern}")
        if role is Role.PUBLIC:
            raise InvalidRequest("the public role needs no account")
        if len(password) < 12:
            raise InvalidRequest("passwords need at least 12 characters")
        await self._ensure()
        document = {
            "username": username,
            "role": role.value,
            "password_hash": hash_password(password),
            "disabled": False,
            "created": _now(),
            "tokens": [],
        }
        response = await self._es.options(ignore_status=409).create(
            index=self._index, id=username, document=document, refresh="wait_for"
        )
        if response.meta.status == 409:
            raise InvalidRequest(f"user {username} exists")
        return _user(document)

    async def get(self, username: str) -> User | None:
        source = await self._source(username)
        return _user(source) if source else None

    @translating
    async def _source(self, username: str) -> dict[str, Any] | None:
        response = await self._es.options(ignore_status=404).get(index=self._index, id=username)
        return response.body.get("_source") if response.body.get("found") else None

    @translating
    async def list(self) -> list[User]:
        """Every account, paged through a point in time: a listing is never cut short."""
        await self._ensure()
        body = {"sort": [{"username": "asc"}]}
        return [_user(hit["_source"]) async for hit in every_hit(self._es, self._index, body)]

    @translating
    async def authenticate(self, username: str, password: str) -> User | None:
        """The active user these credentials belong to, else None.

        Every attempt costs one scrypt, in a worker thread (it blocks for tens of ms): an
        unknown or disabled user is checked against a dummy hash, so the time a login
        takes does not tell which usernames exist.
        """
        source = await self._source(username) if USERNAME.match(username) else None
        usable = source is not None and not source.get("disabled")
        stored = source["password_hash"] if source and usable else DUMMY_PASSWORD_HASH
        matches = await asyncio.to_thread(verify_password, password, stored)
        return _user(source) if source and usable and matches else None

    async def by_token(self, token: str) -> User | None:
        """The active user an API token belongs to, if the token is live.

        A token this process verified under the current revocation generation, less than
        `TRUST_SECONDS` ago, needs no search; the generation is read first, so a
        revocation that lands during the search voids what the search found."""
        digest = hash_token(token)
        generation = await self._revocations.generation()
        known = self._verified.get(digest)
        if generation is None:
            self._verified.clear()
        elif known and known.generation == generation and not _stale(known):
            return known.user
        user = await self._search_token(digest)
        if user is not None and generation is not None:
            if len(self._verified) >= _REMEMBERED:
                self._verified.clear()
            self._verified[digest] = _Verified(user, generation, time.monotonic())
        return user

    @translating
    async def _search_token(self, digest: str) -> User | None:
        # A missing index (no users yet) is a 404.
        hits = await self._es.options(ignore_status=404).search(
            index=self._index, query={"term": {"tokens.hash": digest}}, size=1
        )
        for hit in hits.body.get("hits", {}).get("hits", []):
            user = _user(hit["_source"])
            live = any(t["hash"] == digest and not t.get("revoked") for t in user.tokens)
            if live and not user.disabled:
                return user
        return None

    @translating
    async def _update(self, username: str, change: Any) -> dict[str, Any]:
        response = await self._es.options(ignore_status=404).get(index=self._index, id=username)
        if not response.body.get("found"):
            raise NotFound(f"no user {username}")
        source = change(response.body["_source"])
        await self._es.index(
            index=self._index,
            id=username,
            document=source,
            refresh="wait_for",
            if_seq_no=response.body["_seq_no"],
            if_primary_term=response.body["_primary_term"],
        )
        return dict(source)

    async def issue_token(self, username: str) -> tuple[str, str]:
        """(token id, token); the token is returned once and stored only as a hash."""
        token_id, token, digest = new_token()

        def add(source: dict[str, Any]) -> dict[str, Any]:
            entry = {"id": token_id, "hash": digest, "created": _now(), "revoked": False}
            return source | {"tokens": [*source.get("tokens", []), entry]}

        await self._update(username, add)
        return token_id, token

    async def set_role(self, username: str, role: Role) -> None:
        """Give an account another role; every API process acts on it from its next
        request, as after a revocation."""
        if role is Role.PUBLIC:
            raise InvalidRequest("the public role needs no account")
        await self._change_announced(username, lambda source: source | {"role": role.value})

    async def revoke(self, username: str, token_id: str | None = None) -> None:
        """Revoke one token, or disable the account and every token it has; every API
        process refuses it from its next request (the write waits until searches see
        it, then the generation advances)."""

        def change(source: dict[str, Any]) -> dict[str, Any]:
            tokens = [
                t | {"revoked": True} if token_id is None or t["id"] == token_id else t
                for t in source.get("tokens", [])
            ]
            if token_id is not None and not any(t["id"] == token_id for t in tokens):
                raise NotFound(f"user {username} has no token {token_id}")
            return source | {"tokens": tokens, "disabled": source["disabled"] or token_id is None}

        await self._change_announced(username, change)

    async def _change_announced(self, username: str, change: Any) -> None:
        """`_update`, then advance the revocation generation; also when the write failed
        in a way that may have stored it all the same (a timeout, a lost answer): an
        extra advance costs one search a process."""
        try:
            await self._update(username, change)
        except (NotFound, InvalidRequest):
            raise  # nothing was stored
        except BaseException:
            with contextlib.suppress(NotAnnounced):
                await self._revocations.advance()
            raise
        await self._revocations.advance()
