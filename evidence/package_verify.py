"""Verify a court exhibit package: `python verify.py PACKAGE.zip [--key KEY]`.

This file is copied into every package as `verify.py`, so it uses only the standard
library and `cryptography` (pip install cryptography), and nothing of the archive's own
code. `python -m indexer verify-package` runs the same checks.

It checks that:
- `manifest.sig` is a valid Ed25519 signature over `manifest.json`, by the key given
  with `--key` (a PEM public key, or the JSON list the archive publishes at /api/keys);
  without `--key`, by the key inside the package, which proves only that the package is
  whole, not who made it, so compare its fingerprint with the archive's published one;
- every file the manifest lists is there, with its size and SHA-256;
- no file is there that the manifest does not list;
- `manifest.csv` lists the same files as `manifest.json`;
- each original exhibit's SHA-256 is the one its custody record gives.

It prints one line per check and exits 0 when all pass, 1 when any fails, 2 when the
package cannot be read at all.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MANIFEST_CSV = "manifest.csv"
EMBEDDED_KEY = "public-key.pem"
# Files outside the list: the manifest cannot hash itself, nor the signature over it.
UNLISTED = frozenset({MANIFEST, SIGNATURE})
CSV_COLUMNS = ["path", "sha256", "size"]
_CUSTODY_HASH = re.compile(r"sha256 ([0-9a-f]{64})")


@dataclass
class Report:
    """Each check's outcome, in order: (passed, what was checked)."""

    lines: list[tuple[bool, str]] = field(default_factory=list)

    def check(self, passed: bool, text: str) -> bool:
        self.lines.append((passed, text))
        return passed

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(passed for passed, _ in self.lines)

    def text(self) -> str:
        shown = [f"{'OK  ' if passed else 'FAIL'} {text}" for passed, text in self.lines]
        failures = sum(not passed for passed, _ in self.lines)
        verdict = "VERIFIED" if self.ok else f"NOT VERIFIED: {failures} check(s) failed"
        return "\n".join([*shown, verdict])


class Unreadable(Exception):
    """Not a zip, or no manifest to check against."""


