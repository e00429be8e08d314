"""`python -m search_api`: serve the app, manage users and API tokens, who may upload
to which collection, teams, and the keys that sign court packages."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
import uvicorn
from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext, Role
from evidence.clients import async_client
from evidence.errors import EvidenceError, InvalidRequest, NotFound
from evidence.settings import Settings, get_settings
from evidence.signing import KeyRing, PublicKey
from search_api.accounts.revocations import NotAnnounced
from search_api.accounts.store import UserStore
from search_api.audit import Auditor
from search_api.collections.store import CollectionStore
from search_api.deps import Caller
from search_api.teams.models import team_role
from search_api.teams.service import TeamService
from search_api.teams.store import TeamStore

cli = typer.Typer(
    help=__doc__, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)
users_cli = typer.Typer(help="Accounts and API tokens.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
collections_cli = typer.Typer(help="Who may upload to which collection.", no_args_is_help=True)
cli.add_typer(collections_cli, name="collections")
teams_cli = typer.Typer(help="Teams that share chronologies.", no_args_is_help=True)
cli.add_typer(teams_cli, name="teams")
keys_cli = typer.Typer(help="The keys that sign court packages.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")

T = TypeVar("T")


def _cli_admin() -> AccessContext:
    """Whom the audit log names for a change made here: the OS account running the CLI.

    Asked when a command runs, not on import. A container's uid often has no passwd
    entry, and then `getuser` raises (KeyError before Python 3.13, OSError since)."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = f"uid-{os.getuid()}"
    return AccessContext(Role.ADMIN, f"cli:{account}")


def _run(action: str, work: Callable[[UserStore], Awaitable[T]], **audit: object) -> T:
    """Run one user-store change with an audit event; errors become a message and exit 1."""
    return _run_with_collections(action, lambda users, _: work(users), **audit)


def _run_with_collections(
    action: str,
    work: Callable[[UserStore, CollectionStore], Awaitable[T]],
    **audit: object,
) -> T:
    """`_run` for work that also reads or changes who may upload to collections."""

    async def go(es: AsyncElasticsearch, settings: Settings) -> T:
        prefix = settings.index_prefix
        users = UserStore(es, settings)

        async def record() -> None:
            if action:
                await Auditor(es, prefix).record(action, _cli_admin(), "cli", params=dict(audit))

        try:
            result = await work(users, CollectionStore(es, prefix))
        except NotAnnounced:
            await record()  # stored all the same: the log must say so
            raise
        finally:
            await users.close()
        await record()
        return result

    return _with_client(go)


def _with_client(work: Callable[[AsyncElasticsearch, Settings], Awaitable[T]]) -> T:
    """Run `work` with a client of the configured node and the settings; errors become a
    message and exit 1."""

    async def go() -> T:
        settings = get_settings()
        es = async_client(settings, request_timeout=settings.request_timeout)
        try:
            return await work(es, settings)
        finally:
            await es.close()

    try:
        return asyncio.run(go())
    except EvidenceError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error


@cli.command("serve")
def serve() -> None:
    """Serve the web app and the JSON API."""
    # Imported here: building the app's routes takes most of a second and a half, which
    # every other command (users, teams, keys) would pay for nothing.
    from search_api.app import create_app

    settings = get_settings()
    # The app alone decides whose X-Forwarded-For to believe (EVIDENCE_TRUSTED_PROXIES);
    # uvicorn's own handling would believe any loopback peer, and take any string.
    if settings.api_workers == 1:
        uvicorn.run(
            create_app(settings),
            host=settings.api_host,
            port=settings.api_port,
            proxy_headers=False,
        )
        return
    # Several processes, each building the app from the same environment.
    uvicorn.run(
        "search_api.app:create_app",
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        workers=settings.api_workers,
        proxy_headers=False,
    )


