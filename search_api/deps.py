"""Typed dependencies: settings -> store -> caller (who, from where, audited).

Who is asking is the accounts' business (`search_api.accounts.identify`: a Bearer
token, a session cookie, or the public role). `create_app` sets it as
`app.state.identify`, and the caller dependency reads it through `Identify`, its
signature, so the core imports no capability package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from evidence.access import AccessContext, Role
from evidence.errors import Forbidden
from evidence.settings import Settings
from search_api.audit import Auditor
from search_api.store import Store

__all__ = ["AdminDep", "Caller", "CallerDep", "Identify", "SettingsDep", "StoreDep"]


class Identify(Protocol):
    """Who is asking, as an access context; raises `Unauthorized` for a bad credential."""

    async def __call__(self, request: Request, /) -> AccessContext: ...


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


async def get_caller(request: Request) -> Caller:
    identify: Identify = request.app.state.identify
    client = request.client.host if request.client else "unknown"
    caller = Caller(await identify(request), client, request.app.state.auditor)
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
