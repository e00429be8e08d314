"""The list-search job, run by `python -m indexer worker`: the queue's entry point
around `search_api.lists.run`, which searches every entry as the list's owner."""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Any

from redis import Redis
from rq.job import Job

from evidence.clients import async_client, loader_client
from evidence.indices import list_searches_index
from evidence.jobqueue import CANCELLED
from evidence.settings import Settings, get_settings
from search_api.audit import Auditor
from search_api.lists.run import run_list
from search_api.lists.store import ListStore
from search_api.store import Store

__all__ = ["attempt_failed", "run_list_search", "stopped"]

log = logging.getLogger(__name__)


async def _run(settings: Settings, list_id: str) -> str:
    es = async_client(settings, request_timeout=120, max_retries=2)
    try:
        store = Store(es, settings.index_prefix)
        lists = ListStore(es, settings.index_prefix)
        return await run_list(store, lists, Auditor(es, settings.index_prefix), list_id)
    finally:
        await es.close()


def run_list_search(list_id: str) -> str:
    """Run list search `list_id`; its outcome is in its document. Errors that may pass
    are raised, for the queue to retry (a retry starts the list again)."""
    return asyncio.run(_run(get_settings(), list_id))


def _mark(list_id: str, status: str, message: str) -> None:
    """Say on the list's page how its job ended; a failure here is logged, never
    raised, so the worker goes on."""
    settings = get_settings()
    es = loader_client(settings)
    try:
        es.options(ignore_status=404).update(
            index=list_searches_index(settings.index_prefix),
            id=list_id,
            doc={"status": status, "message": message},
            refresh=True,
        )
    except Exception:
        log.exception("list search %s: could not record %s", list_id, status)
    finally:
        es.close()


def attempt_failed(
    job: Job,
    connection: Redis,
    kind: type[BaseException] | None,
    error: BaseException | None,
    traceback: TracebackType | Any,
) -> None:
    """The queue's failure callback: the list's page says whether another attempt
    follows. Why it failed is logged, never shown: it could name the server's files."""
    if job.retries_left:
        _mark(
            job.id, "retrying", f"An attempt failed; trying again in {job.get_retry_interval()} s."
        )
    else:
        _mark(job.id, "failed", "The list search failed; the error is logged.")


def stopped(job: Job, connection: Redis) -> None:
    """The queue's stopped callback: an admin stopped the job."""
    _mark(job.id, "cancelled", CANCELLED)
