"""Uploads over the API and the upload page: investigators and admins only.

The body is streamed to a staging file with a size limit (a declared Content-Length
over the limit is refused before reading), checked (`search_api.uploads`), kept
write-once under its SHA-256, unpacked into its own bundle folder, and indexed in the
background. Every upload, accepted or refused, is audited.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import yaml
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidence.access import Level
from evidence.errors import EvidenceError, Forbidden, InvalidRequest, TooLarge
from search_api.deps import Caller, CallerDep
from search_api.errors import status_for
from search_api.models import ErrorOut
from search_api.routes.render import CSRF_COOKIE, json_twin, render
from search_api.security import valid_csrf
from search_api.upload_jobs import UploadJobs
from search_api.uploads import UploadRefused, keep_original, safe_extract, sniff_ok

router = APIRouter()
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


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    413: {"model": ErrorOut},
    503: {"model": ErrorOut},
}


@router.post("/api/uploads", status_code=202, responses=_ERRORS, tags=["uploads"])
async def upload_api(
    request: Request,
    caller: SenderDep,
    file: Annotated[UploadFile, File()],
    collection: Annotated[str | None, Form(max_length=41)] = None,
    record_type: Annotated[Literal["testimony", "filing", "photo"] | None, Form()] = None,
    metadata: Annotated[str | None, Form(max_length=100_000)] = None,
) -> dict[str, Any]:
    """Upload a bundle as a .zip, or one file with `collection`, `record_type` and
    `metadata` (a JSON object of its fields). Indexing runs in the background."""
    return await accept(request, caller, file, collection, record_type, metadata)


@router.get(
    "/api/uploads/{job_id}",
    responses=_ERRORS | {404: {"model": ErrorOut, "description": "No such upload"}},
    tags=["uploads"],
)
async def upload_status(request: Request, job_id: str, caller: UploaderDep) -> dict[str, Any]:
    """Progress and the per-record report of one upload."""
    jobs: UploadJobs = request.app.state.uploads
    return await jobs.get(caller.access, job_id)


@router.get("/api/uploads", responses=_ERRORS, tags=["uploads"])
async def upload_list(
    request: Request,
    caller: UploaderDep,
    cursor: Annotated[str | None, Query(max_length=4096, description="From next_cursor.")] = None,
) -> dict[str, Any]:
    """Your uploads (an admin's: everyone's), newest first, a page at a time."""
    jobs, next_cursor = await request.app.state.uploads.list(caller.access, cursor)
    return {
        "uploads": jobs,
        "next_cursor": next_cursor,
        "next": "?" + urlencode({"cursor": next_cursor}) if next_cursor else None,
    }


@router.get("/uploads", response_class=HTMLResponse, include_in_schema=False)
async def uploads_page(
    request: Request,
    caller: CallerDep,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
) -> HTMLResponse:
    if caller.access.role.ceiling < Level.CONFIDENTIAL:
        return render(
            request,
            "error.html",
            {"error": "Only investigators and admins may upload."},
            caller,
            403,
        )
    try:
        jobs, next_cursor = await request.app.state.uploads.list(caller.access, cursor)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    older_url = "?" + urlencode({"cursor": next_cursor}) if next_cursor else None
    context = {"jobs": jobs, "older_url": older_url, "json_url": json_twin("/api/uploads", request)}
    return render(request, "uploads.html", context, caller)


@router.post("/uploads", include_in_schema=False)
async def upload_form(
    request: Request,
    caller: SenderDep,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=128)],
) -> Response:
    secret = request.app.state.settings.secret_key.get_secret_value()
    try:
        if not valid_csrf(request.cookies.get(CSRF_COOKIE), csrf, secret):
            raise InvalidRequest("The form has expired or did not come from this site; reload it.")
        job = await accept(request, caller, file, None, None, None)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    return RedirectResponse(f"/uploads/{job['id']}", status_code=303)


@router.get("/uploads/{job_id}", response_class=HTMLResponse, include_in_schema=False)
async def upload_page(request: Request, job_id: str, caller: UploaderDep) -> HTMLResponse:
    try:
        job = await request.app.state.uploads.get(caller.access, job_id)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    context = {"job": job, "json_url": f"/api/uploads/{job_id}"}
    return render(request, "upload.html", context, caller)