@users_cli.command("add")
def add(
    username: str,
    role: Annotated[Role, typer.Option(help="journalist, investigator or admin.")],
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Create an account; the password is asked for (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _run(
        "admin.user_add",
        lambda store: store.add(username, role, password),
        username=username,
        role=role.value,
    )
    typer.echo(f"added {user.username} ({user.role.value})")


@users_cli.command("list")
def list_users() -> None:
    """Accounts, roles, and their tokens (ids only)."""
    for user in _run("", lambda store: store.list()):
        live = [t["id"] for t in user.tokens if not t.get("revoked")]
        state = "disabled" if user.disabled else "active"
        typer.echo(f"{user.username}\t{user.role.value}\t{state}\ttokens: {', '.join(live) or '-'}")


@users_cli.command("token")
def token(username: str) -> None:
    """Issue an API token. It is printed once; only its hash is stored."""
    token_id, value = _run(
        "admin.token_issue", lambda store: store.issue_token(username), username=username
    )
    typer.echo(f"token {token_id} for {username} (shown once):\n{value}")


@users_cli.command("role")
def set_role(
    username: str,
    role: Annotated[Role, typer.Option(help="journalist, investigator or admin.")],
) -> None:
    """Give an account another role, from the next request on."""
    _run(
        "admin.role_change",
        lambda store: store.set_role(username, role),
        username=username,
        role=role.value,
    )
    typer.echo(f"{username} is now {role.value}")


@users_cli.command("revoke")
def revoke(
    username: str,
    token_id: Annotated[str | None, typer.Option("--token", help="Revoke only this token.")] = None,
) -> None:
    """Revoke one token, or disable the account and all its tokens."""
    _run(
        "admin.revoke",
        lambda store: store.revoke(username, token_id),
        username=username,
        token=token_id,
    )
    typer.echo(f"revoked {'token ' + token_id if token_id else 'account'} of {username}")


@collections_cli.command("grant")
def grant(collection: str, username: str) -> None:
    """Let an investigator or admin upload to a collection (admins already may)."""

    async def work(users: UserStore, collections: CollectionStore) -> bool:
        user = await users.get(username)
        if user is None:
            raise NotFound(f"No account {username}.")
        if user.role.ceiling < Role.INVESTIGATOR.ceiling:
            raise InvalidRequest(f"{username} is a {user.role.value}; only investigators upload.")
        return await collections.grant(collection, username)

    granted = _run_with_collections(
        "admin.collection_grant", work, collection=collection, username=username
    )
    typer.echo(f"{username} {'may now' if granted else 'already may'} upload to {collection}")


@collections_cli.command("revoke")
def revoke_upload(collection: str, username: str) -> None:
    """Take the right to upload to a collection from its owner or a granted account."""
    _run_with_collections(
        "admin.collection_revoke",
        lambda _, collections: collections.revoke(collection, username),
        collection=collection,
        username=username,
    )
    typer.echo(f"{username} may no longer upload to {collection}")


@collections_cli.command("list")
def list_collections() -> None:
    """Collections created by uploads or granted, with owner and granted accounts.
    Collections loaded only by `python -m indexer load` are not listed: admins own them."""
    for entry in _run_with_collections("", lambda _, collections: collections.list()):
        owner = entry.get("owner") or "(admins)"
        writers = ", ".join(entry.get("writers") or []) or "-"
        typer.echo(f"{entry['collection']}\towner: {owner}\tgranted: {writers}")


def _teams(work: Callable[[TeamService], Awaitable[T]]) -> T:
    """Run one team operation as the CLI's admin; the service audits it."""

    async def go(es: AsyncElasticsearch, settings: Settings) -> T:
        prefix = settings.index_prefix
        caller = Caller(_cli_admin(), "cli", Auditor(es, prefix))
        return await work(TeamService(TeamStore(es, prefix), UserStore(es, settings), caller))

    return _with_client(go)


@teams_cli.command("create")
def create_team(team_id: str, name: str) -> None:
    """Create a team: an id (lower-case letters, digits, hyphens) and a name."""
    team = _teams(lambda teams: teams.create(team_id, name))
    typer.echo(f"created team {team.id} ({team.name})")


@teams_cli.command("add")
def add_member(
    team_id: str,
    username: str,
    role: Annotated[str, typer.Option(help="viewer or editor.")] = "viewer",
) -> None:
    """Add an account to a team, or change its role there."""
    _teams(lambda teams: teams.set_member(team_id, username, team_role(role)))
    typer.echo(f"{username} is in {team_id} as {role}")


@teams_cli.command("remove")
def remove_member(team_id: str, username: str) -> None:
    """Take an account out of a team."""
    _teams(lambda teams: teams.remove_member(team_id, username))
    typer.echo(f"{username} is no longer in {team_id}")


@teams_cli.command("list")
def list_teams() -> None:
    """Every team with its members and their roles."""
    for team in _teams(lambda teams: teams.mine()):
        members = ", ".join(f"{m.username} ({m.role})" for m in team.members) or "-"
        typer.echo(f"{team.id}\t{team.name}\tmembers: {members}")


@teams_cli.command("delete")
def delete_team(team_id: str) -> None:
    """Delete a team; what was shared with it is its owners' alone again."""
    _teams(lambda teams: teams.delete(team_id))
    typer.echo(f"deleted team {team_id}")


def _key_line(key: PublicKey) -> str:
    until = key.valid_until or "current"
    return f"{key.fingerprint}\tfrom {key.valid_from}\tuntil {until}"


def _ring() -> KeyRing:
    return KeyRing(get_settings().signing_keys_dir)


def _changed_ring(change: Callable[[KeyRing], PublicKey]) -> PublicKey:
    try:
        return change(_ring())
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error


@keys_cli.command("init")
def init_keys() -> None:
    """Make the instance's first signing key (EVIDENCE_SIGNING_KEYS_DIR, mode 0600)."""
    key = _changed_ring(KeyRing.init)
    typer.echo(f"made signing key {key.fingerprint} in {_ring().directory}")


@keys_cli.command("rotate")
def rotate_keys() -> None:
    """Sign with a new key from now on; the old one stays published to verify old packages,
    and its private half is deleted."""
    typer.echo(f"now signing with {_changed_ring(KeyRing.rotate).fingerprint}")


@keys_cli.command("list")
def list_keys() -> None:
    """Every key, oldest first, with when it signed."""
    for key in _ring().published():
        typer.echo(_key_line(key))
