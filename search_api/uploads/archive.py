"""Hostile-input-safe handling of uploaded archives and files.

An upload is first written to a staging file with a size limit and hashed; the
original is then kept write-once under its SHA-256. A zip is checked entry by entry
before anything is extracted: paths must stay inside the bundle (no absolute paths,
no `..`, no backslashes), no symbolic links, no encrypted entries, limits on the
number of files, the total size and the compression ratio; each file must be of an
expected type, judged by its content, not its name. The one `collection.yaml` is read
from the archive in memory (bounded) before extraction, so the uploader's right to
write that collection is checked before anything is unpacked. While extracting, the
bytes actually written are counted, because zip headers can lie. Any problem refuses
the whole archive, and nothing is written outside the upload store. Messages name
entries as the archive does, never a path on the server.

Everything here blocks (disk, decompression, hashing): callers run it in a thread.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from evidence.errors import InvalidRequest

__all__ = [
    "Bundled",
    "Limits",
    "UploadRefused",
    "inspect_archive",
    "keep_original",
    "safe_extract",
    "sniff_ok",
]

BLOCK = 1 << 20
# A collection.yaml is a few lines; this bounds what is read into memory to learn its id.
MAX_COLLECTION_YAML = 64 * 1024


class UploadRefused(InvalidRequest):
    """The upload is refused as a whole; the message lists why."""


@dataclass(frozen=True)
class Limits:
    max_files: int = 20_000
    max_total_bytes: int = 4 * 1024**3
    max_ratio: int = 200


@dataclass(frozen=True)
class Bundled:
    """What an archive says before it is unpacked: its collection id, and the folder of
    its `collection.yaml` inside the archive (the bundle's root)."""

    collection_id: str
    root: PurePosixPath


_TEXT = {".md", ".txt", ".csv", ".jsonl", ".yaml", ".yml", ".json"}


def sniff_ok(name: str, head: bytes) -> bool:
    """Does the content look like what the name says, among the types bundles hold?"""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in {".jpg", ".jpeg"}:
        return head.startswith(b"\xff\xd8\xff")
    if suffix == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix in {".tif", ".tiff"}:
        return head[:4] in {b"II*\x00", b"MM\x00*"}
    if suffix == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if suffix == ".pdf":
        return head.startswith(b"%PDF-")
    if suffix == ".docx":
        return head.startswith(b"PK\x03\x04")
    if suffix in _TEXT:
        if b"\x00" in head:
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            return error.start >= len(head) - 3  # a multi-byte character cut at the end
        return True
    return False


def keep_original(staged: Path, originals: Path) -> str:
    """Move a staged upload to `originals/<sha256>` unless it is already there; read-only."""
    digest = hashlib.sha256()
    with staged.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    sha = digest.hexdigest()
    originals.mkdir(parents=True, exist_ok=True)
    target = originals / sha
    if target.exists():
        staged.unlink()
    else:
        staged.replace(target)
        target.chmod(0o444)
    return sha


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\x00" in name or "\\" in name:
        return "has a backslash or NUL in its name"
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        return "is an absolute path"
    if ".." in path.parts:
        return "climbs out of the bundle (..)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    if info.flag_bits & 0x1:
        return "is encrypted"
    return None


def _reason(error: BaseException) -> str:
    """What went wrong, without the server path an OSError quotes."""
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return str(error)


@contextmanager
def _opened(archive: Path) -> Iterator[zipfile.ZipFile]:
    try:
        zipped = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as error:
        raise UploadRefused(f"Not a readable zip archive: {_reason(error)}") from error
    with zipped:
        yield zipped


def _checked_entries(zipped: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """The archive's files, once every entry passed the checks; refuses otherwise."""
    entries = [info for info in zipped.infolist() if not info.is_dir()]
    if len(entries) > limits.max_files:
        raise UploadRefused(f"The archive holds {len(entries)} files; at most {limits.max_files}.")
    problems = [f"{i.filename} {p}" for i in entries if (p := _entry_problem(i))]
    declared = sum(i.file_size for i in entries)
    if declared > limits.max_total_bytes:
        problems.append(f"unpacks to {declared} bytes; at most {limits.max_total_bytes}")
    for info in entries:
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
            problems.append(
                f"{info.filename} expands {info.file_size // info.compress_size}x"
                f" (a zip bomb?); at most {limits.max_ratio}x"
            )
    if problems:
        raise UploadRefused("Archive refused: " + "; ".join(problems[:20]))
    return entries


def _collection_id(text: bytes) -> str:
    """The `id` of a collection.yaml, read without trusting it: no aliases (a few lines
    of them can expand to gigabytes), and a plain string."""
    try:
        if any(isinstance(token, yaml.AliasToken) for token in yaml.scan(text)):
            raise UploadRefused("collection.yaml must not use YAML aliases.")
        meta = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UploadRefused("collection.yaml is not valid YAML.") from error
    collection_id = meta.get("id") if isinstance(meta, dict) else None
    if not isinstance(collection_id, str) or not collection_id:
        raise UploadRefused("collection.yaml needs an id.")
    return collection_id


def _bundled(zipped: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> Bundled:
    found = [i for i in entries if PurePosixPath(i.filename).name == "collection.yaml"]
    if len(found) != 1:
        raise UploadRefused("The archive must hold exactly one collection.yaml (one bundle).")
    (info,) = found
    if info.file_size > MAX_COLLECTION_YAML:
        raise UploadRefused(f"collection.yaml is over {MAX_COLLECTION_YAML} bytes.")
    with zipped.open(info) as source:
        text = source.read(MAX_COLLECTION_YAML + 1)
    if len(text) > MAX_COLLECTION_YAML:
        raise UploadRefused(f"collection.yaml is over {MAX_COLLECTION_YAML} bytes.")
    return Bundled(_collection_id(text), PurePosixPath(info.filename).parent)


def inspect_archive(archive: Path, limits: Limits = Limits()) -> Bundled:
    """Check every entry and read the collection's id, unpacking nothing."""
    with _opened(archive) as zipped:
        try:
            return _bundled(zipped, _checked_entries(zipped, limits))
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise UploadRefused(f"The archive is corrupt: {_reason(error)}") from error


def safe_extract(archive: Path, destination: Path, limits: Limits = Limits()) -> list[str]:
    """Check every entry, then extract into `destination`; the names of the files written."""
    with _opened(archive) as zipped:
        entries = _checked_entries(zipped, limits)
        try:
            return _extract(zipped, entries, destination, limits)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            shutil.rmtree(destination, ignore_errors=True)
            raise UploadRefused(f"The archive is corrupt: {_reason(error)}") from error


def _extract(
    zipped: zipfile.ZipFile, entries: list[zipfile.ZipInfo], destination: Path, limits: Limits
) -> list[str]:
    destination.mkdir(parents=True)
    root = destination.resolve()
    written, total, refused = [], 0, []
    for info in entries:
        target = (root / info.filename).resolve()
        if not target.is_relative_to(root):
            refused.append(f"{info.filename} leaves the bundle")
            break
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipped.open(info) as source, open(target, "xb") as out:
            head = source.read(4096)
            if not sniff_ok(info.filename, head):
                refused.append(
                    f"{info.filename} is not the type its name says, or not a type bundles hold"
                )
                break
            size = len(head)
            out.write(head)
            for block in iter(lambda: source.read(BLOCK), b""):
                size += len(block)
                total += len(block)
                if size > info.file_size or total > limits.max_total_bytes:
                    refused.append(f"{info.filename} is larger than its header says")
                    break
                out.write(block)
            total += len(head)
        os.chmod(target, 0o444)
        written.append(info.filename)
        if refused:
            break
    if refused:
        shutil.rmtree(destination, ignore_errors=True)
        raise UploadRefused("Archive refused: " + "; ".join(refused))
    return written
