"""Security primitives, pure and small: password and token hashing, signed session
cookies, and how long failed logins make the next attempt wait.

Passwords use scrypt (standard library). API tokens are 256 random bits, so a plain
SHA-256 of the token is enough to store; the token itself is shown once and never
kept. Session cookies are HMAC-signed with `EVIDENCE_SECRET_KEY`, as are the CSRF
tokens that every page's forms carry (`search_api.routes.render`, which renders them);
a session cookie also names a random session id that must still exist server-side
(`search_api.accounts.sessions`), so logging out ends it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

__all__ = [
    "DUMMY_PASSWORD_HASH",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "Session",
    "backoff_seconds",
    "hash_password",
    "hash_token",
    "new_session",
    "new_token",
    "read_session",
    "sign_session",
    "verify_password",
]

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
SESSION_COOKIE = "evidence_session"
SESSION_SECONDS = 8 * 3600
# The hash of a random password nobody knows, with the same scrypt parameters as every
# account's: a login for an unknown or disabled user verifies against it, so it costs
# exactly the work a known user's does and its timing does not tell the two apart.
DUMMY_PASSWORD_HASH = (
    "scrypt$26c088b56575073143a1c2f347d97218"
    "$4da266bc66e31072c64206c0cb134c8262c9b8fe2e44b1b495181627a6c7bcda"
)
# The failed login of one (address, username) in a row that brings the first wait; each
# further failure doubles it, up to the longest.
FIRST_WAITING_FAILURE = 5
FIRST_WAIT_SECONDS = 30
LONGEST_WAIT_SECONDS = 3600


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
    session_id: str
    expires: int


def new_session(username: str, now: float | None = None) -> Session:
    """A session for `username` under a fresh random id, ending `SESSION_SECONDS` on."""
    expires = int((time.time() if now is None else now) + SESSION_SECONDS)
    return Session(username, secrets.token_urlsafe(32), expires)


def sign_session(session: Session, secret: str) -> str:
    data = json.dumps([session.username, session.session_id, session.expires]).encode()
    payload = base64.urlsafe_b64encode(data).decode()
    return f"{payload}.{_mac(secret, 'session:' + payload)}"


def read_session(cookie: str | None, secret: str, now: float | None = None) -> Session | None:
    """The session a cookie holds, or None when it is missing, altered or expired."""
    if not cookie or "." not in cookie:
        return None
    payload, _, mac = cookie.rpartition(".")
    if not hmac.compare_digest(_mac(secret, "session:" + payload), mac):
        return None
    try:
        username, session_id, expires = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, TypeError):
        return None
    if expires < (time.time() if now is None else now):
        return None
    return Session(str(username), str(session_id), int(expires))


def backoff_seconds(failures: int) -> int:
    """How long one (address, username) waits after its `failures`-th failed login in a
    row: nothing for the first four, then 30 s doubling up to an hour. Slow enough to
    stop guessing, short enough that a colleague's typos do not lock them out for long."""
    if failures < FIRST_WAITING_FAILURE:
        return 0
    doublings = min(failures - FIRST_WAITING_FAILURE, 16)
    wait: int = FIRST_WAIT_SECONDS << doublings
    return min(LONGEST_WAIT_SECONDS, wait)
