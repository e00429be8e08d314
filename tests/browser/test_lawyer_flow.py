"""A lawyer builds a Branch 215 chronology from the timeline, as in issue 17: filters
with the form (its empty fields sent too), ticks two events, adds them to a new
chronology in one go, sees them marked on the same filtered timeline, marks a fact
disputed with a note, types a date as people write it, exports Word with the note
and the dispute in it, and downloads the court package, which verifies. At 1366 px,
and at 390 px without horizontal scrolling.
JavaScript stays off."""

import io
import json
import re
import uuid
import zipfile
from pathlib import Path

from docx import Document
from elasticsearch import AsyncElasticsearch
from playwright.sync_api import Page, expect

from evidence.access import Role
from evidence.package_verify import verify
from evidence.settings import Settings
from search_api.accounts.store import UserStore
from search_api.chronologies.export import read_docx
from tests.conftest import run_async, run_jobs

PASSWORD = "a long enough password"


def _user(settings: Settings) -> str:
    name = f"lawyer{uuid.uuid4().hex[:6]}"

    async def add() -> None:
        client = AsyncElasticsearch(settings.es_url)
        await UserStore(client, settings).add(name, Role.INVESTIGATOR, PASSWORD)
        await client.close()

    run_async(add())
    return name


def _log_in(page: Page, live_url: str, name: str, then: str) -> None:
    page.goto(f"{live_url}/login?next={then}")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(then) + "$"))


def _fits(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} is {width[0]} px wide in a {width[1]} px window"


def test_lawyer_builds_a_branch_215_chronology_and_exports_it(
    page: Page, live_url: str, demo_corpus: Settings, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    name = _user(demo_corpus)
    _log_in(page, live_url, name, "/timeline")

    page.get_by_label("Branch").fill("215")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"branch=215&facility=&person=&case="))
    filtered = page.url
    entries = page.locator("li.entry")
    expect(entries.first).to_be_visible()
    ticked = [entries.nth(i).get_attribute("data-event-id") for i in (0, 1)]
    for i in (0, 1):
        entries.nth(i).get_by_role("checkbox").check()
    page.get_by_label("Title of a new chronology").fill("Branch 215")
    page.get_by_role("button", name="Add selected to chronology…").click()

    expect(page).to_have_url(filtered)
    for event_id in ticked:
        expect(page.locator(f'li.entry[data-event-id="{event_id}"] .in-chronology')).to_have_text(
            "In chronology Branch 215"
        )
    expect(page.locator(".in-chronology")).to_have_count(2)

    page.get_by_role("link", name="Chronologies").click()
    page.get_by_role("link", name="Branch 215").click()
    facts = page.locator("tr.fact")
    expect(facts).to_have_count(2)
    first = facts.first
    first.get_by_text("Edit").click()
    first.get_by_label("Status").select_option("disputed")
    first.get_by_label("Note").fill("check the register")
    first.get_by_role("button", name="Save fact").click()
    expect(page.locator("tr.fact.disputed")).to_have_count(1)
    expect(page.locator("tr.fact.disputed")).to_contain_text("DISPUTED")

    page.get_by_label("Date").last.fill("circa 2012")
    page.get_by_label("Fact").last.fill("SYNTHETIC: branch first mentioned")
    page.get_by_role("button", name="Add fact").click()
    expect(facts).to_have_count(3)
    added = page.locator("tr.fact", has_text="branch first mentioned")
    expect(added.locator("td").first).to_have_text("c. 2012")

    href = page.get_by_role("link", name="Word").get_attribute("href")
    exported = page.request.get(live_url + str(href))
    assert exported.ok
    rows = read_docx(exported.body())
    assert any("Note: check the register" in row["Fact"] for row in rows)
    assert [row["Status"] for row in rows].count("DISPUTED") == 1
    assert Document(io.BytesIO(exported.body())).sections[0].page_width.mm > 209

    # The court package: the exhibits numbered on the page, and a zip that verifies.
    shown = page.locator("table.exhibits tbody tr")
    expect(shown.first).to_contain_text("EX-001")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the court package").click()
    package = tmp_path / "package.zip"
    download.value.save_as(package)
    keys = tmp_path / "keys.json"
    keys.write_text(page.request.get(live_url + "/api/keys").text())
    report = verify(package, keys)
    assert report.ok, report.text()
    with zipfile.ZipFile(package) as archive:
        exhibits = json.loads(archive.read("manifest.json"))["exhibits"]
    assert [e["number"] for e in exhibits] == [f"EX-{n:03d}" for n in range(1, shown.count() + 1)]
    assert {e["kind"] for e in exhibits} <= {"original", "working_copy"}

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _fits(page)
    page.goto(filtered)
    _fits(page)


def test_lawyer_runs_a_roster_and_reads_who_appears_where(
    page: Page, live_url: str, demo_corpus: Settings, redis_server: object
) -> None:
    """Issue 21: a roster uploaded from the list page runs in the background; the page
    follows it, then shows each entry's records, the spellings matched, a review flag
    on a name whose key other names share, and the links to download the table."""
    page.set_viewport_size({"width": 1366, "height": 900})
    name = _user(demo_corpus)
    _log_in(page, live_url, name, "/lists")
    roster = "entry,kind\nمحمد العلي,person\nMahmoud al-Hasan,person\n,person\n"
    page.get_by_label("Name", exact=True).fill("SYNTHETIC roster")
    page.get_by_label("List (.csv, .xlsx or .txt)").set_input_files(
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": roster.encode()}]
    )
    page.get_by_role("button", name="Run the list").click()
    expect(page).to_have_url(re.compile(r"/lists/ls-[0-9a-f]{16}$"))
    expect(page.locator(".status")).to_have_text("queued")
    expect(page.get_by_role("cell", name="empty entry")).to_be_visible()
    run_jobs(demo_corpus)
    # The page refreshes itself every 3 s while the job runs; a reload of our own could
    # meet that refresh and be aborted (net::ERR_ABORTED), so wait for the page's own.
    expect(page.locator(".status")).to_have_text("done", timeout=20_000)
    rows = page.locator("table.list-results tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("محمد العلي")
    expect(rows.nth(1)).to_contain_text("Review: spelled alike with Muhammad (محمد)")
    expect(page.get_by_role("link", name="XLSX")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = download.value.path().read_text("utf-8-sig")
    assert text.splitlines()[1].startswith("2,,person,محمد العلي,")
    _fits(page)
    rows.first.locator("td").nth(2).get_by_role("link").click()  # the entry's full search
    expect(page.locator("article.hit").first).to_be_visible()


def test_a_journalist_watches_a_search_from_the_results(
    page: Page, live_url: str, demo_corpus: Settings
) -> None:
    """Issue 21: "Watch this search" on the results keeps the search on the watch page,
    with nothing new yet; opening it shows the search of what is new."""
    page.set_viewport_size({"width": 390, "height": 844})
    name = _user(demo_corpus)
    _log_in(page, live_url, name, "/")
    page.get_by_role("searchbox").first.fill("Branch 215")
    page.get_by_role("searchbox").first.press("Enter")
    page.get_by_role("button", name="Watch this search").click()
    expect(page).to_have_url(re.compile(r"/watch$"))
    row = page.locator("table tbody tr").first
    expect(row).to_contain_text("Branch 215")
    expect(row.locator("strong")).to_have_text("0")
    _fits(page)
    row.get_by_role("button", name="Open the new records").click()
    expect(page).to_have_url(re.compile(r"since="))
    expect(page.get_by_role("link", name=re.compile("^New since"))).to_be_visible()
