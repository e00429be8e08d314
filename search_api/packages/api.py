"""Packages over HTTP: a chronology's court package as a zip, and the public keys that
verify packages."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from search_api import locale
from search_api.chronologies.api import ChronologiesDep
from search_api.deps import StoreDep
from search_api.models import ErrorOut
from search_api.packages.models import KeyOut
from search_api.packages.service import PackageService

__all__ = ["PackagesDep", "package_response", "router"]

router = APIRouter(tags=["packages"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Log in first"},
    404: {"model": ErrorOut},
    503: {"model": ErrorOut, "description": "No signing key, or a server it needs is down"},
}
_BLOCK = 1 << 20
ZIP = "application/zip"


def get_packages(
    request: Request, chronologies: ChronologiesDep, store: StoreDep
) -> PackageService:
    state = request.app.state
    return PackageService(
        chronologies,
        store,
        state.auditor,
        state.keys,
        state.settings.originals_dir,
        state.settings.instance_name,
    )


PackagesDep = Annotated[PackageService, Depends(get_packages)]


def _read(handle: IO[bytes]) -> Iterator[bytes]:
    """The written package, a block at a time; the temporary file goes with the last."""
    try:
        handle.seek(0)
        while block := handle.read(_BLOCK):
            yield block
    finally:
        handle.close()


async def package_response(
    request: Request, packages: PackageService, chronology_id: str
) -> StreamingResponse:
    """Build the caller's package in a temporary file and stream it."""
    locale.use(request)  # the documents are in the reader's language
    handle = await asyncio.to_thread(tempfile.TemporaryFile)
    try:
        built = await packages.make(chronology_id, handle)
    except BaseException:
        handle.close()
        raise
    headers = {
        "Content-Disposition": f'attachment; filename="{chronology_id}-package.zip"',
        "Content-Length": str(built.size),
        "X-Manifest-SHA256": built.manifest_sha256,
    }
    return StreamingResponse(_read(handle), media_type=ZIP, headers=headers)


@router.get(
    "/api/chronologies/{chronology_id}/package",
    responses=_ERRORS | {200: {"content": {ZIP: {}}}},
    response_class=StreamingResponse,
)
async def package(request: Request, chronology_id: str, packages: PackagesDep) -> StreamingResponse:
    """The chronology's court package: numbered exhibits (originals for investigators and
    administrators, marked working copies for others), each exhibit's custody, the
    exhibit list and the chronology as Word and PDF, a manifest of every file's SHA-256
    and size signed with Ed25519, and `verify.py`. Audited with the manifest's SHA-256
    (also in the `X-Manifest-SHA256` header)."""
    return await package_response(request, packages, chronology_id)


@router.get("/api/keys", response_model=list[KeyOut])
async def keys(request: Request) -> list[KeyOut]:
    """The public keys that sign this archive's packages, oldest first: the current one
    (no `valid_until`) and every retired one, which still verifies what it signed."""
    ring = request.app.state.keys
    published = await asyncio.to_thread(ring.published)
    return [KeyOut.model_validate(key.as_json()) for key in published]
