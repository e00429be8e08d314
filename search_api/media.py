"""Images as the browser gets them: only a record's own stored original, and graphic
photos blurred by default.

A record names its image by SHA-256, and the file is read from the originals store
(`evidence.originals`) under that hash, never looked up by path. The original is hashed
again each time it is served; a preview is cached by (SHA-256, blur) and the file is
hashed when the preview is made. A missing or altered file is a 404 and an audit event,
never another file. Decoding runs in a worker thread, so a large image cannot stall
the event loop, and nothing larger than the ingest cap is decoded at all.

The blurred version is made on the server, so the unblurred pixels never reach a
browser until someone chooses to reveal them. A browser gets the original of a graphic
photo only with a reveal ticket: a short-lived HMAC the record page's "Show image" form
mints for that record and that caller (a signed-in user, or a visitor's browser by its
CSRF cookie), so a shared or bookmarked address of the original opens nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NoReturn

from fastapi import Request
from PIL import Image, ImageFilter, ImageOps

from evidence.errors import N_, Forbidden, NotFound
from evidence.originals import (
    OriginalUnavailable,
    megapixels_refusal,
    stored_path,
    verified_original,
)
from search_api.deps import Caller
from search_api.record_service import RecordFile, record_file
from search_api.routes.render import CSRF_COOKIE
from search_api.store import Store

__all__ = [
    "DOWNLOAD_TYPES",
    "TICKET_SECONDS",
    "GraphicLocked",
    "Original",
    "RevealPass",
    "download",
    "original",
    "pass_for",
    "preview",
    "reveal_ticket",
    "ticket_holder",
]

PREVIEW_SIZE = (480, 480)
PREVIEW_CACHE_SIZE = 256
# The file name extension of a download, by the type the indexer read from the image.
DOWNLOAD_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "image/webp": ".webp",
}


# How long the original of a graphic photo stays open after "Show image": long enough
# to load it and download it, short enough that a copied address is soon dead.
TICKET_SECONDS = 600


@dataclass(frozen=True)
class Original:
    path: Path
    media_type: str


class GraphicLocked(Forbidden):
    """The original of a graphic photo, asked for by a browser without a valid ticket."""


def _ticket_mac(secret: str, holder: str, stable_id: str, expiry: int) -> str:
    # The holder's length first: no holder and record id pair reads as another.
    message = f"reveal:{len(holder)}:{holder}:{stable_id}:{expiry}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def reveal_ticket(secret: str, holder: str, stable_id: str, now: float | None = None) -> str:
    """A ticket opening `stable_id`'s original to `holder` for `TICKET_SECONDS`."""
    expiry = int((time.time() if now is None else now) + TICKET_SECONDS)
    return f"{expiry}.{_ticket_mac(secret, holder, stable_id, expiry)}"


def ticket_holder(user: str | None, csrf_cookie: str | None) -> str | None:
    """Whom a ticket is for: the signed-in user, else the visitor's browser (its CSRF
    cookie, which is HttpOnly and SameSite=Strict, so it never travels with a link)."""
    if user:
        return f"user:{user}"
    return f"browser:{csrf_cookie}" if csrf_cookie else None


@dataclass(frozen=True)
class RevealPass:
    """What a browser showed for a graphic original: its ticket, and whom it must be for."""

    secret: str
    holder: str | None
    ticket: str | None

    def opens(self, stable_id: str, now: float | None = None) -> bool:
        expiry_text, _, mac = (self.ticket or "").partition(".")
        digits = expiry_text.isascii() and expiry_text.isdigit()  # not "²": int() refuses it
        if not (self.holder and digits and len(expiry_text) < 16 and mac):
            return False
        expiry = int(expiry_text)
        if expiry < (time.time() if now is None else now):
            return False
        expected = _ticket_mac(self.secret, self.holder, stable_id, expiry)
        return hmac.compare_digest(expected, mac)


def pass_for(request: Request, caller: Caller, ticket: str | None) -> RevealPass | None:
    """A browser's pass (cookie session or none); None for a program, whose Bearer token
    `identify` has already checked: a token is sent by the program itself and cannot
    travel in a shared link, so it needs no ticket (docs/access.md)."""
    scheme = request.headers.get("authorization", "").partition(" ")[0]
    if scheme.lower() == "bearer":
        return None
    secret = request.app.state.settings.secret_key.get_secret_value()
    holder = ticket_holder(caller.access.user, request.cookies.get(CSRF_COOKIE))
    return RevealPass(str(secret), holder, ticket)


