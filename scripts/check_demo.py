"""Probe a served demo the way a first visitor would, for `scripts/demo.sh --check`.

Waits for `/healthz`, then asks for the search page, a search, a record page and a full
CSV export, and checks that each answer is what a person would expect: the right status
and type, SYNTHETIC data, and an export with exactly as many rows as the search counts.
Exits 1 with the first thing that is wrong. Standard library only, so it probes the app
and nothing else.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

WAIT_SECONDS = 120


class CheckFailed(Exception):
    """What a visitor would have seen go wrong."""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def get(base: str, path: str, **params: str) -> Answer:
    url = f"{base}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return Answer(response.status, response.headers["content-type"], response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers.get("content-type", ""), error.read())


def expect(answer: Answer, what: str, status: int, content_type: str) -> Answer:
    if answer.status != status or not answer.content_type.startswith(content_type):
        raise CheckFailed(
            f"{what}: expected {status} {content_type}, got {answer.status} "
            f"{answer.content_type}: {answer.body[:300]!r}"
        )
    return answer


def wait_for_health(base: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            if get(base, "/healthz").status == 200:
                return
        except OSError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise CheckFailed(f"/healthz did not answer 200 within {WAIT_SECONDS}s")
        time.sleep(0.5)


def check(base: str) -> list[str]:
    wait_for_health(base)
    seen = ["/healthz: 200"]
    page = expect(get(base, "/"), "search page", 200, "text/html")
    if "SYNTHETIC" not in page.text:
        raise CheckFailed("the search page does not say the demo data is SYNTHETIC")
    seen.append("/: 200 HTML")
    query = {"q": "hospital"}
    found = json.loads(
        expect(get(base, "/api/search", **query), "search", 200, "application/json").text
    )
    if not found["hits"]:
        raise CheckFailed("a search for 'hospital' found nothing in the demo corpus")
    seen.append(f"/api/search?q=hospital: {found['total']} records")
    first = found["hits"][0]["stable_id"]
    record = expect(get(base, f"/records/{first}"), "record page", 200, "text/html")
    if first not in record.text:
        raise CheckFailed(f"the record page of {first} does not name the record")
    seen.append(f"/records/{first}: 200 HTML")
    export = expect(get(base, "/api/export", format="csv", **query), "export", 200, "text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    if len(rows) != found["total"]:
        raise CheckFailed(f"the export has {len(rows)} rows; the search counted {found['total']}")
    seen.append(f"/api/export?format=csv&q=hospital: {len(rows)} rows")
    keys = json.loads(expect(get(base, "/api/keys"), "keys", 200, "application/json").text)
    if not any(key["valid_until"] is None for key in keys):
        raise CheckFailed("/api/keys publishes no current key: court packages cannot be signed")
    seen.append(f"/api/keys: {len(keys)} key(s), signing with {keys[-1]['fingerprint']}")
    branch = json.loads(
        expect(get(base, "/api/facilities/branch-215"), "facility", 200, "application/json").text
    )
    branch_search = json.loads(
        expect(
            get(base, "/api/search", facility="branch-215"), "search", 200, "application/json"
        ).text
    )
    if branch["total"] != branch_search["total"] or not branch["total"]:
        raise CheckFailed(
            f"the Branch 215 page counts {branch['total']}; its search {branch_search['total']}"
        )
    seen.append(f"/api/facilities/branch-215: {branch['total']} records, as its search")
    expect(get(base, "/persons/nr-rsln"), "person page", 200, "text/html")
    seen.append("/persons/nr-rsln: 200 HTML")
    return seen


def main() -> int:
    base = sys.argv[1].rstrip("/")
    try:
        seen = check(base)
    except CheckFailed as problem:
        print(f"[demo check] FAILED: {problem}", file=sys.stderr)
        return 1
    for line in seen:
        print(f"[demo check] {line}")
    print("[demo check] the demo answers as a visitor expects")
    return 0


if __name__ == "__main__":
    sys.exit(main())
