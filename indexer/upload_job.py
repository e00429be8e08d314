"""The upload job, run by `python -m indexer worker`: validate and index one accepted
upload through the same code path as `python -m indexer load`, as its uploader (held to
their ceiling by `indexer.ceiling`: records above it are rejected one by one).

The upload's document in `{prefix}-uploads` is the job's story for people: the API
answers `GET /api/uploads/{id}` and the upload pages from it. This module writes it:
`indexing` with the records read so far, then `done` with the per-record report, or
`retrying`/`failed` with a message. Nothing written names a path on the server: the
bundle's place in the upload store stays in the document's internal field, and
messages name files inside the bundle.

A job that runs again (a retry, or another worker taking over from a dead one) loads the
bundle again from the start; unchanged records are skipped, so nothing is lost and
nothing duplicated, and the report of the run that finishes covers every record.

A bundle with more photographs than `EVIDENCE_JOBS_PART_RECORDS` is split
(`indexer.parts`): the upload's job queues its parts, each loaded by whichever worker is
free, and the last part to finish queues the join, which writes the one report here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import elasticsearch
from elasticsearch import Elasticsearch
from redis import Redis
from rq.job import Job

from evidence.access import Role
from evidence.clients import loader_client
from evidence.indices import MappingOutdated, plain_index_body, uploads_index, users_index
from evidence.jobqueue import CANCELLED, owner_of
from evidence.settings import Settings, get_settings
from indexer.bulk import GaveUp
from indexer.bundle import BundleError
from indexer.ceiling import Writer
from indexer.load import LoadOptions, Part, load_bundle, plan_parts, registry_id
from indexer.locks import WritersBusy
from indexer.parts import finish, forget_parts, run_part, split
from indexer.report import LoadReport
from indexer.review import stored_review
from indexer.watching import watches_due

__all__ = [
    "attempt_failed",
    "join_upload",
    "mark_upload",
    "run_upload",
    "run_upload_part",
    "stopped",
]

log = logging.getLogger(__name__)

REPORT_LIMIT = 1000
PROGRESS_EVERY = 1.0  # seconds between progress writes
STOPPED_ON_ERROR = "indexing stopped on an error; it is logged"
ACCOUNT_GONE = "The uploader's account is disabled or gone; nothing was indexed."
ENDED = {"failed", "cancelled", "done"}


class UploadMissing(LookupError):
    """The job names an upload whose document is gone or whose bundle is not in the
    upload store: nothing to run, ever (it ends in the failed list)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _without_paths(text: str, bundle: Path, store: Path) -> str:
    """`text` with the bundle's and the store's server paths taken out."""
    return (
        text.replace(f"{bundle}/", "")
        .replace(str(bundle), "the bundle")
        .replace(str(store), "the upload store")
    )


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


def _update(es: Elasticsearch, index: str, upload_id: str, fields: dict[str, Any]) -> None:
    # The parts of a split load write their progress to the same document at once.
    es.update(
        index=index,
        id=upload_id,
        doc=fields | {"updated": _now()},
        refresh=True,
        retry_on_conflict=10,
    )


