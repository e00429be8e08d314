"""After a load, an upload or a rebuild: queue the count of every watched search's new
matches, so their owners see them within a minute (`search_api.watches`). A queue that
is away costs the counts until the next change, never the load."""

from __future__ import annotations

import logging

import redis

from evidence import jobqueue
from evidence.errors import QueueUnavailable
from evidence.settings import Settings

__all__ = ["watches_due"]

log = logging.getLogger(__name__)


def watches_due(settings: Settings) -> None:
    connection = jobqueue.connect(settings)
    try:
        jobqueue.enqueue_watch_evaluation(settings, connection)
    except (QueueUnavailable, redis.RedisError) as error:
        log.warning("watched searches were not queued for counting: %s", error)
    finally:
        connection.close()
