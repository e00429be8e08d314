"""Upload jobs: an accepted upload is validated and indexed in the background, through
the same code path as `python -m indexer load`, and its progress and per-record report
are kept in `{prefix}-uploads` for the uploader (and admins) to read. The load runs as
the uploader (`indexer.ceiling`): records above their ceiling are rejected one by one.
Nothing shown names a path on the server: the bundle's place in the upload store stays
in the job document, out of every answer, and messages name files inside the bundle.

The job keeps the upload's redaction review in counts (the rows are in
`{prefix}-redactions`, `indexer.review`); only admins are shown it. Rejection reasons
and warnings can echo what a record says (`unknown facility 'the house of <name>'`), so
a reader who does not see protected fields (an uploader demoted since) gets them withheld.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch

from evidence.access import AccessContext, Role
from evidence.clients import loader_client
from evidence.errors import N_, NotFound
from evidence.indices import MappingOutdated, ensure_plain_index, plain_index_body, uploads_index
from evidence.redaction import WITHHELD
from evidence.settings import Settings
from indexer.bulk import GaveUp
from indexer.bundle import BundleError
from indexer.ceiling import Writer
from indexer.load import LoadOptions, load_bundle, registry_id
from indexer.locks import WritersBusy
from indexer.review import stored_review
from search_api.cursor import decode_cursor, encode_cursor, search_key
from search_api.paging import read_page
from search_api.transport import translating

__all__ = ["UploadJobs"]

log = logging.getLogger(__name__)

REPORT_LIMIT = 1000
LISTING_PAGE = 100
# Kept for admins reading the index, never answered: where the bundle lies on the server.
_INTERNAL = ["bundle"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _for_reader(job: dict[str, Any], access: AccessContext) -> dict[str, Any]:
    """The job as `access` may read it: the redaction review for admins only; reasons
    and warnings only for those who see protected fields."""
    shown = {k: v for k, v in job.items() if k != "review" or access.role is Role.ADMIN}
    if not access.sees_protected_fields:
        if "rejections" in shown:
            shown["rejections"] = [r | {"reason": WITHHELD} for r in shown["rejections"]]
        shown["warnings"] = [WITHHELD for _ in shown.get("warnings", [])]
    return shown


def _review_summary(review: dict[str, Any] | None) -> dict[str, Any] | None:
    """The upload's redaction review in counts; admins find its rows under the
    collection (`/admin/redactions?collection=`)."""
    if review is None:
        return None
    changes = review["changes"]
    return {
        "withheld": review["withheld"],
        "near_misses": review["near_misses"],
        "changed": changes["counts"] if changes else None,
    }


class UploadJobs:
    def __init__(self, es: AsyncElasticsearch, settings: Settings) -> None:
        self._es = es
        self._settings = settings
        self._index = uploads_index(settings.index_prefix)

    @translating
    async def create(
        self,
        owner: str,
        filename: str,
        sha256: str,
        size: int,
        bundle: Path,
        collection: str | None = None,
    ) -> str:
        await ensure_plain_index(self._es, self._index, "uploads")
        job_id = "up-" + secrets.token_hex(8)
        document = {
            "owner": owner,
            "filename": filename,
            "sha256": sha256,
            "size": size,
            "status": "queued",
            "created": _now(),
            "updated": _now(),
            "collection": collection,
            "bundle": str(bundle),
            "read": 0,
            "indexed": 0,
            "unchanged": 0,
            "rejected": 0,
            "rejections": [],
            "warnings": [],
        }
        await self._es.index(index=self._index, id=job_id, document=document, refresh="wait_for")
        return job_id

    def _without_paths(self, text: str, bundle: Path) -> str:
        """`text` with the bundle's and the store's server paths taken out."""
        store = str(Path(self._settings.uploads_dir).resolve())
        return (
            text.replace(f"{bundle}/", "")
            .replace(str(bundle), "the bundle")
            .replace(store, "the upload store")
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

    def run(self, job_id: str, bundle: Path, uploader: AccessContext) -> None:
        """Validate and index as `uploader` (in a worker thread); every outcome ends in the
        job document."""
        es = loader_client(self._settings)
        last = 0.0
        progress = {"read": 0}

        def update(fields: dict[str, Any]) -> None:
            es.update(index=self._index, id=job_id, doc=fields | {"updated": _now()}, refresh=True)

        def tick() -> None:
            nonlocal last
            progress["read"] += 1
            if time.monotonic() - last > 1:
                last = time.monotonic()
                update({"status": "indexing", "read": progress["read"]})

        try:
            update({"status": "indexing"})
            writer = Writer.of(uploader.user or "", uploader.role)
            options = LoadOptions(originals_dir=self._settings.originals_dir, writer=writer)
            prefix = self._settings.index_prefix
            report = load_bundle(es, prefix, bundle, tick, options)
            hide = self._without_paths
            # A job index made before reviews were kept gains the field (additive).
            es.indices.put_mapping(
                index=self._index, properties=plain_index_body("uploads")["mappings"]["properties"]
            )
            update(
                {
                    "status": "done",
                    "read": report.read,
                    "indexed": report.indexed,
                    "unchanged": report.unchanged,
                    "rejected": report.rejected,
                    # The job is the bundle: its server-side path is not the uploader's business.
                    "rejections": [
                        {k: v for k, v in asdict(r).items() if k != "bundle"}
                        | {"reason": hide(r.reason, bundle)}
                        for r in report.rejections[:REPORT_LIMIT]
                    ],
                    "warnings": [hide(warning, bundle) for warning in report.warnings[:100]],
                    "review": _review_summary(stored_review(es, prefix, registry_id(bundle))),
                    "message": f"{report.summary()}"
                    + (
                        f" (first {REPORT_LIMIT} rejections shown)"
                        if len(report.rejections) > REPORT_LIMIT
                        else ""
                    ),
                }
            )
        except (BundleError, MappingOutdated, WritersBusy, GaveUp) as error:
            # Said to the uploader as it is: a broken bundle, or a rebuild or outage that
            # outlasted the wait; uploading again later loads it.
            update({"status": "failed", "message": self._without_paths(str(error), bundle)})
        except Exception:  # the job must end in a state the uploader can read
            log.exception("upload %s: indexing stopped", job_id)
            update({"status": "failed", "message": "indexing stopped on an error; it is logged"})
            raise
        finally:
            es.close()