class _Upload:
    """One run of one upload job."""

    def __init__(self, es: Elasticsearch, settings: Settings, upload_id: str) -> None:
        self._es = es
        self._settings = settings
        self._id = upload_id
        self._index = uploads_index(settings.index_prefix)
        self._store = Path(settings.uploads_dir).resolve()

    def read(self) -> tuple[Path, Writer | None]:
        """The bundle, and who loads it: the uploader at the lower of the role they had
        when uploading and the one they have now (a retry a month later does not load
        as an account since demoted); None when the account is gone or disabled."""
        found = self._es.options(ignore_status=404).get(index=self._index, id=self._id)
        if not found.body.get("found"):
            raise UploadMissing(f"no upload {self._id}")
        source = found["_source"]
        bundle = Path(source["bundle"]).resolve()
        if not bundle.is_relative_to(self._store / "bundles"):
            raise UploadMissing(f"upload {self._id} names a bundle outside the upload store")
        account = self._es.options(ignore_status=404).get(
            index=users_index(self._settings.index_prefix), id=source["owner"]
        )
        if not account.body.get("found") or account["_source"].get("disabled"):
            return bundle, None
        # Uploads made before jobs were queued kept no role: they came from investigators.
        then = Role(source.get("role") or Role.INVESTIGATOR.value)
        now = Role(account["_source"]["role"])
        return bundle, Writer.of(source["owner"], min(then, now, key=lambda r: r.ceiling))

    def _ticker(self, fields: Callable[[int], dict[str, Any]]) -> Callable[[], None]:
        """Counts records read, and writes `fields(read)` at most once a second."""
        last, read = 0.0, 0

        def tick() -> None:
            nonlocal last, read
            read += 1
            if time.monotonic() - last > PROGRESS_EVERY:
                last = time.monotonic()
                self.update(fields(read))

        return tick

    def part_ticker(self, number: int) -> Callable[[], None]:
        """Progress of one part of a split load: parts write their own key, the page
        shows the sum. Never the status: another part may have failed meanwhile."""
        return self._ticker(lambda read: {"progress": {f"p{number}": read}})

    def resume(self) -> None:
        """`indexing` as a part starts, unless the upload has ended meanwhile (another
        part failed for good, or an admin cancelled it): compare and set, so a status
        written between the read and the write is never overwritten."""
        found = self._es.get(index=self._index, id=self._id)
        if found["_source"].get("status") in ENDED:
            return
        self._es.options(ignore_status=409).update(
            index=self._index,
            id=self._id,
            doc={"status": "indexing", "updated": _now()},
            if_seq_no=found["_seq_no"],
            if_primary_term=found["_primary_term"],
            refresh=True,
        )

    def run(self) -> str:
        bundle, writer = self.read()
        if writer is None:
            self.update({"status": "failed", "message": ACCOUNT_GONE})
            return "failed"
        options = replace(LoadOptions.from_settings(self._settings), writer=writer)
        try:
            parts = plan_parts(bundle, self._settings.jobs_part_records)
            if len(parts) > 1:
                self._split(parts)
                return f"split into {len(parts)} parts"
            self.update({"status": "indexing", "read": 0})
            tick = self._ticker(lambda read: {"status": "indexing", "read": read})
            report = load_bundle(self._es, self._settings.index_prefix, bundle, tick, options)
        except (BundleError, MappingOutdated) as error:
            self.fail(error, bundle)
            return "failed"
        self.done(report, bundle)
        return "done"

    def _split(self, parts: list[Part]) -> None:
        # An upload index made before progress was kept gains the field (additive).
        self._es.indices.put_mapping(
            index=self._index, properties=plain_index_body("uploads")["mappings"]["properties"]
        )
        # None first: a partial update merges objects, and a load planned again starts over.
        self.update({"status": "indexing", "read": 0, "progress": None})
        split(self._es, self._settings, self._id, parts, [])

    def fail(self, error: Exception, bundle: Path) -> None:
        """Said to the uploader as it is; no retry mends a broken bundle or old indices."""
        self.update({"status": "failed", "message": self._hide(str(error), bundle)})

    def update(self, fields: dict[str, Any]) -> None:
        _update(self._es, self._index, self._id, fields)

    def _hide(self, text: str, bundle: Path) -> str:
        return _without_paths(text, bundle, self._store)

    def done(self, report: LoadReport, bundle: Path) -> None:
        prefix = self._settings.index_prefix
        # An upload index made before these fields were kept gains them (additive).
        self._es.indices.put_mapping(
            index=self._index, properties=plain_index_body("uploads")["mappings"]["properties"]
        )
        shown = report.rejections[:REPORT_LIMIT]
        more = len(report.rejections) > REPORT_LIMIT
        self.update(
            {
                "status": "done",
                "read": report.read,
                "indexed": report.indexed,
                "unchanged": report.unchanged,
                "rejected": report.rejected,
                # The job is the bundle: its server-side path is not the uploader's business.
                "rejections": [
                    {k: v for k, v in asdict(r).items() if k != "bundle"}
                    | {"reason": self._hide(r.reason, bundle)}
                    for r in shown
                ],
                "warnings": [self._hide(warning, bundle) for warning in report.warnings[:100]],
                "review": _review_summary(stored_review(self._es, prefix, registry_id(bundle))),
                "message": report.summary()
                + (f" (first {REPORT_LIMIT} rejections shown)" if more else ""),
            }
        )
        watches_due(self._settings)


