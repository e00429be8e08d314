"""Screenshots of the main pages for the README, taken from a running demo.

    bash scripts/demo.sh                      # in one terminal: the demo on port 8000
    EVIDENCE_INDEX_PREFIX=demo .venv/bin/python scripts/screenshots.py

Home, results, a record, the timeline and a chronology, in English at desktop width
(1366 px) and in Arabic at phone width (390 px), saved as small palette PNGs in
docs/screenshots/. The demo holds only SYNTHETIC data and its images stay blurred (no
reveal is clicked). The chronology needs an account: the script keeps one named
`screenshots` (investigator) in the demo's indices, with a token issued for the run and
revoked after it, and gives it a Branch 215 chronology the first time.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch
from PIL import Image
from playwright.sync_api import APIRequestContext, Browser, sync_playwright

from evidence.access import Role
from evidence.settings import Settings
from search_api.accounts.store import UserStore

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "screenshots"
CHRONOLOGY = "SYNTHETIC: Branch 215"
QUERY = "Saydnaya"
# (language, viewport width, viewport height): what a desktop and a phone show at once.
VIEWS = [("en", 1366, 900), ("ar", 390, 844)]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def _token(settings: Settings) -> tuple[str, str]:
    """(token id, token) of the screenshots account, made the first time."""
    client = AsyncElasticsearch(settings.es_url)
    users = UserStore(client, settings)
    try:
        if await users.get(ACCOUNT) is None:
            await users.add(ACCOUNT, Role.INVESTIGATOR, secrets.token_urlsafe(24))
        return await users.issue_token(ACCOUNT)
    finally:
        await client.close()


async def _revoke(settings: Settings, token_id: str) -> None:
    client = AsyncElasticsearch(settings.es_url)
    users = UserStore(client, settings)
    try:
        await users.revoke(ACCOUNT, token_id)
    finally:
        await users.close()
        await client.close()


def _chronology(api: APIRequestContext) -> str:
    """The account's Branch 215 chronology, with three timeline events the first time."""
    mine: list[dict[str, Any]] = api.get("/api/chronologies").json()
    found = next((c["id"] for c in mine if c.get("title") == CHRONOLOGY), None)
    if found:
        return str(found)
    made = api.post("/api/chronologies", data={"title": CHRONOLOGY}).json()["id"]
    chronology = api.get(f"/api/chronologies/{made}").json()
    for entry in api.get("/api/timeline?branch=215").json()["entries"][:3]:
        body = {"version": chronology["version"], "event_id": entry["events"][0]["event_id"]}
        chronology = api.post(f"/api/chronologies/{made}/events", data=body).json()
    return str(made)


def _pages(api: APIRequestContext) -> dict[str, str]:
    record = api.get(f"/api/search?q={QUERY}").json()["hits"][0]["stable_id"]
    return {
        "home": "/",
        "results": f"/?q={QUERY}",
        "record": f"/records/{record}?q={QUERY}",
        "timeline": "/timeline?branch=215",
        "chronology": f"/chronologies/{_chronology(api)}",
    }


def _small_png(path: Path) -> None:
    """A 256-colour palette keeps a page screenshot to tens of kilobytes."""
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256).save(path, optimize=True)


def take(browser: Browser, url: str, token: str, out: Path) -> list[Path]:
    headers = {"Authorization": f"Bearer {token}"}
    api_context = browser.new_context(base_url=url, extra_http_headers=headers)
    pages = _pages(api_context.request)
    api_context.close()
    saved: list[Path] = []
    for lang, width, height in VIEWS:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            extra_http_headers=headers,
            java_script_enabled=False,
        )
        context.add_cookies([{"name": "evidence_lang", "value": lang, "url": url}])
        page = context.new_page()
        for name, path in pages.items():
            answer = page.goto(url + path)
            if answer is None or answer.status != 200:
                raise SystemExit(f"{path}: {answer.status if answer else 'no answer'}")
            target = out / f"{name}-{lang}-{width}.png"
            page.screenshot(path=str(target))
            _small_png(target)
            saved.append(target)
        context.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running demo")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    settings = Settings()
    token_id, token = asyncio.run(_token(settings))
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            chromium = shutil.which("chromium") or "/usr/bin/chromium"
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            saved = take(browser, args.url.rstrip("/"), token, args.out)
            browser.close()
    finally:
        asyncio.run(_revoke(settings, token_id))
    for path in saved:
        print(f"{path}  {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
