"""The one place where exceptions become HTTP responses.

Expected errors carry a message meant for the caller. Anything else is logged with its
traceback on the server and answered with a plain 500 that reveals nothing. A page a
person asked for (any path outside the JSON API, media and machine routes) is answered
with the HTML error page, never with JSON.

The page is written in the reader's language (`Message.translated`); JSON keeps the
English sentence, which programs may already read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException

from evidence.errors import (
    N_,
    Conflict,
    EvidenceError,
    Forbidden,
    IndexUnavailable,
    InvalidRequest,
    Message,
    NotFound,
    QueueUnavailable,
    SigningUnavailable,
    TooLarge,
    TooManyAttempts,
    Unauthorized,
)
from search_api.headers import NO_STORE, SECURITY_HEADERS
from search_api.locale import translated, use

__all__ = ["install_error_handlers", "problem", "problems", "status_for"]

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
    QueueUnavailable: 503,
    SigningUnavailable: 503,
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
    """The error as the HTML page for a person in their language, as `{"detail": ...}`
    in English for a program."""
    if request.url.path.startswith(_MACHINE_PATHS):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    use(request)  # the handlers run outside the page's context: set the reader's language
    context = {"error": translated(message), "status": status, "caller": None, "csrf": ""}
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request, "error.html", context, status_code=status, headers=headers
    )


async def _evidence_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, EvidenceError)
    status = status_for(error)
    headers = {"Retry-After": "5"} if status == 503 else None
    return _answer(request, error.message, status, headers)


# Parameters as the page's form names them.
_FIELDS = {"date_from": N_("From"), "date_to": N_("To")}

# Pydantic's sentences for the checks a page's parameters have, by kind; its English
# wording stays what programs read, these are what a person reads in their language.
_CHECKS = {
    "int_parsing": N_("should be a whole number"),
    "greater_than_equal": N_("should be at least %(ge)s"),
    "less_than_equal": N_("should be at most %(le)s"),
    "string_too_long": N_("should be at most %(max_length)s characters long"),
    "too_long": N_("should have at most %(max_length)s values"),
    "enum": N_("should be one of %(expected)s"),
    "literal_error": N_("should be one of %(expected)s"),
    "missing": N_("is missing"),
    "extra_forbidden": N_("is not a parameter of this page"),
}


def _wording(item: ErrorDetails) -> Message:
    """Pydantic's message, translatable: ours when a validator raised one of ours."""
    english = item["msg"].removeprefix("Value error, ")
    context = item.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Message):
        return cause.args[0]
    template = _CHECKS.get(item["type"])
    if template is None:
        return Message(english)
    return Message.worded(english, template, context)


def problem(item: ErrorDetails, labels: Mapping[str, str], *, form: bool = False) -> Message:
    """One invalid parameter as `field: what is wrong`, in English for programs and in
    the reader's language on a page, the field by its label there; a form's own
    refusal (`form`) names it by its label in English too."""
    parts = [str(part) for part in item["loc"] if part not in ("query", "path", "body")]
    where = ".".join(parts)
    field = next((part for part in reversed(item["loc"]) if isinstance(part, str)), "")
    label = Message(labels[field]) if field in labels else where
    wording = _wording(item)
    english = f"{label if form else where}: {wording}"
    shown = {"field": label, "problem": wording}
    return Message.worded(english, N_("%(field)s: %(problem)s"), shown)


def problems(
    items: Sequence[ErrorDetails], labels: Mapping[str, str] = _FIELDS, *, form: bool = False
) -> Message:
    """Every invalid parameter, one after another."""
    each = [problem(item, labels, form=form) for item in items]
    if len(each) == 1:
        return each[0]
    keys = [f"p{number}" for number in range(len(each))]
    template = "; ".join(f"%({key})s" for key in keys)
    return Message.worded("; ".join(each), template, dict(zip(keys, each, strict=True)))


async def _invalid_parameters(request: Request, error: Exception) -> Response:
    """A 400 naming each bad parameter, instead of FastAPI's 422 structure."""
    assert isinstance(error, RequestValidationError)
    return _answer(request, problems(error.errors()), 400)


# Routing's own refusals, in Starlette's words.
_ROUTING = {N_("Not Found"), N_("Method Not Allowed")}


async def _http_error(request: Request, error: Exception) -> Response:
    """Routing's own refusals (no such page, wrong method)."""
    assert isinstance(error, HTTPException)
    detail = error.detail
    message = Message(detail) if detail in _ROUTING else str(detail)
    return _answer(request, message, error.status_code, error.headers)


async def _unexpected(request: Request, error: Exception) -> Response:
    """Answered outside every middleware (Starlette's outermost layer sends it), so it
    carries the security headers itself."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    message = Message(N_("Internal error; it has been logged."))
    return _answer(request, message, 500, SECURITY_HEADERS | NO_STORE)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(EvidenceError, _evidence_error)
    app.add_exception_handler(RequestValidationError, _invalid_parameters)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
