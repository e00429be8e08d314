"""`python -m search_api`: serve the app, and manage users and API tokens."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
import uvicorn

from evidence.access import AccessContext, Role
from evidence.clients import async_client
from evidence.errors import EvidenceError
from evidence.settings import get_settings
from search_api.accounts.store import UserStore
from search_api.app import create_app
from search_api.audit import Auditor

cli = typer.Typer(
    help=__doc__, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)
users_cli = typer.Typer(help="Accounts and API tokens.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")

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

    async def go() -> T:
        settings = get_settings()
        es = async_client(settings, request_timeout=settings.request_timeout)
        try:
            result = await work(UserStore(es, settings.index_prefix))
            if action:
                auditor = Auditor(es, settings.index_prefix)
                await auditor.record(action, _cli_admin(), "cli", params=dict(audit))
            return result
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
