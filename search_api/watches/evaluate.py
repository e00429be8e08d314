"""The evaluation job's work: count each watch's new matches as its owner may see them
now, for the header's count, and tell a webhook when there are more.

The owner's role is read from their account at each evaluation, so a demoted owner's
watches count only what they may see now, and a disabled account's watches are left
alone. A webhook gets the watch's id, the count and the address of the watch page,
`{watch, new_count, url}`: never a record, and not the search or the watch's name
either, which can name a person; the page behind the address asks for a login.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from evidence.access import AccessContext, Role
from search_api.store import Store
from search_api.watches.service import count_body, watch_params
from search_api.watches.store import WatchStore, now

__all__ = ["Notify", "RoleOf", "evaluate_watches"]

log = logging.getLogger(__name__)

Notify = Callable[[str, dict[str, Any]], None]
# An owner's role now; None for an account that is disabled or gone.
RoleOf = Callable[[str], Awaitable[Role | None]]


async def evaluate_watches(
    store: Store,
    watches: WatchStore,
    role_of: RoleOf,
    base_url: str,
    notify: Notify | None,
) -> int:
    """Count every watch's new matches; how many watches were counted. `notify` posts a
    webhook (blocking: it runs in a worker thread); None when webhooks are off."""
    by_owner: dict[str, list[dict[str, Any]]] = {}
    async for watch in watches.every_watch():
        by_owner.setdefault(watch["owner"], []).append(watch)
    counted = 0
    for owner, owned in by_owner.items():
        role = await role_of(owner)
        if role is None:
            continue
        access = AccessContext(role, owner)
        bodies = [count_body(watch_params(w["query"], w["seen"]), access) for w in owned]
        answers = await store.msearch(bodies, access)
        for watch, answer in zip(owned, answers, strict=True):
            new = int(answer["hits"]["total"]["value"])
            fields: dict[str, Any] = {
                "new_count": new,
                "evaluated": now(),
                "evaluated_role": access.role.value,
            }
            webhook = watch.get("webhook")
            if notify is not None and webhook and new > int(watch.get("notified_count") or 0):
                url = f"{base_url.rstrip('/')}/watch"
                payload = {"watch": watch["id"], "new_count": new, "url": url}
                try:
                    await anyio.to_thread.run_sync(notify, webhook, payload)
                    fields["notified_count"] = new
                except Exception:  # a receiver that is down must not stop the others
                    log.warning("watch %s: the webhook could not be reached", watch["id"])
            await watches.update(watch["id"], fields)
            counted += 1
    return counted
