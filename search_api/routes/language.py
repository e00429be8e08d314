"""The language switch in the header: remember the reader's language and digits.

A plain link (no script, no form), so it works everywhere; it changes only how pages are
written, never what they show, so it needs no CSRF token. It sends the reader back to the
page they were on, and only ever to a path on this site.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse

from evidence.errors import N_, Message
from search_api.locale import DIGIT_SYSTEMS, DIGITS_COOKIE, LANG_COOKIE, LANGUAGES

__all__ = ["local_path", "router"]

router = APIRouter(include_in_schema=False)
_A_YEAR = 365 * 24 * 3600


def local_path(target: str | None) -> str:
    """`target` if it is a path on this site, else the home page: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(char) < 0x20 for char in target):
        return "/"
    return target


@router.get("/language/{code}")
async def switch_language(
    request: Request,
    code: str,
    next_page: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
    digits: Annotated[str | None, Query(max_length=8)] = None,
) -> RedirectResponse:
    if code not in LANGUAGES:
        choices = ", ".join(LANGUAGES)
        why = N_("no interface in '%(code)s'; choose one of %(choices)s")
        raise HTTPException(404, Message(why, code=code, choices=choices))
    if digits is not None and digits not in DIGIT_SYSTEMS:
        why = N_("digits must be one of %(choices)s")
        raise HTTPException(422, Message(why, choices=", ".join(DIGIT_SYSTEMS)))
    answer = RedirectResponse(local_path(next_page), status_code=303)
    for name, value in ((LANG_COOKIE, code), (DIGITS_COOKIE, digits)):
        if value:
            answer.set_cookie(
                name,
                value,
                max_age=_A_YEAR,
                samesite="lax",
                httponly=True,
                secure=request.url.scheme == "https",
            )
    return answer
