"""Court packages in the leak suite, for every role.

The canary chronology of `test_leaks_teams` (every canary record cited, protected names
in facts, notes and comments, a fact deleted, shared with a journalist and an
investigator) is packaged by each member and by the admin. Every file of each package,
its names, its documents read back from Word and PDF, its working copies, custody and
manifest, must hold no record above the packager's role and no protected name below
investigator; its exhibits are exactly the records the packager may see, numbered with
no gap where a hidden one stands; and the anonymous visitor gets no package at all.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import pytest

from evidence.access import Level, Role
from evidence.settings import Settings
from evidence.signing import KeyRing
from search_api.packages.documents import read_pdf_text
from tests.integration.test_leaks import _assert_clean, _visible
from tests.integration.test_leaks_teams import (
    DELETED,
    READERS,
    Shared,
    _docx_text,
    canary_chronology,
)


@pytest.fixture(scope="module")
def shared(
    base_settings: Settings,
    es_node: object,
    redis_db: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Shared]:
    root = tmp_path_factory.mktemp("canary-packages") / "bundle"
    keys = tmp_path_factory.mktemp("canary-keys") / "ring"
    KeyRing(keys).init()
    with canary_chronology(base_settings, redis_db, root, {"signing_keys_dir": keys}) as built:
        yield built


def _texts(package: bytes) -> dict[str, str]:
    """Every file of a package as text, by name; images by their name alone."""
    texts = {}
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if name.endswith(".docx"):
                texts[name] = _docx_text(data)
            elif name.endswith(".pdf"):
                texts[name] = read_pdf_text(data)
            elif name.endswith(".jpg"):
                texts[name] = name
            else:
                texts[name] = name + "\n" + data.decode("utf-8")
    return texts


def _package(shared: Shared, role: Role) -> bytes:
    response = shared.client.get(
        f"/api/chronologies/{shared.chronology_id}/package", headers=shared.headers[role]
    )
    assert response.status_code == 200, response.text
    return response.content


@pytest.mark.parametrize("role", READERS, ids=lambda r: r.value)
def test_no_file_of_a_package_leaks_anything(shared: Shared, role: Role) -> None:
    for name, text in _texts(_package(shared, role)).items():
        _assert_clean(text, role, f"package {name}")


@pytest.mark.parametrize("role", READERS, ids=lambda r: r.value)
def test_a_package_numbers_exactly_the_exhibits_the_role_may_see(
    shared: Shared, role: Role
) -> None:
    with zipfile.ZipFile(io.BytesIO(_package(shared, role))) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    exhibits = manifest["exhibits"]
    assert {e["stable_id"] for e in exhibits} == _visible(role) - {DELETED}
    numbers = [int(e["number"].removeprefix("EX-")) for e in exhibits]
    if DELETED in _visible(role):
        # The admin sees the deleted fact's record: its number stays given, a gap.
        assert numbers == sorted(numbers) and len(numbers) == len(_visible(role)) - 1
    else:
        assert numbers == list(range(1, len(exhibits) + 1))
    kinds = {e["kind"] for e in exhibits if e["kind"]}
    allowed = {"original", "working_copy"} if role.ceiling >= Level.CONFIDENTIAL else set()
    assert kinds <= allowed | {"working_copy"}


def test_a_visitor_gets_no_package(shared: Shared) -> None:
    response = shared.client.get(f"/api/chronologies/{shared.chronology_id}/package")
    assert response.status_code in (401, 404)
    assert "PK" not in response.text[:2]
