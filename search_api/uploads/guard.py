"""The upload routes' gate: who is asking and how large the body says it is, checked
from the headers before any byte of the body is read or written to disk.

A pure ASGI middleware, because FastAPI parses a multipart body (spooling it to disk)
before any dependency of the route runs. No login is a 401, a role below investigator
a 403; then a missing `Content-Length` is a 411, a malformed one a 400 and one over the
limit (plus room for the multipart framing) a 413. Past the gate the body is counted as
it streams: more bytes than declared, or than the limit, stop the request with a 413.
API callers get a JSON error, people the HTML error page.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from evidence.access import AccessContext, Level
from evidence.errors import EvidenceError
from search_api.audit import Auditor
from search_api.deps import Caller, Identify
from search_api.errors import status_for
from search_api.routes.render import render

__all__ = ["MULTIPART_ALLOWANCE", "UploadGuard"]

API_PATH = "/api/uploads"
PAGE_PATH = "/uploads"
# Room for the multipart framing and the form's other fields around the file.
MULTIPART_ALLOWANCE = 64 * 1024
_DIGITS = re.compile(r"[0-9]{1,19}")


class _BodyTooLarge(Exception):
    """The body outgrew what was declared or allowed while it streamed."""


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _limit(request: Request) -> int:
    limit: int = request.app.state.settings.upload_max_bytes
    return limit


def _too_large(request: Request) -> _Refused:
    return _Refused(413, f"The upload is larger than the limit of {_limit(request)} bytes.")


async def _identified(request: Request) -> AccessContext:
    """The caller, if they may upload at all."""
    identify: Identify = request.app.state.identify
    try:
        access = await identify(request)
    except EvidenceError as error:
        raise _Refused(status_for(error), str(error)) from error
    if access.user is None:
        raise _Refused(401, "Log in as an investigator or admin to upload.")
    if access.role.ceiling < Level.CONFIDENTIAL:
        raise _Refused(403, "Only investigators and admins may upload.")
    return access


def _declared_length(request: Request) -> int:
    declared = request.headers.get("content-length")
    if declared is None:
        raise _Refused(411, "Send the upload with a Content-Length.")
    if not _DIGITS.fullmatch(declared):
        raise _Refused(400, "Content-Length must be a whole number of bytes.")
    if int(declared) > _limit(request) + MULTIPART_ALLOWANCE:
        raise _too_large(request)
    return int(declared)


def _answer(request: Request, access: AccessContext | None, refused: _Refused) -> Response:
    """The refusal as JSON for the API, as the error page for people."""
    if request.url.path.rstrip("/") == API_PATH:
        headers = {"Retry-After": "5"} if refused.status == 503 else None
        return JSONResponse({"detail": refused.message}, refused.status, headers=headers)
    caller = None
    if access is not None:
        auditor: Auditor = request.app.state.auditor
        client = request.client.host if request.client else "unknown"
        caller = Caller(access, client, auditor)
    return render(request, "error.html", {"error": refused.message}, caller, refused.status)


class UploadGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "")).rstrip("/")
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or path not in (API_PATH, PAGE_PATH)
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # headers only: it is given no way to read the body
        access = None
        try:
            access = await _identified(request)
            declared = _declared_length(request)
        except _Refused as refused:
            await _answer(request, access, refused)(scope, receive, send)
            return
        await self._counted(request, access, receive, send, declared)

    async def _counted(
        self, request: Request, access: AccessContext, receive: Receive, send: Send, declared: int
    ) -> None:
        """Run the route, stopping it with a 413 if the body outgrows `declared` or the
        limit; whatever the route would have answered then is dropped."""
        limit = min(declared, _limit(request) + MULTIPART_ALLOWANCE)
        received = 0
        overflowed = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, overflowed
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overflowed = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if overflowed:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(request.scope, counting_receive, guarded_send)
        except Exception:
            if not overflowed:
                raise
        if overflowed and not started:
            await _answer(request, access, _too_large(request))(request.scope, receive, send)
