"""The watch evaluation job, run by `python -m indexer worker` after each load, upload
and rebuild: the queue's entry point around `search_api.watches.evaluate`."""

from __future__ import annotations

import asyncio
import json

import urllib3

from evidence import jobqueue
from evidence.access import Role
from evidence.clients import async_client
from evidence.settings import Settings, get_settings
from search_api.accounts.store import UserStore
from search_api.store import Store
from search_api.watches.evaluate import evaluate_watches
from search_api.watches.store import WatchStore

__all__ = ["evaluate", "post_webhook"]

_WEBHOOK_TIMEOUT = urllib3.Timeout(connect=3, read=5)


def post_webhook(url: str, payload: dict[str, object]) -> None:
    """POST the payload as JSON; no redirect is followed, and an answer that is not a
    2xx raises, so the next evaluation tries again."""
    answer = urllib3.request(
        "POST",
        url,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        timeout=_WEBHOOK_TIMEOUT,
        redirect=False,
        retries=False,
    )
    if not 200 <= answer.status < 300:
        raise OSError(f"the webhook answered {answer.status}")


async def _evaluate(settings: Settings) -> int:
    es = async_client(settings, request_timeout=60, max_retries=2)
    users = UserStore(es, settings)

    async def role_of(name: str) -> Role | None:
        user = await users.get(name)
        return None if user is None or user.disabled else user.role

    try:
        return await evaluate_watches(
            Store(es, settings.index_prefix),
            WatchStore(es, settings.index_prefix),
            role_of,
            settings.public_url or "",
            post_webhook if settings.watch_webhooks else None,
        )
    finally:
        await es.close()


def evaluate(prefix: str) -> str:
    """Count every watch's new matches for installation `prefix` (the job's argument,
    for the admin's list; the settings say the same)."""
    settings = get_settings()
    connection = jobqueue.connect(settings)
    try:
        jobqueue.watches_started(settings, connection)
    finally:
        connection.close()
    return f"{asyncio.run(_evaluate(settings))} watches of {prefix} counted"
