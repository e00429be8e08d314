"""Login and logout for the web app: a form, a signed HttpOnly session cookie naming a
server-side session, CSRF, and a back-off on failed logins per (address, username).

API clients do not log in: they send `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidence.access import AccessContext
from evidence.errors import N_, Message
from search_api.accounts.security import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    new_session,
    read_session,
    sign_session,
)
from search_api.accounts.sessions import LoginBackoff, SessionStore
from search_api.deps import CallerDep, SettingsDep
from search_api.routes.render import render, require_csrf

router = APIRouter(include_in_schema=False)
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _safe_next(target: str | None) -> str:
    """Only a path on this site, else `/`: never a full URL or `//host`, nor what a
    browser would read as `//host` (it takes `\\` for `/` and drops tabs and newlines),
    nor what becomes one if something on the way decodes it once more."""
    if target and _is_site_path(target) and _is_site_path(unquote(target)):
        return target
    return "/"


def _is_site_path(target: str) -> bool:
    return (
        target.startswith("/")
        and target[1:2] not in {"/", "\\"}
        and not _CONTROL_CHARACTER.search(target)
    )


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, caller: CallerDep, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next)}, caller)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    caller: CallerDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=128)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    require_csrf(request, csrf)
    backoff: LoginBackoff = request.app.state.login_backoff
    wait = await backoff.wait_seconds(caller.client, username)
    if wait:
        await caller.audit("login", user=username, outcome="rate_limited")
        minutes = max(1, round(wait / 60))
        context = {
            "next": _safe_next(next),
            "error": Message(
                N_("Too many failed logins from here; wait about %(minutes)s min and try again."),
                minutes=minutes,
            ),
        }
        refused = render(request, "login.html", context, caller, status=429)
        refused.headers["Retry-After"] = str(wait)
        return refused
    user = await request.app.state.users.authenticate(username, password)
    if user is None:
        await backoff.failed(caller.client, username)
        await caller.audit("login", user=username, outcome="failed")
        context = {"next": _safe_next(next), "error": Message(N_("Wrong username or password."))}
        return render(request, "login.html", context, caller, status=401)
    await backoff.succeeded(caller.client, username)
    await caller.auditor.record("login", AccessContext(user.role, user.username), caller.client)
    session = new_session(user.username)
    sessions: SessionStore = request.app.state.sessions
    await sessions.open(session)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        sign_session(session, settings.secret_key.get_secret_value()),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
async def logout(
    request: Request,
    caller: CallerDep,
    settings: SettingsDep,
    csrf: Annotated[str, Form(max_length=128)],
) -> Response:
    require_csrf(request, csrf)
    await caller.audit("logout")
    session = read_session(
        request.cookies.get(SESSION_COOKIE), settings.secret_key.get_secret_value()
    )
    if session:
        sessions: SessionStore = request.app.state.sessions
        await sessions.close(session)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
