"""Making a court package for one caller: the chronology as they read it, its exhibits as
they may read them, originals only for the roles that may take them out, signed with
the instance's current key, and audited with the manifest's SHA-256.

Everything about a record comes through the one Store with the caller's access, so a
package holds nothing its creator could not read in the archive: a record they may not
see is neither an exhibit nor counted, and below investigator a record's protected
names, hashes and originals stay out. Originals go to investigators and administrators
(the roles that read protected names, which a scanned original shows); other roles get
working copies (`copies.py`). Custody comes from the record and from the audit log's
reveals, downloads and packagings of its original; who did them is named only to the
roles that may read the audit's names of colleagues on protected work.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, BinaryIO

from evidence.errors import N_, IndexUnavailable, SigningUnavailable
from evidence.originals import OriginalUnavailable, stored_path
from evidence.signing import KeyRing, NoSigningKey
from search_api.audit import Auditor
from search_api.chronologies.models import Chronology
from search_api.chronologies.service import ChronologyService
from search_api.chronologies.store import ChronologyStore
from search_api.packages.build import Built, ExhibitSource, PackageInput, build
from search_api.packages.models import Creator
from search_api.store import Store

__all__ = ["PackageService", "software_version"]

_FIELDS = [
    "stable_id",
    "title",
    "record_type",
    "collection",
    "date",
    "sha256",
    "source",
    "graphic",
    "synthetic",
    "custody",
    "pages",
]
_PROTECTED_FIELDS = ["protected.pages", "protected.unredacted.sha256"]


def software_version() -> str:
    try:
        return version("caesar-atlas-index")
    except PackageNotFoundError:
        return "unknown"


def _stored(originals_dir: Path, sha256: str | None) -> Path | None:
    """The stored original named `sha256`, if the store holds one (its bytes are hashed
    again as they are packaged)."""
    if not sha256:
        return None
    try:
        path = stored_path(originals_dir, sha256)
    except ValueError:
        return None
    return path if path.is_file() and not path.is_symlink() else None


def _audit_event(event: dict[str, Any], names: bool) -> dict[str, Any]:
    who = (
        event.get("user")
        if names and event.get("user")
        else f"a user with the role {event.get('role')}"
    )
    return {
        "at": event.get("at"),
        "action": event.get("action"),
        "actor": who,
        "detail": "audit log",
    }


@dataclass
class PackageService:
    chronologies: ChronologyService
    store: Store
    auditor: Auditor
    keys: KeyRing
    originals_dir: Path
    instance: str

    async def _records(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        access = self.chronologies.caller.access
        fields = _FIELDS + (_PROTECTED_FIELDS if access.sees_protected_fields else [])
        body = {"query": {"ids": {"values": ids}}, "size": len(ids), "_source": fields}
        hits = (await self.store.search(body, access))["hits"]["hits"]
        return {hit["_id"]: hit["_source"] for hit in hits}

    async def _sources(self, chronology: Chronology) -> list[ExhibitSource]:
        access = self.chronologies.caller.access
        ids = [exhibit.stable_id for exhibit in chronology.exhibits]
        if not ids:
            return []
        records, events = await asyncio.gather(self._records(ids), self.auditor.custody_events(ids))
        sources = []
        for exhibit in chronology.exhibits:
            record = records.get(exhibit.stable_id)
            if record is None:  # its level rose a moment ago: it is no longer theirs
                continue
            protected = record.pop("protected", None) or {}
            sha256 = record.get("sha256") or (protected.get("unredacted") or {}).get("sha256")
            audited = [
                _audit_event(event, access.sees_protected_fields)
                for event in events
                if exhibit.stable_id in event.get("record_ids", [])
            ]
            sources.append(
                ExhibitSource(
                    exhibit=exhibit,
                    record=record,
                    sha256=sha256,
                    original=await asyncio.to_thread(_stored, self.originals_dir, sha256),
                    pages=protected.get("pages") or record.get("pages") or [],
                    custody=[*record.get("custody", []), *audited],
                )
            )
        return sources

    async def make(self, chronology_id: str, destination: BinaryIO) -> Built:
        """Write the caller's package of the chronology to `destination`."""
        caller = self.chronologies.caller
        ChronologyStore.require_user(caller.access)
        chronology = await self.chronologies.numbered(chronology_id)  # a 404 before a 503
        try:
            signer, key = await asyncio.to_thread(self.keys.signer)
        except NoSigningKey as error:
            raise SigningUnavailable(
                N_(
                    "This archive has no signing key, so it cannot sign packages: an "
                    "administrator runs `python -m search_api keys init`."
                )
            ) from error
        sources = await self._sources(chronology)
        content = PackageInput(
            chronology=chronology,
            exhibits=sources,
            originals=caller.access.sees_protected_fields,
            created=datetime.now(UTC).replace(microsecond=0),
            instance=self.instance,
            creator=Creator(user=caller.access.user, role=caller.access.role.value),
            software_version=software_version(),
            signer=signer,
            key=key,
        )
        try:
            built = await asyncio.to_thread(build, content, destination)
        except OriginalUnavailable as problem:
            await caller.audit(
                "chronology.package",
                outcome="not_found",
                params={"chronology": chronology_id, "reason": str(problem)},
            )
            raise IndexUnavailable(
                N_("A stored original is not the file its record names; no package was made.")
            ) from problem
        await caller.audit(
            "chronology.package",
            record_ids=[source.exhibit.stable_id for source in sources],
            params={
                "chronology": chronology_id,
                "manifest_sha256": built.manifest_sha256,
                "originals": content.originals,
                "files": built.files,
                "bytes": built.size,
                "key": key.fingerprint,
            },
        )
        return built
