"""Who is asking: an `Authorization: Bearer` token, else a signed session cookie whose
session still exists server-side (not logged out), else the public role.

A credential that is presented and invalid is a 401, never a silent fall back to public.
`search_api.app` sets `identify` as `app.state.identify`, where the core's caller
dependency (`search_api.deps`) finds it knowing only its signature.
"""

from __future__ import annotations

from fastapi import Request

from evidence.access import PUBLIC_ACCESS, AccessContext
from evidence.errors import Unauthorized
from search_api.accounts.security import SESSION_COOKIE, read_session
from search_api.accounts.sessions import SessionStore
from search_api.accounts.store import UserStore

__all__ = ["identify"]


async def identify(request: Request) -> AccessContext:
    users: UserStore = request.app.state.users
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        user = await users.by_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise Unauthorized("The token is not valid or has been revoked.")
        return AccessContext(user.role, user.username)
    secret = request.app.state.settings.secret_key.get_secret_value()
    session = read_session(request.cookies.get(SESSION_COOKIE), secret)
    sessions: SessionStore = request.app.state.sessions
    if session and await sessions.live(session):
        user = await users.get(session.username)
        if user and not user.disabled:
            return AccessContext(user.role, user.username)
    return PUBLIC_ACCESS
