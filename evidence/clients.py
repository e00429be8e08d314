"""The Elasticsearch clients the indexer and the app use: every node of
`ELASTICSEARCH_URL` to fail over between, and orjson for the JSON that bulk requests,
searches and aggregations spend their client-side time on."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from evidence.settings import Settings

__all__ = ["async_client", "loader_client", "sync_client"]


def sync_client(settings: Settings, **options: Any) -> Elasticsearch:
    return Elasticsearch(settings.es_hosts, serializer=OrjsonSerializer(), **options)


def async_client(settings: Settings, **options: Any) -> AsyncElasticsearch:
    return AsyncElasticsearch(settings.es_hosts, serializer=OrjsonSerializer(), **options)


def loader_client(settings: Settings, request_timeout: float = 120) -> Elasticsearch:
    """For loads: long timeouts, and retries on overload and on a node going away."""
    return sync_client(
        settings,
        request_timeout=max(settings.request_timeout, request_timeout),
        max_retries=5,
        retry_on_timeout=True,
        retry_on_status=(429, 502, 503, 504),
    )
