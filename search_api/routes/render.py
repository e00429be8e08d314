"""Rendering pages: every template gets the caller and a CSRF token for its forms.

The CSRF token is the signed double of a random cookie (set here when absent), so any
state-changing form can be checked without server-side session state.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from search_api.deps import Caller
from search_api.security import csrf_token

__all__ = ["CSRF_COOKIE", "json_twin", "render"]

CSRF_COOKIE = "evidence_csrf"


def json_twin(path: str, request: Request) -> str:
    """The JSON route that answers what this page shows: same query string."""
    return f"{path}?{request.url.query}" if request.url.query else path


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    caller: Caller | None,
    status: int = 200,
) -> HTMLResponse:
    secret = request.app.state.settings.secret_key.get_secret_value()
    cookie = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    full = context | {"caller": caller, "csrf": csrf_token(cookie, secret)}
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(request, name, full, status_code=status)
    if CSRF_COOKIE not in request.cookies:
        response.set_cookie(
            CSRF_COOKIE,
            cookie,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return response
