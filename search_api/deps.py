"""Typed dependencies: settings -> store -> caller (who, from where, audited).

Who is asking is the accounts' business (`search_api.accounts.identify`: a Bearer
token, a session cookie, or the public role). `create_app` sets it as
`app.state.identify`, and the caller dependency reads it through `Identify`, its
signature, so the core imports no capability package.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from evidence.access import AccessContext, Role
from evidence.errors import N_, EvidenceError, Forbidden
from evidence.semantic import Encoder, shared_encoder
from evidence.settings import Settings
from search_api.audit import Auditor
from search_api.facets import Tagged
from search_api.store import Store, reader_group

__all__ = [
    "AdminDep",
    "Caller",
    "CallerDep",
    "EncoderDep",
    "Identify",
    "SettingsDep",
    "StoreDep",
    "client_address",
    "tags_for",
]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


# Answers without the site's header: no count of new matches to read for them.
_NO_HEADER = ("/api/", "/media/")


class Unread(Protocol):
    """How many new matches the caller's watched searches hold (`search_api.watches`)."""

    async def __call__(self, access: AccessContext, /) -> int: ...


class TagsOf(Protocol):
    """The caller's tags and the records each marks (`search_api.annotations`)."""

    async def __call__(self, request: Request, caller: Caller, /) -> Tagged: ...


class Identify(Protocol):
    """Who is asking, as an access context; raises `Unauthorized` for a bad credential."""

    async def __call__(self, request: Request, /) -> AccessContext: ...


@dataclass(frozen=True)
class Caller:
    """The access context plus what the audit log needs to say who did what."""

    access: AccessContext
    client: str
    auditor: Auditor

    @property
    def owner(self) -> str:
        """Who the caller is for what is kept per caller (chains of pages, cache shares):
        the user, or a visitor's address."""
        user = self.access.user
        return f"user:{user}" if user else f"address:{self.client}"

    async def audit(self, action: str, **details: Any) -> None:
        await self.auditor.record(action, self.access, self.client, **details)


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_encoder(request: Request) -> Encoder | None:
    """The sentence encoder for semantic queries; None where vectors are turned off."""
    settings: Settings = request.app.state.settings
    return shared_encoder() if settings.vectors else None


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: list[str], proxies: Sequence[Network]) -> str:
    """The client's IP address, for the audit log and the login back-off.

    `X-Forwarded-For` is believed only when the peer is one of `proxies`: then the client
    is its right-most address that is not a trusted proxy (what the outermost trusted
    proxy saw). Anything else, or an entry that is not an IP address, means the peer.
    Whatever a client sends, the answer is an IP address (or `unknown` without a peer).
    """
    peer_address = _address(peer) if peer else None
    if peer_address is None:
        return "unknown"

    def trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in proxies)

    if not trusted(peer_address):
        return str(peer_address)
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return str(peer_address)
        if not trusted(address):
            return str(address)
    return str(peer_address)


async def get_caller(request: Request) -> Caller:
    identify: Identify = request.app.state.identify
    settings: Settings = request.app.state.settings
    client = client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        settings.trusted_proxy_networks,
    )
    identified = Caller(await identify(request), client, request.app.state.auditor)
    secret = settings.secret_key.get_secret_value()
    reader = reader_group(identified.access.user, client, secret)
    caller = replace(identified, access=replace(identified.access, reader=reader))
    request.state.caller = caller
    unread: Unread | None = getattr(request.app.state, "unread", None)
    if unread is not None and caller.access.user and not request.url.path.startswith(_NO_HEADER):
        # The header's count of new matches in the caller's watched searches; a page
        # still renders when it cannot be read.
        try:
            request.state.watch_unread = await unread(caller.access)
        except EvidenceError:
            request.state.watch_unread = None
    return caller


async def tags_for(
    request: Request, caller: Caller, chosen: list[str], aggregating: bool
) -> Tagged | None:
    """The caller's tags for a search that filters by `chosen` tags or counts them
    (`aggregating`, page one); None for a visitor, or when neither is needed. Without
    a tag chosen, tags that cannot be read only leave their facet out."""
    tags_of: TagsOf | None = getattr(request.app.state, "tagged", None)
    if tags_of is None or caller.access.user is None or not (chosen or aggregating):
        return None
    try:
        return await tags_of(request, caller)
    except EvidenceError:
        if chosen:
            raise
        return None


async def get_admin(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    if caller.access.role is not Role.ADMIN:
        raise Forbidden(N_("Only admins may do this."))
    return caller


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
EncoderDep = Annotated[Encoder | None, Depends(get_encoder)]
StoreDep = Annotated[Store, Depends(get_store)]
CallerDep = Annotated[Caller, Depends(get_caller)]
AdminDep = Annotated[Caller, Depends(get_admin)]
