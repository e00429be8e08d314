"""Security headers on every answer, as a pure ASGI middleware.

Pages carry no inline script or event handler (`frontend/static` holds any script), so
the policy allows scripts from this site only. What an answer shows depends on who
asks, so nothing but the static assets may be kept by a browser or a shared cache.
A route that needs a narrower policy for one document (the printable chronology, a
standalone file with its own inline style) sets its own `Content-Security-Policy`.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["NO_STORE", "SECURITY_HEADERS", "SecurityHeaders"]

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
NO_STORE = {"Cache-Control": "no-store"}
_CACHEABLE_PREFIX = "/static/"
_POLICY = "Content-Security-Policy"


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` (a route's own CSP wins) and `Cache-Control: no-store`
    to every HTTP answer but the static assets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(_CACHEABLE_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value if name != _POLICY else headers.get(name, value)
                if not cacheable and "no-store" not in headers.get("Cache-Control", ""):
                    headers["Cache-Control"] = NO_STORE["Cache-Control"]
                if not cacheable:  # pages are written in the reader's language
                    headers.add_vary_header("Accept-Language, Cookie")
            await send(message)

        await self.app(scope, receive, send_with_headers)
