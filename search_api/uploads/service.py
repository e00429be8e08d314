"""Accepting an upload, for the API and the upload page alike: investigators and admins
only.

The body is streamed to a staging file with a size limit (a declared Content-Length
over the limit is refused before reading), checked (`archive.py`), kept write-once
under its SHA-256, unpacked into its own bundle folder, and indexed in the background
(`jobs.py`). Every upload, accepted or refused, is audited.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import Depends, Request, UploadFile

from evidence.access import Level
from evidence.errors import EvidenceError, Forbidden, InvalidRequest, TooLarge
from search_api.deps import Caller, CallerDep
from search_api.uploads.archive import UploadRefused, keep_original, safe_extract, sniff_ok
from search_api.uploads.jobs import UploadJobs

__all__ = ["SenderDep", "UploaderDep", "accept"]

_FOLDERS = {"testimony": "testimonies", "filing": "filings", "photo": "media"}


async def get_uploader(caller: CallerDep) -> Caller:
    """Investigators and admins only."""
    if caller.access.role.ceiling < Level.CONFIDENTIAL:
        raise Forbidden("Only investigators and admins may upload.")
    return caller


UploaderDep = Annotated[Caller, Depends(get_uploader)]


async def get_sender(request: Request, caller: UploaderDep) -> Caller:
    """An uploader whose declared size is within the limit, checked before reading."""
    limit = request.app.state.settings.upload_max_bytes
    declared = request.headers.get("content-length")
    if declared is None:
        raise InvalidRequest("Send the upload with a Content-Length.")
    if int(declared) > limit + 64 * 1024:
        raise TooLarge(f"The upload is larger than the limit of {limit} bytes.")
    return caller


SenderDep = Annotated[Caller, Depends(get_sender)]


async def _stage(upload: UploadFile, staging: Path, limit: int) -> int:
    staging.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with staging.open("xb") as out:
        while block := await upload.read(1 << 20):
            size += len(block)
            if size > limit:
                raise TooLarge(f"The upload is larger than the limit of {limit} bytes.")
            out.write(block)
    return size


def _find_root(unpacked: Path) -> Path:
    roots = [p.parent for p in unpacked.rglob("collection.yaml")]
    if len(roots) != 1:
        raise UploadRefused("The archive must hold exactly one collection.yaml (one bundle).")
    return roots[0]


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


async def accept(
    request: Request,
    caller: Caller,
    upload: UploadFile,
    collection: str | None,
    record_type: str | None,
    metadata: str | None,
) -> dict[str, Any]:
    """Stage, check, keep and unpack one upload, then start its indexing job."""
    settings = request.app.state.settings
    store = Path(settings.uploads_dir).resolve()
    token = secrets.token_hex(8)
    staged = store / "staging" / token
    bundle = store / "bundles" / token
    filename = Path(upload.filename or "upload").name
    try:
        size = await _stage(upload, staged, settings.upload_max_bytes)
        with staged.open("rb") as handle:
            head = handle.read(4096)
        if record_type is None:
            if not head.startswith(b"PK\x03\x04"):
                raise UploadRefused(f"{filename} is not a zip archive.")
            safe_extract(staged, bundle)
            root = _find_root(bundle)
        else:
            if not (collection and record_type in _FOLDERS):
                raise UploadRefused("A single file needs collection, record_type and metadata.")
            if not sniff_ok(filename, head):
                raise UploadRefused(
                    f"{filename} is not the type its name says, or not a type bundles hold."
                )
            try:
                fields = json.loads(metadata or "{}")
            except json.JSONDecodeError as error:
                raise UploadRefused(f"metadata is not valid JSON: {error.msg}") from error
            if not isinstance(fields, dict):
                raise UploadRefused("metadata must be a JSON object of fields.")
            root = _single_file_bundle(staged, filename, bundle, collection, record_type, fields)
        sha256 = keep_original(staged, store / "originals")
    except EvidenceError as error:
        staged.unlink(missing_ok=True)
        shutil.rmtree(bundle, ignore_errors=True)
        await caller.audit(
            "upload", outcome="refused", params={"filename": filename, "reason": str(error)}
        )
        raise
    jobs: UploadJobs = request.app.state.uploads
    job_id = await jobs.create(caller.access.user or "", filename, sha256, size, root)
    await caller.audit(
        "upload", params={"filename": filename, "sha256": sha256, "size": size, "job": job_id}
    )
    task = asyncio.create_task(asyncio.to_thread(jobs.run, job_id, root))
    request.app.state.tasks.add(task)
    task.add_done_callback(request.app.state.tasks.discard)
    return {"id": job_id, "status": "queued", "sha256": sha256, "size": size}
