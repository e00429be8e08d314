"""Typed dependencies: settings -> store -> caller (who, from where, audited).

The caller comes from an `Authorization: Bearer` token, else a signed session cookie,
else the public role. A credential that is presented and invalid is a 401, never a
silent fall back to public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from evidence.access import PUBLIC_ACCESS, AccessContext, Role
from evidence.errors import Forbidden, Unauthorized
from evidence.settings import Settings
from search_api.audit import Auditor
from search_api.security import read_session
from search_api.store import Store
from search_api.users import UserStore

__all__ = ["SESSION_COOKIE", "AdminDep", "Caller", "CallerDep", "SettingsDep", "StoreDep"]

SESSION_COOKIE = "evidence_session"


@dataclass(frozen=True)
class Caller:
    """The access context plus what the audit log needs to say who did what."""

    access: AccessContext
    client: str
    auditor: Auditor

    async def audit(self, action: str, **details: Any) -> None:
        await self.auditor.record(action, self.access, self.client, **details)


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def _access(request: Request) -> AccessContext:
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
    if session:
        user = await users.get(session.username)
        if user and not user.disabled:
            return AccessContext(user.role, user.username)
    return PUBLIC_ACCESS


async def get_caller(request: Request) -> Caller:
    client = request.client.host if request.client else "unknown"
    caller = Caller(await _access(request), client, request.app.state.auditor)
    request.state.caller = caller
    return caller


async def get_admin(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    if caller.access.role is not Role.ADMIN:
        raise Forbidden("Only admins may do this.")
    return caller


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
CallerDep = Annotated[Caller, Depends(get_caller)]
AdminDep = Annotated[Caller, Depends(get_admin)]
