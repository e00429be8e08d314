"""Leak suite, uploads: for every role, reusing a collection id and a record's local id,
or lowering a record's level, neither changes a record above the uploader nor tells
them whether one exists.

Two collections are set up by an admin: `xx` holds a sealed testimony T-1, `yy` holds
no T-1. Every probe is sent into both, and the answers must be the same, apart from
what `docs/access.md` ("Collections, owners and upload ceilings") says an uploader
granted a collection can infer.
"""

from __future__ import annotations

from typing import Any

import pytest

from evidence.access import Role
from indexer.ceiling import CANNOT_WRITE
from tests.conftest import run_cli
from tests.integration.test_upload_security import (
    BY_ROLE,
    SEALED_TEXT,
    Site,
    bundle_of,
    site,  # noqa: F401  (a fixture)
    store_settings,  # noqa: F401  (a fixture)
)

ROLES = [role.value for role in Role]
# What differs between two uploads of different bytes, whatever they hold.
_PER_UPLOAD = {"id", "sha256", "created", "updated", "collection"}


@pytest.fixture
def two_collections(site: Site) -> dict[str, Any]:  # noqa: F811
    sealed = site.uploaded("ada", bundle_of("xx", "T-1", "sealed", SEALED_TEXT))
    other = site.uploaded("ada", bundle_of("yy", "T-0", "public", "SYNTHETIC public"))
    assert sealed["indexed"] == other["indexed"] == 1
    record = site.testimony("xx", "T-1")
    assert record is not None
    return record


def _comparable(response: Any, site: Site, who: str) -> Any:  # noqa: F811
    """The answer with what belongs to one upload taken out, and the job's final
    document when the upload was accepted."""
    body = response.json()
    if response.status_code != 202:
        return response.status_code, body["detail"].replace("xx", "<c>").replace("yy", "<c>")
    job = site.wait(who, body["id"])
    return response.status_code, {k: v for k, v in job.items() if k not in _PER_UPLOAD}


def _probe(site: Site, who: str, level: str) -> tuple[Any, Any]:  # noqa: F811
    """The same upload of T-1 at `level` into `xx` (a sealed T-1) and `yy` (none)."""
    answers = []
    for collection in ("xx", "yy"):
        archive = bundle_of(collection, "T-1", level, "SYNTHETIC uploaded over")
        answers.append(_comparable(site.upload(who, archive), site, who))
    return answers[0], answers[1]


def _unchanged(site: Site, before: dict[str, Any]) -> None:  # noqa: F811
    after = site.testimony("xx", "T-1")
    assert after is not None
    assert (after["confidentiality"], after["content_hash"], after["custody"]) == (
        "sealed",
        before["content_hash"],
        before["custody"],
    )


@pytest.mark.parametrize("role", ROLES)
def test_reusing_a_collection_id_changes_nothing_and_tells_nothing(
    site: Site,  # noqa: F811
    two_collections: dict[str, Any],
    role: str,
) -> None:
    who = BY_ROLE[role]
    into_sealed, into_other = _probe(site, who, "public")
    if role == "admin":
        assert into_sealed[0] == into_other[0] == 202
        lowered = site.testimony("xx", "T-1")
        assert lowered is not None and lowered["confidentiality"] == "public"
        assert lowered["custody"][-1]["action"] == "lowered"
        assert lowered["custody"][-1]["actor"] == "ada"
        return
    expected = {"public": 401, "journalist": 403, "investigator": 403}[role]
    assert into_sealed == into_other
    assert into_sealed[0] == expected
    _unchanged(site, two_collections)


@pytest.mark.parametrize("role", ROLES)
def test_a_downgrade_upload_into_a_granted_collection(
    site: Site,  # noqa: F811
    two_collections: dict[str, Any],
    role: str,
) -> None:
    """Even with the right to upload to both collections, an investigator's upload
    reads the same whether T-1 exists sealed or not, as long as its new level is above
    them; at a level they may write, the one documented difference remains."""
    who = BY_ROLE[role]
    if role in ("investigator", "journalist"):
        for collection in ("xx", "yy"):
            granted = run_cli("search_api", site.settings, "collections", "grant", collection, who)
            assert granted.returncode == (0 if role == "investigator" else 1), granted.stderr
    above, above_control = _probe(site, who, "sealed")
    assert above == above_control
    if role in ("public", "journalist"):
        assert above[0] == {"public": 401, "journalist": 403}[role]
        _unchanged(site, two_collections)
        return
    if role == "admin":
        assert above[0] == 202 and above[1]["indexed"] == 1
        return
    assert above[0] == 202
    assert [r["reason"] for r in above[1]["rejections"]] == [CANNOT_WRITE]
    within, within_control = _probe(site, who, "restricted")
    # Documented: in a collection they may write, the id of a record above them is
    # refused where a free id is indexed; the refusal names neither level nor content.
    assert within[1]["rejections"] == above[1]["rejections"]
    assert (within[1]["indexed"], within_control[1]["indexed"]) == (0, 1)
    assert "sealed" not in str(within) and "canarysealedupload" not in str(within)
    _unchanged(site, two_collections)
