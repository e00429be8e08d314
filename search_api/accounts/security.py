"""Security primitives, pure and small: password and token hashing, signed session
cookies, and the login rate limiter.

Passwords use scrypt (standard library). API tokens are 256 random bits, so a plain
SHA-256 of the token is enough to store; the token itself is shown once and never
kept. Sessions are HMAC-signed with `EVIDENCE_SECRET_KEY`, as are the CSRF tokens that
every page's forms carry (`search_api.routes.render`, which renders them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

__all__ = [
    "SESSION_COOKIE",
    "LoginLimiter",
    "Session",
    "hash_password",
    "hash_token",
    "new_token",
    "read_session",
    "sign_session",
    "verify_password",
]

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
SESSION_COOKIE = "evidence_session"
SESSION_SECONDS = 8 * 3600


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest)


def new_token() -> tuple[str, str, str]:
    """(token id, token, its hash). The id names a token in lists without revealing it."""
    token_id = secrets.token_hex(4)
    token = f"ev_{token_id}_{secrets.token_urlsafe(32)}"
    return token_id, token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _mac(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:40]


@dataclass(frozen=True)
class Session:
    username: str
    expires: int


def sign_session(username: str, secret: str, now: float | None = None) -> str:
    expires = int((time.time() if now is None else now) + SESSION_SECONDS)
    payload = base64.urlsafe_b64encode(json.dumps([username, expires]).encode()).decode()
    return f"{payload}.{_mac(secret, 'session:' + payload)}"


def read_session(cookie: str | None, secret: str, now: float | None = None) -> Session | None:
    """The session a cookie holds, or None when it is missing, altered or expired."""
    if not cookie or "." not in cookie:
        return None
    payload, _, mac = cookie.rpartition(".")
    if not hmac.compare_digest(_mac(secret, "session:" + payload), mac):
        return None
    try:
        username, expires = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, TypeError):
        return None
    if expires < (time.time() if now is None else now):
        return None
    return Session(str(username), int(expires))


class LoginLimiter:
    """At most `limit` failed logins per client address and per username in `window` s.

    Memory stays flat however many addresses and usernames are tried: a key is dropped
    once its last failure leaves the window, and beyond `max_keys` the keys that failed
    least recently go first (one under attack keeps failing, so it stays).
    """

    def __init__(self, limit: int = 5, window: float = 300.0, max_keys: int = 10_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        # The last `limit` failure times per key (enough to tell whether `limit` fall in
        # the window), keys in the order they last failed: the oldest is always first.
        self._failures: OrderedDict[str, list[float]] = OrderedDict()

    @staticmethod
    def _keys(client: str, username: str) -> tuple[str, str]:
        return f"client:{client}", f"user:{username.lower()}"

    def _forget(self, now: float) -> None:
        """Drop keys whose window has passed, then the oldest beyond `max_keys`."""
        horizon = now - self.window
        while self._failures:
            latest = next(iter(self._failures.values()))[-1]
            if latest >= horizon and len(self._failures) <= self.max_keys:
                return
            self._failures.popitem(last=False)

    def blocked(self, client: str, username: str, now: float | None = None) -> bool:
        at = now if now is not None else time.monotonic()
        self._forget(at)
        horizon = at - self.window
        return any(
            sum(failed_at >= horizon for failed_at in self._failures.get(key, [])) >= self.limit
            for key in self._keys(client, username)
        )

    def failed(self, client: str, username: str, now: float | None = None) -> None:
        at = now if now is not None else time.monotonic()
        for key in self._keys(client, username):
            failures = self._failures.setdefault(key, [])
            failures.append(at)
            del failures[: -self.limit]
            self._failures.move_to_end(key)
        self._forget(at)