def _render(path: Path, sha256: str, blur: bool) -> bytes:
    """Read the stored file once, check it is what `sha256` names, and only then decode
    the very bytes that were hashed."""
    try:
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OriginalUnavailable("the stored file does not match its SHA-256")
        with Image.open(io.BytesIO(data)) as image:
            if refusal := megapixels_refusal(image.width, image.height):
                raise OriginalUnavailable(refusal)
            image.draft("RGB", PREVIEW_SIZE)  # JPEG: decode at a reduced scale
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise OriginalUnavailable(f"unreadable: {error}") from error
    picture.thumbnail(PREVIEW_SIZE)
    if blur:
        picture = ImageOps.grayscale(picture).filter(ImageFilter.GaussianBlur(radius=14))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


@lru_cache(maxsize=PREVIEW_CACHE_SIZE)
def _cached_preview(store_root: str, sha256: str, blur: bool) -> bytes:
    """A preview by content: the same image is decoded once. Failures are not cached,
    so a repaired store is served again. Blocking: run it in a worker thread."""
    try:
        path = stored_path(Path(store_root), sha256)
    except ValueError as error:
        raise OriginalUnavailable(str(error)) from error
    return _render(path, sha256, blur)


async def _unavailable(caller: Caller, image: RecordFile, problem: OriginalUnavailable) -> NoReturn:
    """Audit the missing or altered original; the caller sees the same 404 as for a
    record that does not exist."""
    await caller.audit(
        "image.unavailable",
        outcome="not_found",
        record_ids=[image.stable_id],
        params={"sha256": image.sha256, "reason": str(problem)},
    )
    raise NotFound(N_("No image for %(id)s."), id=image.stable_id) from problem


async def preview(store: Store, originals_dir: Path, stable_id: str, caller: Caller) -> bytes:
    """A small JPEG of the record's image; greyscale and heavily blurred when graphic."""
    image = await record_file(store, stable_id, caller)
    try:
        return await asyncio.to_thread(
            _cached_preview, str(originals_dir), image.sha256, image.graphic
        )
    except OriginalUnavailable as problem:
        await _unavailable(caller, image, problem)


async def original(
    store: Store,
    originals_dir: Path,
    stable_id: str,
    caller: Caller,
    reveal_pass: RevealPass | None,
    *,
    audit_as: str = "image.reveal",
) -> Original:
    """The record's original file, verified against its SHA-256, for a deliberate reveal
    or download (audited as `audit_as`, with the SHA-256).

    A browser passes its `reveal_pass`; a program (a Bearer token) passes None. A graphic
    photo's original needs a pass that opens it. The access check comes first, so a
    record the caller may not see stays the same 404 with or without a ticket; a refused
    request writes no audit entry, so a cross-site link cannot write one in a visitor's
    name."""
    try:
        image = await record_file(store, stable_id, caller)
    except NotFound:
        await caller.audit(audit_as, outcome="not_found", record_ids=[stable_id])
        raise
    if image.graphic and reveal_pass is not None and not reveal_pass.opens(stable_id):
        raise GraphicLocked(
            N_("The image of %(id)s is graphic: show it from its record page (%(page)s) first."),
            id=stable_id,
            page=f"/records/{stable_id}",
        )
    await caller.audit(audit_as, record_ids=[stable_id], params={"sha256": image.sha256})
    try:
        path = await asyncio.to_thread(verified_original, originals_dir, image.sha256)
    except OriginalUnavailable as problem:
        await _unavailable(caller, image, problem)
    return Original(path, image.media_type)


async def download(
    store: Store,
    originals_dir: Path,
    stable_id: str,
    caller: Caller,
    reveal_pass: RevealPass | None,
) -> Original:
    """The original as a file to keep, byte for byte: audited as `original.download`."""
    return await original(
        store, originals_dir, stable_id, caller, reveal_pass, audit_as="original.download"
    )
