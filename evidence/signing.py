"""The instance's Ed25519 signing keys: one current key signs court packages; retired
keys stay published, so packages signed before a rotation still verify.

The key ring is a directory outside the repository (`signing_keys_dir`):
- `keys.json`, public: each key's fingerprint, public key, and when it was valid;
- `{fingerprint}.key`, the current private key only, PKCS #8 PEM, mode 0600. A retired
  key's private half is deleted at rotation, so it can never sign again.

A private key file that others may read is refused, as ssh refuses one: whoever could
read it could sign packages in the archive's name.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from evidence.package_verify import fingerprint_of

__all__ = ["KeyRing", "NoSigningKey", "PublicKey", "fingerprint_of"]

_RING = "keys.json"


class NoSigningKey(Exception):
    """No usable current key: none made yet, or its file is readable by others."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class PublicKey:
    """A published key and when it signed: from `valid_from` until `valid_until`
    (None while it is the current key)."""

    fingerprint: str
    raw: bytes
    valid_from: str
    valid_until: str | None

    @property
    def pem(self) -> str:
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def as_json(self) -> dict[str, str | None]:
        return {
            "fingerprint": self.fingerprint,
            "algorithm": "Ed25519",
            "public_key_pem": self.pem,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }


class KeyRing:
    """The key ring in one directory. Blocking file work: call it from a worker thread
    in the API."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def published(self) -> list[PublicKey]:
        """Every key ever used, oldest first; empty before `init`."""
        path = self.directory / _RING
        if not path.exists():
            return []
        rows = json.loads(path.read_text(encoding="utf-8"))["keys"]
        return [
            PublicKey(
                row["fingerprint"],
                base64.b64decode(row["public_key"]),
                row["valid_from"],
                row.get("valid_until"),
            )
            for row in rows
        ]

    def current(self) -> PublicKey | None:
        return next((key for key in self.published() if key.valid_until is None), None)

    def init(self) -> PublicKey:
        """Make the first key; ValueError if the ring already has one."""
        if self.published():
            raise ValueError(f"{self.directory} already holds a key; use rotate for a new one")
        return self._add([])

    def rotate(self) -> PublicKey:
        """A new current key; the old one is retired (still published, never signs)."""
        keys = self.published()
        if not keys:
            raise ValueError(f"{self.directory} holds no key yet; use init")
        now = _now()
        retired = [
            PublicKey(k.fingerprint, k.raw, k.valid_from, k.valid_until or now) for k in keys
        ]
        new = self._add(retired)
        for old in keys:
            if old.valid_until is None:
                self._private_path(old.fingerprint).unlink(missing_ok=True)
        return new

    def signer(self) -> tuple[Ed25519PrivateKey, PublicKey]:
        """The current private key, checked against its published half."""
        current = self.current()
        if current is None:
            raise NoSigningKey(f"no signing key in {self.directory}")
        path = self._private_path(current.fingerprint)
        try:
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise NoSigningKey(f"{path} may be read by others; make it 0600")
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except OSError as error:
            raise NoSigningKey(f"the signing key cannot be read: {error}") from error
        if not isinstance(key, Ed25519PrivateKey):
            raise NoSigningKey(f"{path} is not an Ed25519 key")
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        if fingerprint_of(raw) != current.fingerprint:
            raise NoSigningKey(f"{path} does not match the published key")
        return key, current

    def _private_path(self, fingerprint: str) -> Path:
        return self.directory / f"{fingerprint.removeprefix('sha256:')}.key"

    def _add(self, earlier: list[PublicKey]) -> PublicKey:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        private = Ed25519PrivateKey.generate()
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        new = PublicKey(fingerprint_of(raw), raw, _now(), None)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Created 0600 from the first byte, never widened then narrowed.
        descriptor = os.open(
            self._private_path(new.fingerprint), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
        )
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        self._write_ring([*earlier, new])
        return new

    def _write_ring(self, keys: list[PublicKey]) -> None:
        rows = [
            {
                "fingerprint": k.fingerprint,
                "public_key": base64.b64encode(k.raw).decode(),
                "valid_from": k.valid_from,
                "valid_until": k.valid_until,
            }
            for k in keys
        ]
        temporary = self.directory / (_RING + ".tmp")
        temporary.write_text(json.dumps({"keys": rows}, indent=2) + "\n", encoding="utf-8")
        temporary.replace(self.directory / _RING)
