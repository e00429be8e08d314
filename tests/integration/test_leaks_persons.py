"""The leak suite for person pages (issue 24): the canary bundle's defendants (public
persons, at their filing's level), family members and victims (protected persons at
every level), probed as every role through the index, the pages and their JSON."""

from __future__ import annotations

import pytest

from evidence.access import Level, Role
from evidence.names import person_key
from tests.integration.test_leaks import (
    CODES,
    _assert_clean,
    canary_fixture,
    level_canary,
    protected_canary,
)

canary = canary_fixture("canary-persons")
UNKNOWN = "zzqx-qxzz"


def _canary_persons() -> dict[str, list[tuple[str, Level, bool]]]:
    """Person key -> (name, level, protected) of every canary person of that key."""
    persons: dict[str, list[tuple[str, Level, bool]]] = {}
    for level in CODES:
        named = [(f"Defendant {level_canary(level)}", False)] + [
            (protected_canary(kind, level), True) for kind in ("per", "vic")
        ]
        for name, protected in named:
            persons.setdefault(person_key(name), []).append((name, level, protected))
    return persons


def _sees(role: Role, level: Level, protected: bool) -> bool:
    return level <= role.ceiling and (not protected or role.ceiling >= Level.CONFIDENTIAL)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_person_pages_name_and_count_only_what_the_role_may_see(canary, role: Role) -> None:
    client, headers = canary
    for path in ("/api/persons", "/persons"):
        response = client.get(path, headers=headers[role])
        assert response.status_code == 200, response.text
        _assert_clean(response.text, role, path)
    listed = {p["key"] for p in client.get("/api/persons", headers=headers[role]).json()["persons"]}
    for key, names in _canary_persons().items():
        seen = sorted(name for name, level, protected in names if _sees(role, level, protected))
        assert (key in listed) is bool(seen), (role, key)
        for base in ("/api/persons/", "/persons/"):
            response = client.get(base + key, headers=headers[role])
            _assert_clean(response.text, role, base + key, typed=key)
            if not seen:
                unknown = client.get(base + UNKNOWN, headers=headers[role])
                assert response.status_code == unknown.status_code == 404, (role, key)
                assert response.text.replace(key, UNKNOWN) == unknown.text
        if seen:
            page = client.get(f"/api/persons/{key}", headers=headers[role]).json()
            assert sorted(s["name"] for s in page["person"]["spellings"]) == seen
            assert page["total"] == sum(s["records"] for s in page["person"]["spellings"])
