"""A lawyer logs in, builds a Branch 215 chronology from the timeline, marks a fact
disputed, reorders nothing by accident, and finds the exports. JavaScript stays off."""

import re
import uuid

from elasticsearch import AsyncElasticsearch
from playwright.sync_api import Page, expect

from evidence.access import Role
from evidence.settings import Settings
from search_api.accounts.store import UserStore
from tests.conftest import run_async

PASSWORD = "a long enough password"


def _user(settings: Settings) -> str:
    name = f"lawyer{uuid.uuid4().hex[:6]}"

    async def add() -> None:
        client = AsyncElasticsearch(settings.es_url)
        await UserStore(client, settings.index_prefix).add(name, Role.INVESTIGATOR, PASSWORD)
        await client.close()

    run_async(add())
    return name


def test_lawyer_builds_and_exports_a_chronology(
    page: Page, live_url: str, demo_corpus: Settings
) -> None:
    name = _user(demo_corpus)
    page.goto(live_url + "/login?next=/chronologies")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/chronologies$"))
    page.get_by_label("New chronology").fill("Branch 215")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("h1")).to_have_text("Branch 215")

    page.goto(live_url + "/timeline?branch=215")
    expect(page.locator("li.entry").first).to_be_visible()
    first_entry = page.locator("li.entry").first
    year = first_entry.locator(".date").inner_text()[:4]
    first_entry.get_by_role("button", name="Add to chronology").click()
    expect(page.locator("h1")).to_have_text("Branch 215")
    fact = page.locator("tr.fact").first
    expect(fact.locator("td").first).to_contain_text(year)
    expect(fact.locator("td.cite a")).to_have_count(1)
    expect(fact.locator("td.cite code")).to_have_text(re.compile(r"^[0-9a-f]{64}$|no file"))

    fact.get_by_text("Edit").click()
    fact.get_by_label("Status").select_option("disputed")
    fact.get_by_role("button", name="Save fact").click()
    expect(page.locator("tr.fact.disputed")).to_have_count(1)

    page.get_by_label("Date").last.fill("circa:2010")
    page.get_by_label("Fact").last.fill("SYNTHETIC: branch first mentioned")
    page.get_by_role("button", name="Add fact").click()
    expect(page.locator("tr.fact")).to_have_count(2)
    expect(page.locator("tr.fact").first).to_contain_text("branch first mentioned")

    for label in ("Word", "printable", "CSV", "JSON"):
        expect(page.get_by_role("link", name=label)).to_have_attribute("href", re.compile("export"))
    href = page.get_by_role("link", name="printable").get_attribute("href")
    printable = page.request.get(live_url + str(href))
    assert "Appendix: cited records and their SHA-256" in printable.text()
