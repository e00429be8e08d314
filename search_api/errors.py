"""The one place where exceptions become HTTP responses.

Expected errors carry a message meant for the caller. Anything else is logged with its
traceback on the server and answered with a plain 500 that reveals nothing. A page a
person asked for (any path outside the JSON API, media and machine routes) is answered
with the HTML error page, never with JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from evidence.errors import (
    Conflict,
    EvidenceError,
    Forbidden,
    IndexUnavailable,
    InvalidRequest,
    NotFound,
    TooLarge,
    TooManyAttempts,
    Unauthorized,
)
from search_api.headers import NO_STORE, SECURITY_HEADERS

__all__ = ["install_error_handlers", "status_for"]

log = logging.getLogger(__name__)

_STATUS: dict[type[EvidenceError], int] = {
    InvalidRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    TooManyAttempts: 429,
    IndexUnavailable: 503,
}


def status_for(error: EvidenceError) -> int:
    for kind, status in _STATUS.items():
        if isinstance(error, kind):
            return status
    return 500


# Paths whose answers are for programs: JSON errors there, HTML everywhere else.
_MACHINE_PATHS = ("/api/", "/media/", "/healthz", "/openapi.json", "/static/")


def _answer(
    request: Request, message: str, status: int, headers: Mapping[str, str] | None = None
) -> Response:
    """The error as the HTML page for a person, as `{"detail": ...}` for a program."""
    if request.url.path.startswith(_MACHINE_PATHS):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    context = {"error": message, "status": status, "caller": None, "csrf": ""}
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request, "error.html", context, status_code=status, headers=headers
    )


async def _evidence_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, EvidenceError)
    status = status_for(error)
    headers = {"Retry-After": "5"} if status == 503 else None
    return _answer(request, str(error), status, headers)


async def _invalid_parameters(request: Request, error: Exception) -> Response:
    """A 400 naming each bad parameter, instead of FastAPI's 422 structure."""
    assert isinstance(error, RequestValidationError)
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"] if part not in ("query", "path", "body"))
        problems.append(f"{where}: {item['msg'].removeprefix('Value error, ')}")
    return _answer(request, "; ".join(problems), 400)


async def _http_error(request: Request, error: Exception) -> Response:
    """Routing's own refusals (no such page, wrong method)."""
    assert isinstance(error, HTTPException)
    return _answer(request, str(error.detail), error.status_code, error.headers)


async def _unexpected(request: Request, error: Exception) -> Response:
    """Answered outside every middleware (Starlette's outermost layer sends it), so it
    carries the security headers itself."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _answer(request, "Internal error; it has been logged.", 500, SECURITY_HEADERS | NO_STORE)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(EvidenceError, _evidence_error)
    app.add_exception_handler(RequestValidationError, _invalid_parameters)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
