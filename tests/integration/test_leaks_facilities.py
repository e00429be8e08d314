"""The leak suite for facility and case pages (issue 24): the canary bundle's photos at
Branch 215's hospital, its testimonies at Saydnaya and its filings (a case each) citing
the public and the sealed photo, probed as every role through the pages and their JSON."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from evidence.access import Level, Role
from tests.integration.test_leaks import (
    CODES,
    _assert_clean,
    canary_fixture,
    level_canary,
)

FACILITIES = ("hospital-601", "branch-215", "saydnaya")


def _case_numbers(root: Path) -> None:
    """Each filing gets a case number holding its level's canary."""
    for level, code in CODES.items():
        filing = root / "filings" / f"f-{code}.md"
        case = f"\ncase_no: Case {level_canary(level)}\ncourt:"
        filing.write_text(filing.read_text().replace("\ncourt:", case))


canary = canary_fixture("canary-facilities", _case_numbers)


def _levels(role: Role) -> int:
    return sum(level <= role.ceiling for level in Level)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_facility_pages_count_and_name_only_what_the_role_may_see(canary, role: Role) -> None:
    client, headers = canary
    for path in ["/api/facilities", "/facilities"] + [
        f"{base}/{facility}"
        for facility in FACILITIES
        for base in ("/api/facilities", "/facilities")
    ]:
        response = client.get(path, headers=headers[role])
        assert response.status_code == 200, (path, response.text)
        _assert_clean(response.text, role, path)
    counts = {
        row["facility"]["id"]: row["records"]
        for row in client.get("/api/facilities", headers=headers[role]).json()["facilities"]
    }
    # One photo per level at the hospital (and Branch 215), one testimony per level at
    # Saydnaya: a level above the role adds nothing to any count.
    assert counts["hospital-601"] == counts["branch-215"] == counts["saydnaya"] == _levels(role)
    hospital = client.get("/api/facilities/hospital-601", headers=headers[role]).json()
    assert hospital["total"] == _levels(role)
    # Every filing cites the public photo and the sealed one: a case counts the sealed
    # photo for an admin only, and a case whose filings the role cannot see is not there.
    assert {case["case_no"]: case["cited"] for case in hospital["cases"]} == {
        f"Case {level_canary(level)}": 2 if role is Role.ADMIN else 1
        for level in Level
        if level <= role.ceiling
    }
    saydnaya = client.get("/api/facilities/saydnaya", headers=headers[role]).json()
    # Each testimony's only person is a protected family member.
    assert bool(saydnaya["persons"]) is (role.ceiling >= Level.CONFIDENTIAL)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_an_unknown_facility_answers_alike_for_every_role(canary, role: Role) -> None:
    client, headers = canary
    for path in ("/api/facilities/branch-999", "/facilities/branch-999"):
        response = client.get(path, headers=headers[role])
        assert response.status_code == 404
        _assert_clean(response.text, role, path)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_a_case_shows_only_filings_and_records_the_role_may_see(canary, role: Role) -> None:
    client, headers = canary
    unknown = "Case canaryzzz"
    for level in Level:
        case = f"Case {level_canary(level)}"
        for base in ("/api/cases/", "/cases/"):
            response = client.get(base + case, headers=headers[role])
            # The page's own links carry the address as typed, URL-encoded.
            typed_back = response.text.replace(quote(case), "")
            _assert_clean(typed_back, role, base + case, typed=case)
            if level > role.ceiling:
                absent = client.get(base + unknown, headers=headers[role])
                assert response.status_code == absent.status_code == 404
                as_unknown = response.text.replace(case, unknown)
                assert as_unknown.replace(quote(case), quote(unknown)) == absent.text
            else:
                assert response.status_code == 200, response.text
        if level <= role.ceiling:
            page = client.get(f"/api/cases/{case}", headers=headers[role]).json()
            assert len(page["filings"]) == 1
            # Every filing cites the public photo and the sealed one.
            assert len(page["cited"]) == (2 if role is Role.ADMIN else 1)
