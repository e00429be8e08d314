"""The one layer that talks to Elasticsearch.

Every read takes the caller's access context and re-applies the access filter itself,
so no route or builder can forget it. Transport failures become `IndexUnavailable`
here, so callers see one error type whatever the client raised.
"""

from __future__ import annotations

from typing import Any

import elasticsearch
from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext, restrict
from evidence.errors import IndexUnavailable
from evidence.indices import all_alias

__all__ = ["Store"]


class Store:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._records = all_alias(prefix)

    async def search(self, body: dict[str, Any], access: AccessContext | None) -> dict[str, Any]:
        """Search across all record types, only within what `access` may see."""
        secured = {**body, "query": restrict(body.get("query"), access)}
        try:
            response = await self._es.search(index=self._records, **secured)
        except elasticsearch.NotFoundError as error:
            raise IndexUnavailable(
                "The evidence index does not exist yet; "
                "load a bundle with `python -m indexer load`."
            ) from error
        except (elasticsearch.ConnectionError, elasticsearch.ConnectionTimeout) as error:
            raise IndexUnavailable("Elasticsearch is unreachable; try again shortly.") from error
        return response.body
