"""Accepting an upload, for the API and the upload page alike: investigators and admins
only, each into the collections they may write (`search_api.collections`).

Who is asking and how large the body says it is are checked from the headers by
`search_api.uploads.guard` before any byte of the body is read. The body is then
copied to a staging file with a size limit; a zip is checked entry by entry and its
`collection.yaml` read in memory, and only once the uploader may write that collection
is it unpacked into its own bundle folder. The original is kept write-once under its
SHA-256, and the bundle's indexing queued for a worker (`jobs.py`), which loads it as
the uploader, held to their ceiling. The queue is asked first: while it is down nothing
is read, and an upload it then refuses is undone. Disk, zip and hashing work runs in
worker threads, never on the event loop. Every upload, accepted or refused, is audited.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
from pathlib import Path
from typing import IO, Annotated, Any

import yaml
from fastapi import Depends, Request, UploadFile

from evidence.access import Level
from evidence.errors import N_, EvidenceError, Forbidden, TooLarge
from evidence.ids import COLLECTION_ID
from search_api.deps import Caller, CallerDep
from search_api.uploads.archive import (
    UploadRefused,
    inspect_archive,
    keep_original,
    safe_extract,
    sniff_ok,
)
from search_api.uploads.jobs import UploadJobs

__all__ = ["ONLY_UPLOADERS", "UploaderDep", "accept"]

ONLY_UPLOADERS = N_("Only investigators and admins may upload.")

_FOLDERS = {"testimony": "testimonies", "filing": "filings", "photo": "media"}
# The collection ids `indexer.bundle` accepts, checked here before any right is claimed.


async def get_uploader(caller: CallerDep) -> Caller:
    """Investigators and admins only."""
    if caller.access.role.ceiling < Level.CONFIDENTIAL:
        raise Forbidden(ONLY_UPLOADERS)
    return caller


UploaderDep = Annotated[Caller, Depends(get_uploader)]


def _stage(source: IO[bytes], staging: Path, limit: int) -> tuple[int, bytes]:
    """Copy the body to `staging`, up to `limit` bytes; its size and first bytes."""
    staging.parent.mkdir(parents=True, exist_ok=True)
    size, head = 0, b""
    with staging.open("xb") as out:
        while block := source.read(1 << 20):
            head = head or block[:4096]
            size += len(block)
            if size > limit:
                why = N_("The upload is larger than the limit of %(limit)s bytes.")
                raise TooLarge(why, limit=limit)
            out.write(block)
    return size, head


def _checked_collection(collection_id: str) -> str:
    if not COLLECTION_ID.match(collection_id):
        raise UploadRefused(f"collection id {collection_id!r} must match {COLLECTION_ID.pattern}")
    return collection_id


def _single_file_bundle(
    staged: Path,
    filename: str,
    bundle: Path,
    collection: str,
    record_type: str,
    metadata: dict[str, Any],
) -> Path:
    """A one-record bundle around a single uploaded file and its metadata."""
    bundle.mkdir(parents=True)
    (bundle / "collection.yaml").write_text(yaml.safe_dump({"id": collection, "title": collection}))
    folder = bundle / _FOLDERS[record_type]
    folder.mkdir()
    name = Path(filename).name
    shutil.copyfile(staged, folder / name)
    if record_type == "photo":
        row = metadata | {"file": f"media/{name}"}
        (bundle / "photos.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(metadata, allow_unicode=True))
    return bundle


def _metadata(metadata: str | None) -> dict[str, Any]:
    try:
        fields = json.loads(metadata or "{}")
    except json.JSONDecodeError as error:
        raise UploadRefused(f"metadata is not valid JSON: {error.msg}") from error
    if not isinstance(fields, dict):
        raise UploadRefused("metadata must be a JSON object of fields.")
    return fields


def _discard(staged: Path, bundle: Path) -> None:
    staged.unlink(missing_ok=True)
    shutil.rmtree(bundle, ignore_errors=True)


async def accept(
    request: Request,
    caller: Caller,
    upload: UploadFile,
    collection: str | None,
    record_type: str | None,
    metadata: str | None,
) -> dict[str, Any]:
    """Check the right to the collection, stage, check, keep and unpack one upload, then
    queue its indexing as the uploader."""
    settings = request.app.state.settings
    jobs: UploadJobs = request.app.state.uploads
    # Who may write where is the collections package's; app.py wires it in.
    require_upload_right = request.app.state.require_upload_right
    store = Path(settings.uploads_dir).resolve()
    token = secrets.token_hex(8)
    staged = store / "staging" / token
    bundle = store / "bundles" / token
    filename = Path(upload.filename or "upload").name
    limit = settings.upload_max_bytes
    try:
        await jobs.check_queue()
        if record_type is None:
            size, head = await asyncio.to_thread(_stage, upload.file, staged, limit)
            if not head.startswith(b"PK\x03\x04"):
                raise UploadRefused(f"{filename} is not a zip archive.")
            bundled = await asyncio.to_thread(inspect_archive, staged)
            collection_id = _checked_collection(bundled.collection_id)
            await require_upload_right(caller.access, collection_id)
            await asyncio.to_thread(safe_extract, staged, bundle)
            root = bundle / bundled.root
        else:
            if not (collection and record_type in _FOLDERS):
                raise UploadRefused("A single file needs collection, record_type and metadata.")
            collection_id = _checked_collection(collection)
            fields = _metadata(metadata)
            await require_upload_right(caller.access, collection_id)
            size, head = await asyncio.to_thread(_stage, upload.file, staged, limit)
            if not sniff_ok(filename, head):
                raise UploadRefused(
                    f"{filename} is not the type its name says, or not a type bundles hold."
                )
            root = await asyncio.to_thread(
                _single_file_bundle, staged, filename, bundle, collection_id, record_type, fields
            )
        sha256 = await asyncio.to_thread(keep_original, staged, store / "originals")
    except EvidenceError as error:
        await asyncio.to_thread(_discard, staged, bundle)
        await caller.audit(
            "upload", outcome="refused", params={"filename": filename, "reason": str(error)}
        )
        raise
    try:
        job_id = await jobs.create(caller.access, filename, sha256, size, root, collection_id)
    except Exception as error:
        # Nothing stays that no worker would run. The original stays: the store is
        # write-once, and another upload may share it.
        await asyncio.to_thread(_discard, staged, bundle)
        if isinstance(error, EvidenceError):
            reason = {"filename": filename, "sha256": sha256, "reason": str(error)}
            await caller.audit("upload", outcome="refused", params=reason)
        raise
    await caller.audit(
        "upload",
        params={
            "filename": filename,
            "collection": collection_id,
            "sha256": sha256,
            "size": size,
            "job": job_id,
        },
    )
    return {"id": job_id, "status": "queued", "sha256": sha256, "size": size}
