"""Rendering pages: every template gets the caller and a CSRF token for its forms.

The CSRF token is the signed double of a random cookie (set here when absent), so any
state-changing form can be checked without server-side session state. It is HMAC-signed
with `EVIDENCE_SECRET_KEY`; every capability's pages check their forms with `valid_csrf`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from evidence.errors import N_, EvidenceError, InvalidRequest
from search_api.deps import Caller
from search_api.errors import status_for

__all__ = [
    "CSRF_COOKIE",
    "csrf_token",
    "error_page",
    "json_twin",
    "render",
    "require_csrf",
    "valid_csrf",
]

CSRF_COOKIE = "evidence_csrf"


def csrf_token(cookie_value: str, secret: str) -> str:
    """The form token that matches a browser's CSRF cookie (double submit, signed)."""
    mac = hmac.new(secret.encode(), f"csrf:{cookie_value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:40]


def valid_csrf(cookie_value: str | None, form_token: str | None, secret: str) -> bool:
    if not cookie_value or not form_token:
        return False
    return hmac.compare_digest(csrf_token(cookie_value, secret), form_token)


def require_csrf(request: Request, form_token: str | None) -> None:
    """Refuse a form that did not come from one of this site's pages (or has expired)."""
    secret = request.app.state.settings.secret_key.get_secret_value()
    if not valid_csrf(request.cookies.get(CSRF_COOKIE), form_token, secret):
        raise InvalidRequest(N_("The form has expired or did not come from this site; reload it."))


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
    full = context | {"caller": caller, "csrf": csrf_token(cookie, secret), "status": status}
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


def error_page(request: Request, error: EvidenceError, caller: Caller | None) -> HTMLResponse:
    """The error page for an expected error, with its status and its message."""
    return render(request, "error.html", {"error": error.message}, caller, status_for(error))
