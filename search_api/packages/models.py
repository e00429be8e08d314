"""What a court exhibit package holds, as its `manifest.json` says it.

The manifest lists every file of the package (all but itself and its signature) with
its SHA-256 and size, and each exhibit with its number, its record, its file and what
kind of file that is: the original, byte for byte, or a working copy made for a role
that may not take originals out. `evidence/package_verify.py` checks a package against
it, with nothing but the standard library and `cryptography`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["FORMAT", "KeyOut", "Manifest", "ManifestExhibit", "ManifestFile"]

FORMAT = "caesar-atlas-exhibit-package/1"

FileKind = Literal["original", "working_copy"]


class ManifestFile(BaseModel):
    path: str
    sha256: str
    size: int


class ManifestExhibit(BaseModel):
    number: str = Field(description="`EX-001`, as the package's creator may number it.")
    stable_id: str
    title: str | None
    record_type: str | None
    date: str | None
    sha256: str | None = Field(description="The original's SHA-256, as the archive holds it.")
    kind: FileKind | None = Field(description="What `file` is; None when there is no file.")
    file: str | None
    custody: str = Field(description="The exhibit's custody history in the package.")
    facts: list[int] = Field(description="The numbers of the facts citing it.")
    pages: list[int] = Field(description="The pages those facts cite.")
    note: str | None = None


class Creator(BaseModel):
    user: str | None
    role: str


class Manifest(BaseModel):
    format: str = FORMAT
    created: str
    instance: str
    creator: Creator
    software: dict[str, str]
    chronology: dict[str, str]
    signing_key: dict[str, str]
    originals: bool = Field(description="Whether exhibits are originals or working copies.")
    exhibits: list[ManifestExhibit]
    files: list[ManifestFile]


class KeyOut(BaseModel):
    """A public key the archive signs (or signed) packages with."""

    fingerprint: str = Field(description="`sha256:` and the SHA-256 of the raw public key.")
    algorithm: Literal["Ed25519"] = "Ed25519"
    public_key_pem: str
    valid_from: str
    valid_until: str | None = Field(description="None for the key that signs today.")