def fingerprint_of(raw_public_key: bytes) -> str:
    """`sha256:` and the hex SHA-256 of the 32 raw public key bytes."""
    return "sha256:" + hashlib.sha256(raw_public_key).hexdigest()


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _pem_key(data: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def given_keys(data: bytes) -> dict[str, Ed25519PublicKey]:
    """Keys by fingerprint from a PEM public key or the archive's /api/keys JSON."""
    text = data.decode("utf-8", "replace").lstrip()
    if text.startswith("-----BEGIN"):
        key = _pem_key(data)
        return {fingerprint_of(_raw(key)): key}
    rows = json.loads(text)
    rows = rows.get("keys", rows) if isinstance(rows, dict) else rows
    keys = [_pem_key(row["public_key_pem"].encode()) for row in rows]
    return {fingerprint_of(_raw(key)): key for key in keys}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_signature(
    report: Report,
    members: dict[str, bytes],
    manifest: dict[str, Any],
    keys: dict[str, Ed25519PublicKey] | None,
) -> None:
    named = str((manifest.get("signing_key") or {}).get("fingerprint", ""))
    if keys is None:
        embedded = members.get(EMBEDDED_KEY)
        if embedded is None:
            report.check(False, f"no --key given and no {EMBEDDED_KEY} in the package")
            return
        keys = given_keys(embedded)
        report.check(
            True,
            f"no --key given: checking with the key inside the package ({named}); this shows "
            "the package is whole, not who made it. Compare that fingerprint with the "
            "archive's published keys, or pass --key",
        )
    key = keys.get(named)
    if not report.check(key is not None, f"the manifest is signed by a given key ({named})"):
        return
    assert key is not None
    try:
        signature = base64.b64decode(members.get(SIGNATURE, b"").strip(), validate=True)
        key.verify(signature, members[MANIFEST])
        valid = True
    except (InvalidSignature, ValueError):
        valid = False
    report.check(valid, f"{SIGNATURE} is a valid Ed25519 signature over {MANIFEST}")


def _check_files(report: Report, members: dict[str, bytes], listed: list[dict[str, Any]]) -> None:
    paths = [str(row.get("path")) for row in listed]
    report.check(len(paths) == len(set(paths)), "no file is listed twice")
    for row in listed:
        path = str(row.get("path"))
        data = members.get(path)
        if data is None:
            report.check(False, f"{path} is missing")
            continue
        report.check(
            len(data) == row.get("size") and _sha256(data) == row.get("sha256"),
            f"{path}: {len(data)} bytes, SHA-256 {_sha256(data)}",
        )
    extra = sorted(set(members) - set(paths) - UNLISTED)
    report.check(
        not extra, "no file beyond those listed" + (f": {', '.join(extra)}" if extra else "")
    )


def _check_csv(report: Report, members: dict[str, bytes], listed: list[dict[str, Any]]) -> None:
    data = members.get(MANIFEST_CSV)
    if data is None:
        report.check(False, f"{MANIFEST_CSV} is present")
        return
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    in_csv = [(r.get("path"), r.get("sha256"), r.get("size")) for r in rows]
    in_json = [
        (str(r.get("path")), str(r.get("sha256")), str(r.get("size")))
        for r in listed
        if r.get("path") != MANIFEST_CSV
    ]
    report.check(in_csv == in_json, f"{MANIFEST_CSV} lists the same files as {MANIFEST}")


def _check_custody(report: Report, members: dict[str, bytes], manifest: dict[str, Any]) -> None:
    for exhibit in manifest.get("exhibits", []):
        if exhibit.get("kind") != "original":
            continue
        number, path = exhibit.get("number"), str(exhibit.get("file"))
        data = members.get(path)
        try:
            custody = json.loads(members[str(exhibit.get("custody"))])
        except (KeyError, ValueError):
            report.check(False, f"{number}: its custody record is readable")
            continue
        recorded = {
            match
            for event in custody.get("events", [])
            if event.get("action") in {"ingested", "updated"}
            for match in _CUSTODY_HASH.findall(str(event.get("detail", "")))
        }
        digest = _sha256(data) if data is not None else None
        report.check(
            digest is not None
            and digest == exhibit.get("sha256") == custody.get("sha256")
            and digest in recorded
            and digest in path,
            f"{number}: the original's SHA-256 is the one its custody records ({digest})",
        )


def _members(package: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(package) as archive:
            names = archive.namelist()
            if len(names) != len(set(names)):
                raise Unreadable("the zip holds two files under one name")
            return {name: archive.read(name) for name in names if not name.endswith("/")}
    except (OSError, zipfile.BadZipFile) as error:
        raise Unreadable(f"{package}: not a readable zip: {error}") from error


def verify(package: Path, key_file: Path | None = None) -> Report:
    """Every check on one package; Unreadable if there is nothing to check."""
    members = _members(package)
    if MANIFEST not in members:
        raise Unreadable(f"{package}: no {MANIFEST}")
    try:
        manifest = json.loads(members[MANIFEST])
    except ValueError as error:
        raise Unreadable(f"{MANIFEST} is not JSON: {error}") from error
    keys = given_keys(key_file.read_bytes()) if key_file else None
    report = Report()
    _check_signature(report, members, manifest, keys)
    listed = manifest.get("files", [])
    _check_files(report, members, listed)
    _check_csv(report, members, listed)
    _check_custody(report, members, manifest)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a court exhibit package.")
    parser.add_argument("package", type=Path)
    parser.add_argument(
        "--key", type=Path, help="the archive's public key (PEM) or its /api/keys JSON"
    )
    arguments = parser.parse_args(argv)
    try:
        report = verify(arguments.package, arguments.key)
    except (Unreadable, OSError, ValueError, KeyError) as error:
        print(f"cannot verify: {error}", file=sys.stderr)
        return 2
    print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
