"""Elasticsearch failures, translated once into the project's error tree.

Every module that calls Elasticsearch from the app (the store, users, the audit log)
wraps its calls in `translated()`, so a client exception can never surface as a 500.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import ParamSpec, TypeVar

import elasticsearch

from evidence.errors import N_, IndexUnavailable, InvalidRequest

__all__ = ["CursorExpired", "translated", "translating"]

P = ParamSpec("P")
R = TypeVar("R")


class CursorExpired(Exception):
    """The point in time behind a cursor has been closed or has timed out."""


@asynccontextmanager
async def translated() -> AsyncIterator[None]:
    try:
        yield
    except elasticsearch.NotFoundError as error:
        if error.error == "search_context_missing_exception" or "No search context" in str(error):
            raise CursorExpired from error
        raise IndexUnavailable(
            N_(
                "The evidence index does not exist yet; "
                "load a bundle with `python -m indexer load`."
            )
        ) from error
    except (elasticsearch.ConnectionError, elasticsearch.ConnectionTimeout) as error:
        raise IndexUnavailable(N_("Elasticsearch is unreachable; try again shortly.")) from error
    except elasticsearch.BadRequestError as error:
        why = N_("Elasticsearch refused the query: %(why)s")
        raise InvalidRequest(why, why=error.message) from error
    except (elasticsearch.ApiError, elasticsearch.TransportError) as error:
        why = N_("Elasticsearch could not answer: %(why)s")
        raise IndexUnavailable(why, why=error.message) from error


def translating(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """`translated()` around a whole coroutine function."""

    @functools.wraps(function)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        async with translated():
            return await function(*args, **kwargs)

    return wrapper