def run_upload(upload_id: str) -> str:
    """The queue's entry point: index upload `upload_id`; its outcome is in its document.
    Errors that may pass are raised, for the queue to retry."""
    settings = get_settings()
    es = loader_client(settings)
    try:
        return _Upload(es, settings, upload_id).run()
    finally:
        es.close()


def run_upload_part(upload_id: str, number: int, count: int, part: dict[str, Any]) -> str:
    """The queue's entry point for one part of a split upload, loaded as the uploader
    is now (the lower of their role then and now), as a whole upload's attempt is."""
    settings = get_settings()
    es = loader_client(settings)
    try:
        upload = _Upload(es, settings, upload_id)
        bundle, writer = upload.read()
        if writer is None:  # every part and the join ask, as each whole attempt does
            upload.update({"status": "failed", "message": ACCOUNT_GONE})
            return "failed"
        upload.resume()
        options = replace(LoadOptions.from_settings(settings), writer=writer)
        try:
            run_part(
                settings,
                upload_id,
                number,
                count,
                Part.from_json(part),
                bundle,
                upload.part_ticker(number),
                options,
                [],
            )
        except (BundleError, MappingOutdated) as error:
            upload.fail(error, bundle)
            return "failed"
    finally:
        es.close()
    return f"part {number + 1} of {count} loaded"


def join_upload(upload_id: str, count: int) -> str:
    """The queue's entry point once every part of a split upload is loaded: one report,
    on the upload's page, as if it had been loaded whole."""
    settings = get_settings()
    es = loader_client(settings)
    try:
        upload = _Upload(es, settings, upload_id)
        bundle, writer = upload.read()
        if writer is None:  # every part and the join ask, as each whole attempt does
            upload.update({"status": "failed", "message": ACCOUNT_GONE})
            return "failed"
        options = replace(LoadOptions.from_settings(settings), writer=writer)
        try:
            report = finish(es, settings, upload_id, count, bundle, None, options)
        except (BundleError, MappingOutdated) as error:
            upload.fail(error, bundle)
            return "failed"
        upload.done(report, bundle)
        forget_parts(es, settings, upload_id, count)
    finally:
        es.close()
    return "done"


def _reason(error: BaseException | None) -> str:
    """What the uploader may read about a failed attempt: the messages of passing
    outages as they are, anything else only as "it is logged"."""
    if isinstance(error, (WritersBusy, GaveUp)):
        return str(error)
    if isinstance(error, (elasticsearch.ConnectionError, elasticsearch.ConnectionTimeout)):
        return "Elasticsearch was not reachable"
    if error is not None and type(error).__name__ in {"AbandonedJobError", "WorkerDied"}:
        return "the worker running it stopped"
    return STOPPED_ON_ERROR


def attempt_failed(
    job: Job,
    connection: Redis,
    kind: type[BaseException] | None,
    error: BaseException | None,
    traceback: TracebackType | Any,
) -> None:
    """The queue's failure callback, for every failed attempt (an error, a dead worker,
    a timeout): the upload's document says whether another attempt follows."""
    reason = _reason(error)
    if job.retries_left:
        delay = job.get_retry_interval()
        status, message = "retrying", f"Attempt failed ({reason}); trying again in {delay} s."
    else:
        status, message = "failed", f"Indexing failed: {reason}."
    _mark_quietly(owner_of(job.id), status, message)


def stopped(job: Job, connection: Redis) -> None:
    """The queue's stopped callback: an admin stopped the running job, whose process is
    dead by now, so no progress write of it can land after this."""
    _mark_quietly(owner_of(job.id), "cancelled", CANCELLED)


def _mark_quietly(upload_id: str, status: str, message: str) -> None:
    """`mark_upload` from inside the worker: a failure is logged, never raised, so the
    worker goes on to retry the job (and to its next one)."""
    try:
        mark_upload(get_settings(), upload_id, status, message)
    except Exception:
        log.exception("upload %s: could not record %s", upload_id, status)


def mark_upload(settings: Settings, upload_id: str, status: str, message: str) -> None:
    """Set the status an upload's page shows; a job that is not an upload has no page."""
    es = loader_client(settings)
    try:
        es.options(ignore_status=404).update(
            index=uploads_index(settings.index_prefix),
            id=upload_id,
            doc={"status": status, "message": message, "updated": _now()},
            refresh=True,
            retry_on_conflict=10,  # a split load's parts write progress meanwhile
        )
    finally:
        es.close()
