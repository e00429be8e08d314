"""The redaction reviews `indexer.review` keeps in `{prefix}-redactions`, read for admins.

They name protected people and their protected values, so every read takes the caller's
access and refuses anyone but an admin, whatever route asked: the same refusal the
admin routes give.
"""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext, Role
from evidence.errors import N_, Forbidden, NotFound
from evidence.indices import redactions_index
from search_api.paging import every_hit
from search_api.transport import translating

__all__ = ["ONLY_ADMINS", "RedactionStore"]

ONLY_ADMINS = N_("Only admins may do this.")
# Rows and changed rows stay out of the listing: it gives counts.
_DETAIL = [
    "rows",
    "changes.newly_withheld",
    "changes.no_longer_withheld",
    "changes.near_misses_withheld",
    "changes.new_near_misses",
    "changes.near_misses_gone",
]
# Where the bundle lies on the server is no part of any answer.
_INTERNAL = ["path"]


def _require_admin(access: AccessContext) -> None:
    if access.role is not Role.ADMIN:
        raise Forbidden(ONLY_ADMINS)


class RedactionStore:
    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._index = redactions_index(prefix)

    @translating
    async def list(self, access: AccessContext, collection: str | None) -> list[dict[str, Any]]:
        """Every bundle's review in counts (of one collection, if named), latest first."""
        _require_admin(access)
        if not await self._es.indices.exists(index=self._index):
            return []
        body = {
            "query": {"term": {"collection": collection}} if collection else {"match_all": {}},
            "sort": [{"loaded_at": "desc"}],
            "_source": {"excludes": [*_DETAIL, *_INTERNAL]},
        }
        return [
            hit["_source"] | {"id": hit["_id"]}
            async for hit in every_hit(self._es, self._index, body)
        ]

    @translating
    async def get(self, access: AccessContext, bundle_id: str) -> dict[str, Any]:
        """One bundle's review with its rows and changes, or NotFound."""
        _require_admin(access)
        response = await self._es.options(ignore_status=404).get(
            index=self._index, id=bundle_id, source_excludes=_INTERNAL
        )
        if not response.body.get("found"):
            raise NotFound(N_("No redaction review %(id)s."), id=bundle_id)
        source: dict[str, Any] = response.body["_source"]
        return source | {"id": bundle_id}
