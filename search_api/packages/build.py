"""Assemble a court exhibit package: a zip of the exhibits, their custody, the exhibit
list and the chronology, a manifest of every file's SHA-256 and size, and an Ed25519
signature over the manifest.

Pure apart from reading the originals it is handed and writing the zip: the service
gathers what the caller may read and hands it over. An original is hashed again while
it is copied in, and the package fails rather than hold a file that is no longer the
one its exhibit names. Blocking: run it in a worker thread.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from evidence import package_verify
from evidence.originals import OriginalUnavailable
from evidence.signing import PublicKey
from search_api.chronologies.export import to_docx
from search_api.chronologies.models import Chronology, ExhibitOut
from search_api.locale import gettext
from search_api.packages.copies import image_copy, text_copy
from search_api.packages.documents import ExhibitRow, chronology_pdf, exhibits_docx, exhibits_pdf
from search_api.packages.models import Creator, FileKind, Manifest, ManifestExhibit, ManifestFile
from search_api.packages.readme import readme

__all__ = ["Built", "ExhibitSource", "PackageInput", "build"]

_BLOCK = 1 << 20
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,5})$")
_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif", "image/webp": ".webp"}


@dataclass(frozen=True)
class ExhibitSource:
    """One exhibit as the creator may read it, and the stored original when originals go
    into this package and the archive holds one."""

    exhibit: ExhibitOut
    record: dict[str, Any]
    sha256: str | None
    original: Path | None
    pages: list[dict[str, Any]]
    custody: list[dict[str, Any]]

    @property
    def media_type(self) -> str | None:
        return (self.record.get("source") or {}).get("media_type")

    @property
    def extension(self) -> str:
        if self.media_type in _TYPES:
            return _TYPES[self.media_type]
        match = _EXTENSION.search(str((self.record.get("source") or {}).get("file") or ""))
        return "." + match[1].lower() if match else ".bin"


@dataclass(frozen=True)
class PackageInput:
    chronology: Chronology
    exhibits: list[ExhibitSource]
    originals: bool
    created: datetime
    instance: str
    creator: Creator
    software_version: str
    signer: Ed25519PrivateKey
    key: PublicKey


@dataclass(frozen=True)
class Built:
    manifest_sha256: str
    size: int
    files: int


@dataclass
class _Writer:
    """The zip being written, and each file's entry for the manifest."""

    archive: zipfile.ZipFile
    created: datetime
    listed: list[ManifestFile] = field(default_factory=list)

    def _info(self, path: str, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self.created.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o444 << 16
        return info

    def add(self, path: str, data: bytes, listed: bool = True, compress: bool = True) -> str:
        self.archive.writestr(self._info(path, compress), data)
        digest = hashlib.sha256(data).hexdigest()
        if listed:
            self.listed.append(ManifestFile(path=path, sha256=digest, size=len(data)))
        return digest

    def add_original(self, path: str, source: Path, sha256: str) -> None:
        """Copy a stored original in, hashing it on the way; OriginalUnavailable if it is
        not the file `sha256` names."""
        digest, size = hashlib.sha256(), 0
        with source.open("rb") as handle, self.archive.open(self._info(path, False), "w") as out:
            while block := handle.read(_BLOCK):
                digest.update(block)
                size += len(block)
                out.write(block)
        if digest.hexdigest() != sha256:
            raise OriginalUnavailable(f"{source} changed while it was packaged")
        self.listed.append(ManifestFile(path=path, sha256=sha256, size=size))


def _date(record: dict[str, Any]) -> str:
    return str((record.get("date") or {}).get("text") or "")


def _exhibit_file(
    writer: _Writer, source: ExhibitSource, originals: bool
) -> tuple[str | None, FileKind | None, str | None]:
    """Write the exhibit's file: (path, kind, note)."""
    label = source.exhibit.label
    if originals and source.original is not None and source.sha256:
        path = f"exhibits/{label}_{source.sha256}{source.extension}"
        writer.add_original(path, source.original, source.sha256)
        return path, "original", None
    note = (
        gettext("The archive holds no original file of this record: this is its text.")
        if originals
        else gettext("A working copy: originals go to investigators and administrators.")
    )
    # Only a photo's image is shown as an image: a scanned document's image shows the
    # names its record withholds, so below investigator it is given as its text.
    photo = source.record.get("record_type") == "photo"
    if photo and source.original is not None and (source.media_type or "").startswith("image/"):
        copy = image_copy(
            source.original.read_bytes(),
            bool(source.record.get("graphic", True)),
            label,
            source.sha256,
        )
        suffix = ".working-copy.jpg"
    elif source.pages:
        copy = text_copy(label, source.record, source.sha256, source.pages)
        suffix = ".working-copy.txt"
    else:
        return None, None, gettext("The archive holds no file for this record.")
    path = f"exhibits/{label}_{hashlib.sha256(copy).hexdigest()}{suffix}"
    writer.add(path, copy, compress=suffix.endswith(".txt"))
    return path, "working_copy", note


def _custody(source: ExhibitSource) -> bytes:
    events = sorted(source.custody, key=lambda event: str(event.get("at", "")))
    document = {
        "exhibit": source.exhibit.label,
        "stable_id": source.exhibit.stable_id,
        "title": source.record.get("title"),
        "sha256": source.sha256,
        "events": events,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _row(source: ExhibitSource) -> ExhibitRow:
    exhibit = source.exhibit
    return ExhibitRow(
        number=exhibit.label,
        title=str(source.record.get("title") or exhibit.title or ""),
        record_type=str(source.record.get("record_type") or ""),
        date=_date(source.record),
        sha256=source.sha256 or gettext("not given"),
        pages=", ".join(str(page) for page in exhibit.pages),
        facts=", ".join(str(fact) for fact in exhibit.facts),
    )


def _csv(listed: list[ManifestFile]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=package_verify.CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(row.model_dump() for row in listed)
    return buffer.getvalue().encode("utf-8")


def build(content: PackageInput, destination: BinaryIO) -> Built:
    """Write the package to `destination`; what the audit log and the caller are told."""
    chronology, created = content.chronology, content.created
    with zipfile.ZipFile(destination, "w") as archive:
        writer = _Writer(archive, created)
        exhibits: list[ManifestExhibit] = []
        for source in content.exhibits:
            path, kind, note = _exhibit_file(writer, source, content.originals)
            custody = f"custody/{source.exhibit.label}.json"
            writer.add(custody, _custody(source))
            exhibits.append(
                ManifestExhibit(
                    number=source.exhibit.label,
                    stable_id=source.exhibit.stable_id,
                    title=source.record.get("title"),
                    record_type=source.record.get("record_type"),
                    date=_date(source.record) or None,
                    sha256=source.sha256,
                    kind=kind,
                    file=path,
                    custody=custody,
                    facts=source.exhibit.facts,
                    pages=source.exhibit.pages,
                    note=note,
                )
            )
        rows = [_row(source) for source in content.exhibits]
        writer.add("exhibits.docx", exhibits_docx(chronology, rows))
        writer.add("exhibits.pdf", exhibits_pdf(chronology, rows, created))
        writer.add("chronology.docx", to_docx(chronology, authors=True))
        writer.add("chronology.pdf", chronology_pdf(chronology, created))
        writer.add("verify.py", Path(package_verify.__file__).read_bytes())
        writer.add(package_verify.EMBEDDED_KEY, content.key.pem.encode())
        synthetic = any(source.record.get("synthetic") for source in content.exhibits)
        writer.add("README.txt", readme(content, synthetic).encode("utf-8"))
        writer.add(package_verify.MANIFEST_CSV, _csv(writer.listed))
        manifest = Manifest(
            created=created.isoformat(timespec="seconds"),
            instance=content.instance,
            creator=content.creator,
            software={"name": "caesar-atlas-index", "version": content.software_version},
            chronology={
                "id": chronology.id,
                "title": chronology.title,
                "version": chronology.version,
            },
            signing_key={"algorithm": "Ed25519", "fingerprint": content.key.fingerprint},
            originals=content.originals,
            exhibits=exhibits,
            files=writer.listed,
        )
        data = (json.dumps(manifest.model_dump(), ensure_ascii=False, indent=2) + "\n").encode()
        digest = writer.add(package_verify.MANIFEST, data, listed=False)
        signature = base64.b64encode(content.signer.sign(data)) + b"\n"
        writer.add(package_verify.SIGNATURE, signature, listed=False)
        files = len(writer.listed) + 2
    return Built(manifest_sha256=digest, size=destination.tell(), files=files)
