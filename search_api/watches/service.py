"""Watched-search operations for the caller: save a search, see what is new in each,
open one (its new matches first), delete one. Counts are made live, with the caller's
access now, in one `_msearch`; the header's count comes from the evaluation job."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic import ValidationError

from evidence.errors import N_, InvalidRequest
from search_api.deps import Caller
from search_api.params import Mode, SearchParams
from search_api.query import build_search
from search_api.store import Store
from search_api.urls import query_string
from search_api.watches.models import WatchOut
from search_api.watches.store import WatchStore

__all__ = ["MAX_WATCHES", "WatchService", "count_body", "watch_params"]

MAX_WATCHES = 100
# What a watch does not keep of the search it was saved from: its page, its order and
# its moment; a watch counts by words (`docs/search.md` says why).
_NOT_KEPT = {"cursor", "since", "size", "more", "sort", "mode"}


def watch_params(query: str, since: str | datetime | None = None) -> SearchParams:
    """The watched search, by words, with only what is new `since` if given."""
    pairs: dict[str, Any] = {}
    for key, value in parse_qsl(query.lstrip("?")):
        if key in _NOT_KEPT or not value:
            continue
        pairs.setdefault(key, [])
        pairs[key].append(value)
    single = {"q", "date_from", "date_to", "ocr_below"}
    fields = {k: (v[-1] if k in single else v) for k, v in pairs.items()}
    return SearchParams.model_validate(fields | {"mode": Mode.KEYWORD, "since": since})


def count_body(params: SearchParams, access: Any) -> dict[str, Any]:
    """How many records the search matches, and nothing else."""
    return build_search(params, access, with_aggregations=False) | {"size": 0, "_source": False}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _search_url(params: SearchParams) -> str:
    return "/" + query_string(params)


class WatchService:
    def __init__(self, store: Store, watches: WatchStore, caller: Caller, webhooks: bool) -> None:
        self._store = store
        self._watches = watches
        self._caller = caller
        self._webhooks = webhooks

    async def create(self, name: str, search: str, webhook: str | None) -> WatchOut:
        """Save `search` (a search page's address or its query string) as a watch."""
        access = self._caller.access
        owner = self._watches.require_user(access)
        query = urlsplit(search).query or search
        if "=" not in query:  # words, not an address: the words are the search
            query = urlencode({"q": search})
        try:
            params = watch_params(query)
        except ValidationError as error:
            first = error.errors()[0]
            raise InvalidRequest(
                N_("The search cannot be watched: %(field)s: %(why)s"),
                field=".".join(str(part) for part in first["loc"]),
                why=first["msg"],
            ) from error
        if webhook and not self._webhooks:
            raise InvalidRequest(N_("Webhooks are turned off on this server."))
        if webhook and urlsplit(webhook).scheme not in ("http", "https"):
            raise InvalidRequest(N_("A webhook is an http or https address."))
        if len(await self._watches.mine(access)) >= MAX_WATCHES:
            raise InvalidRequest(N_("You watch %(most)s searches already."), most=MAX_WATCHES)
        query = query_string(params.model_copy(update={"mode": Mode.HYBRID}))
        watch_id = await self._watches.create(owner, name, query, webhook or None)
        await self._caller.audit("watch.create", params={"watch": watch_id}, q=params.q)
        return (await self.counted([await self._watches.owned(access, watch_id)]))[0]

    async def counted(self, watches: list[dict[str, Any]]) -> list[WatchOut]:
        """Each watch with its matches new since its owner last opened it, counted now
        with the caller's access."""
        access = self._caller.access
        bodies = [count_body(watch_params(w["query"], w["seen"]), access) for w in watches]
        answers = await self._store.msearch(bodies, access) if bodies else []
        return [
            WatchOut(
                id=watch["id"],
                name=watch["name"],
                search=_search_url(watch_params(watch["query"])),
                new=answer["hits"]["total"]["value"],
                new_search=_search_url(watch_params(watch["query"], watch["seen"])),
                seen=watch["seen"],
                webhook=bool(watch.get("webhook")),
            )
            for watch, answer in zip(watches, answers, strict=True)
        ]

    async def mine(self) -> list[WatchOut]:
        return await self.counted(await self._watches.mine(self._caller.access))

    async def get(self, watch_id: str) -> WatchOut:
        return (await self.counted([await self._watches.owned(self._caller.access, watch_id)]))[0]

    async def open(self, watch_id: str) -> str:
        """The search of what is new since it was last opened; from now on, nothing is."""
        watch = await self._watches.owned(self._caller.access, watch_id)
        url = _search_url(watch_params(watch["query"], watch["seen"]))
        # From now, or from when the oldest load still running started: what it stamped
        # but has not yet made searchable is counted next time rather than never.
        moment = datetime.now(UTC).isoformat(timespec="milliseconds")
        seen = min(moment, await self._watches.writing_since() or moment, key=_instant)
        await self._watches.update(watch_id, {"seen": seen, "new_count": 0, "notified_count": 0})
        await self._caller.audit("watch.open", params={"watch": watch_id})
        return url

    async def delete(self, watch_id: str) -> None:
        await self._watches.owned(self._caller.access, watch_id)
        await self._watches.delete(watch_id)
        await self._caller.audit("watch.delete", params={"watch": watch_id})
