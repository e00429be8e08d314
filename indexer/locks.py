"""Loads and rebuilds of one installation, kept apart.

A rebuild copies every bundle into a fresh generation and then swaps the aliases: a load
that wrote to the live generation in between would be lost at the swap. So every writer
holds a lease, a document in `{prefix}-locks` created with `op_type=create`:

- a rebuild holds the single lease `rebuild`, so two rebuilds never run at once;
- each load (from the command line or an upload) holds a lease of its own.

Each side writes its own lease before it looks for the other's (a load with a real-time
GET, a rebuild with a search after an explicit refresh, so no write waits for a
refresh), so of a load and a rebuild that start together at least one sees the other:
the load steps back and waits for the rebuild to end, and the rebuild waits for the
loads already running. Leases are renewed while their holder works; one not renewed for
`STALE_AFTER` seconds belongs to a process that died, and is taken over.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import elasticsearch
from elasticsearch import Elasticsearch

from evidence.indices import LEASE_STALE_AFTER, ensure_plain_index_sync, locks_index

__all__ = ["STALE_AFTER", "WritersBusy", "loading", "rebuilding"]

RENEW_EVERY = 10.0
STALE_AFTER = LEASE_STALE_AFTER
_POLL = 1.0
_REBUILD = "rebuild"


class WritersBusy(Exception):
    """Another writer holds what this one needs and did not let go in time."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _stale(lease: dict[str, Any]) -> bool:
    renewed = datetime.fromisoformat(lease["renewed"])
    return datetime.now(UTC) - renewed > timedelta(seconds=STALE_AFTER)


def _describe(lease: dict[str, Any]) -> str:
    return f"{lease['holder']}, since {lease['since']}"


class _Lease:
    """One lease document, renewed from a thread until it is released."""

    def __init__(self, es: Elasticsearch, index: str, lease_id: str, kind: str) -> None:
        self._es = es
        self._index = index
        self._id = lease_id
        self._kind = kind
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def take(self) -> bool:
        """Create the lease; False when somebody holds it already."""
        now = _now()
        holder = f"{socket.gethostname()}:{os.getpid()}"
        try:
            self._es.create(
                index=self._index,
                id=self._id,
                document={"kind": self._kind, "holder": holder, "since": now, "renewed": now},
            )
        except elasticsearch.ConflictError:
            return False
        return True

    def keep_renewed(self) -> None:
        self._renewer = threading.Thread(target=self._renew, name=f"lease-{self._id}", daemon=True)
        self._renewer.start()

    def _renew(self) -> None:
        while not self._stop.wait(RENEW_EVERY):
            try:
                self._es.update(index=self._index, id=self._id, doc={"renewed": _now()})
            except (elasticsearch.ApiError, elasticsearch.TransportError):
                continue  # the next round tries again; only STALE_AFTER without one counts

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        self.withdraw()

    def withdraw(self) -> None:
        """Delete the lease document (renewal, if any, is the caller's to stop first)."""
        self._es.options(ignore_status=404).delete(index=self._index, id=self._id)


def _drop_if_unchanged(es: Elasticsearch, index: str, hit: dict[str, Any]) -> None:
    """Delete a stale lease unless its holder renewed it meanwhile."""
    es.options(ignore_status=(404, 409)).delete(
        index=index,
        id=hit["_id"],
        if_seq_no=hit["_seq_no"],
        if_primary_term=hit["_primary_term"],
    )


def _running_rebuild(es: Elasticsearch, index: str) -> dict[str, Any] | None:
    """The lease of the rebuild that is running, if any; a stale one is dropped."""
    found = es.options(ignore_status=404).get(index=index, id=_REBUILD)
    if not found.get("found"):
        return None
    lease: dict[str, Any] = found["_source"]
    if _stale(lease):
        _drop_if_unchanged(es, index, found.body)
        return None
    return lease


def _running_loads(es: Elasticsearch, index: str) -> list[dict[str, Any]]:
    """Leases of loads that are running; stale ones are dropped. Only whether there are
    any matters, so one page is enough: more than a page also counts as running."""
    es.indices.refresh(index=index)
    response = es.search(
        index=index, query={"term": {"kind": "load"}}, size=100, seq_no_primary_term=True
    )
    running = []
    for hit in response["hits"]["hits"]:
        if _stale(hit["_source"]):
            _drop_if_unchanged(es, index, hit)
        else:
            running.append(hit["_source"])
    if not running and response["hits"]["total"]["value"] > len(response["hits"]["hits"]):
        running.append({"holder": "more loads", "since": "unknown"})
    return running


@contextmanager
def rebuilding(es: Elasticsearch, prefix: str, wait_seconds: float) -> Iterator[None]:
    """Hold the rebuild lease: refused at once if another rebuild runs; waits up to
    `wait_seconds` for running loads to finish."""
    index = ensure_plain_index_sync(es, locks_index(prefix), "locks")
    lease = _Lease(es, index, _REBUILD, "rebuild")
    while not lease.take():
        running = _running_rebuild(es, index)
        if running is not None:
            raise WritersBusy(
                f"another rebuild is running ({_describe(running)}); wait for it to finish"
            )
    lease.keep_renewed()
    try:
        deadline = time.monotonic() + wait_seconds
        while loads := _running_loads(es, index):
            if time.monotonic() > deadline:
                holders = "; ".join(_describe(load) for load in loads)
                raise WritersBusy(
                    f"{len(loads)} load(s) still running ({holders}) after {wait_seconds:.0f}s;"
                    " the rebuild did not start. Run it again when they have finished"
                )
            time.sleep(_POLL)
        yield
    finally:
        lease.release()


@contextmanager
def loading(es: Elasticsearch, prefix: str, wait_seconds: float) -> Iterator[None]:
    """Hold a load lease; while a rebuild runs, wait up to `wait_seconds` for it to end."""
    index = ensure_plain_index_sync(es, locks_index(prefix), "locks")
    lease = _Lease(es, index, f"load-{uuid.uuid4().hex}", "load")
    deadline = time.monotonic() + wait_seconds
    while True:
        lease.take()
        running = _running_rebuild(es, index)
        if running is None:
            break
        lease.withdraw()
        if time.monotonic() > deadline:
            raise WritersBusy(
                f"a rebuild is running ({_describe(running)}) and did not end within"
                f" {wait_seconds:.0f}s; nothing was loaded. Load again when it has finished"
            )
        time.sleep(_POLL)
    lease.keep_renewed()
    try:
        yield
    finally:
        lease.release()
