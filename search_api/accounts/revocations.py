"""When an API process may trust a token it verified earlier: a generation counter in Redis.

A revocation (one token, or a whole account disabled) or a change of role advances the
counter once the users index has the change. Every request reads the counter, a tenth
of a millisecond against a millisecond for the token search, and a process trusts a
token it verified only while the counter still reads what it read before verifying. So
a revocation made anywhere (the CLI, another API process, another machine) fails the
very next request in every process, with no message to deliver to each.

When Redis does not answer, nothing is trusted from memory: every request searches the
users index, as with no memory at all, and the memory is emptied. Every generation is
a random 62-bit value, so a counter Redis lost, or one restored from a backup, never
comes back to a value a process may have kept.
"""

from __future__ import annotations

import secrets

from redis import RedisError
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from evidence.errors import N_, QueueUnavailable

__all__ = ["TRUST_SECONDS", "NotAnnounced", "Revocations", "generation_key"]

# The longest a verified token is trusted without a search, even under an unchanged
# generation: the bound when a revocation could not advance the counter.
TRUST_SECONDS = 60.0

NOT_ANNOUNCED = N_(
    "The change is stored, but Redis did not answer, so API processes may act on the "
    "account as it was for up to a minute. Run the command again once Redis answers."
)


def generation_key(prefix: str) -> str:
    """The Redis key of one deployment's revocation generation."""
    return f"{prefix}:accounts-generation"


def _fresh() -> str:
    return str(secrets.randbelow(2**62))


class NotAnnounced(QueueUnavailable):
    """The account changed, but the API processes could not be told at once."""


class Revocations:
    """The counter of one deployment (one index prefix); it connects on first use."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        self._url = redis_url
        self._key = generation_key(prefix)
        self._redis: Redis | None = None

    def _client(self) -> Redis:
        if self._redis is None:
            # No retries and short timeouts: a request waits at most half a second for
            # Redis before it searches the users index instead.
            self._redis = Redis.from_url(
                self._url,
                socket_connect_timeout=0.5,
                socket_timeout=0.5,
                retry=Retry(NoBackoff(), 0),
                decode_responses=True,
            )
        return self._redis

    async def generation(self) -> str | None:
        """The current generation, or None when Redis does not answer."""
        try:
            client = self._client()
            current = await client.get(self._key)
            if current is None:
                await client.set(self._key, _fresh(), nx=True)
                current = await client.get(self._key)
        except RedisError:
            return None
        return (
            None if current is None else current.decode() if isinstance(current, bytes) else current
        )

    async def advance(self) -> None:
        """Void every process's memory of verified tokens, from its next request. Call
        after the users index shows the change: a request that read the old generation
        and then searched before the change stored its answer under the old one."""
        try:
            # A fresh random value, not the next number: a Redis restored from a backup
            # cannot come back to a value some process still holds.
            await self._client().set(self._key, _fresh())
        except RedisError as error:
            raise NotAnnounced(NOT_ANNOUNCED) from error

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
