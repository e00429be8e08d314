"""Upload jobs, as the API sees them: an accepted upload gets a document in
`{prefix}-uploads` and a job on the queue (`evidence.jobqueue`), and nothing more; a
worker (`python -m indexer worker`, `indexer.upload_job`) validates and indexes it as
the uploader and writes its progress and per-record report into that document, which
the uploader (and admins) read here. Nothing shown names a path on the server: the
bundle's place in the upload store stays in the job document, out of every answer.

The job keeps the upload's redaction review in counts (the rows are in
`{prefix}-redactions`, `indexer.review`); only admins are shown it. Rejection reasons
and warnings can echo what a record says (`unknown facility 'the house of <name>'`), so
a reader who does not see protected fields (an uploader demoted since) gets them withheld.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch
from redis import Redis

from evidence import jobqueue
from evidence.access import AccessContext, Role
from evidence.errors import N_, NotFound
from evidence.indices import ensure_plain_index, plain_index_body, uploads_index
from evidence.redaction import WITHHELD
from evidence.settings import Settings
from search_api.cursor import decode_cursor, encode_cursor, search_key
from search_api.paging import read_page
from search_api.transport import translating

__all__ = ["UploadJobs", "new_upload"]

LISTING_PAGE = 100
# Kept for the worker and admins reading the index, never answered: where the bundle lies
# on the server, and the role the uploader had (their ceiling for the load).
_INTERNAL = ["bundle", "role"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _for_reader(job: dict[str, Any], access: AccessContext) -> dict[str, Any]:
    """The job as `access` may read it: the redaction review for admins only; reasons
    and warnings only for those who see protected fields; records read so far summed
    over a split load's parts."""
    shown = {k: v for k, v in job.items() if k != "review" or access.role is Role.ADMIN}
    # A split load's parts count what they read each under their own key.
    progress = shown.pop("progress", None)
    if progress and shown.get("status") != "done":
        shown["read"] = max(shown.get("read") or 0, sum(progress.values()))
    if not access.sees_protected_fields:
        if "rejections" in shown:
            shown["rejections"] = [r | {"reason": WITHHELD} for r in shown["rejections"]]
        shown["warnings"] = [WITHHELD for _ in shown.get("warnings", [])]
    return shown


def new_upload(
    uploader: AccessContext,
    filename: str,
    sha256: str,
    size: int,
    bundle: Path,
    collection: str | None,
) -> dict[str, Any]:
    """An upload's document as it is queued: what a worker reads to run its job."""
    now = _now()
    return {
        "owner": uploader.user or "",
        "role": uploader.role.value,
        "filename": filename,
        "sha256": sha256,
        "size": size,
        "status": "queued",
        "created": now,
        "updated": now,
        "collection": collection,
        "bundle": str(bundle),
        "read": 0,
        "indexed": 0,
        "unchanged": 0,
        "rejected": 0,
        "rejections": [],
        "warnings": [],
    }


class UploadJobs:
    def __init__(self, es: AsyncElasticsearch, settings: Settings, queue: Redis) -> None:
        self._es = es
        self._settings = settings
        self._queue = queue
        self._index = uploads_index(settings.index_prefix)

    async def check_queue(self) -> None:
        """`QueueUnavailable` unless the queue answers: asked before a body is read."""
        await asyncio.to_thread(jobqueue.check, self._queue)

    @translating
    async def create(
        self,
        uploader: AccessContext,
        filename: str,
        sha256: str,
        size: int,
        bundle: Path,
        collection: str | None = None,
    ) -> str:
        """The upload's document, and its job on the queue; when the queue refuses the
        job, the document goes too (`QueueUnavailable`): nothing is accepted that no
        worker will ever run."""
        await ensure_plain_index(self._es, self._index, "uploads")
        # An index made before a field was kept gains it (additive).
        properties = plain_index_body("uploads")["mappings"]["properties"]
        await self._es.indices.put_mapping(index=self._index, properties=properties)
        job_id = "up-" + secrets.token_hex(8)
        document = new_upload(uploader, filename, sha256, size, bundle, collection)
        await self._es.index(index=self._index, id=job_id, document=document, refresh="wait_for")
        try:
            await asyncio.to_thread(jobqueue.enqueue_upload, self._settings, self._queue, job_id)
        except Exception:
            # Best effort: with Elasticsearch away too, the document stays "queued" with
            # no job, and the first error is the one to answer.
            with contextlib.suppress(Exception):
                await self._es.options(ignore_status=404).delete(
                    index=self._index, id=job_id, refresh="wait_for"
                )
            raise
        return job_id

    @translating
    async def mark(self, job_id: str, status: str, message: str) -> None:
        """Set the status an upload's page shows (an admin retried or cancelled its job);
        a job that is not an upload has no page."""
        fields = {"status": status, "message": message, "updated": _now()}
        await self._es.options(ignore_status=404).update(
            index=self._index,
            id=job_id,
            doc=fields,
            refresh="wait_for",
            retry_on_conflict=10,  # a split load's parts write progress meanwhile
        )

    @translating
    async def get(self, access: AccessContext, job_id: str) -> dict[str, Any]:
        response = await self._es.options(ignore_status=404).get(
            index=self._index, id=job_id, source_excludes=_INTERNAL
        )
        source = response.body.get("_source") if response.body.get("found") else None
        if source is None or (source["owner"] != access.user and access.role is not Role.ADMIN):
            raise NotFound(N_("No upload %(id)s."), id=job_id)
        return {**_for_reader(source, access), "id": job_id}

    @translating
    async def list(
        self, access: AccessContext, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the caller's uploads (an admin's: everyone's), newest first, and the
        cursor of the next page: the listing pages on instead of stopping at a size."""
        if not await self._es.indices.exists(index=self._index):
            return [], None
        secret = self._settings.secret_key.get_secret_value()
        key = search_key(f"uploads {access.role.value} {access.user}")
        after = decode_cursor(cursor, secret, key) if cursor else None
        query = {"match_all": {}} if access.role is Role.ADMIN else {"term": {"owner": access.user}}
        body = {
            "query": query,
            "sort": [{"created": "desc"}],
            "_source": {"excludes": ["rejections", *_INTERNAL]},
        }
        page = await read_page(self._es, self._index, body, LISTING_PAGE, after, key)
        jobs = [_for_reader(hit["_source"], access) | {"id": hit["_id"]} for hit in page.hits]
        return jobs, encode_cursor(page.next, secret) if page.next else None
