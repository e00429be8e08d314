"""Issue 22 in the browser: an admin makes a team of three on /teams; the lawyer starts a
chronology and shares it; the paralegal edits a fact; the researcher, a viewer, can only
comment; the lawyer reads who did what in the history and restores the first wording.
And a journalist tags records from the results and notes one. Each person in a browser
of their own, JavaScript off."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, expect

from evidence.access import Role
from evidence.settings import Settings
from tests.browser.test_lawyer_flow import PASSWORD, _fits, _log_in
from tests.conftest import bearer_headers


@contextmanager
def _person(browser: Browser, live_url: str, name: str, then: str) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    _log_in(page, live_url, name, then)
    try:
        yield page
    finally:
        context.close()


def test_a_team_of_three_builds_one_chronology(
    browser: Browser, live_url: str, demo_corpus: Settings
) -> None:
    suffix = uuid.uuid4().hex[:6]
    roles = {
        f"boss{suffix}": Role.ADMIN,
        f"lawyer{suffix}": Role.INVESTIGATOR,
        f"paralegal{suffix}": Role.JOURNALIST,
        f"researcher{suffix}": Role.JOURNALIST,
    }
    bearer_headers(demo_corpus, roles, PASSWORD)
    boss, lawyer, paralegal, researcher = roles
    team = f"koblenz-{suffix}"

    with _person(browser, live_url, boss, "/teams") as page:
        page.get_by_label("Team id").fill(team)
        page.get_by_label("Name").fill("Koblenz (SYNTHETIC)")
        page.get_by_role("button", name="Create team").click()
        section = page.locator("section.team", has_text=team)
        for member, role in ((lawyer, "editor"), (paralegal, "editor"), (researcher, "viewer")):
            section.get_by_label("Account").fill(member)
            section.get_by_label("Team role").select_option(role)
            section.get_by_role("button", name="Add or change member").click()
            expect(section.locator("tbody")).to_contain_text(member)

    with _person(browser, live_url, lawyer, "/chronologies") as page:
        page.get_by_label("New chronology").fill("Branch 215 (team)")
        page.get_by_role("button", name="Create").click()
        page.get_by_label("Date").last.fill("2012-05")
        page.get_by_label("Fact").last.fill("SYNTHETIC: transfer to Branch 215")
        page.get_by_role("button", name="Add fact").click()
        expect(page.locator("tr.fact")).to_have_count(1)
        page.get_by_label("Team", exact=True).select_option(team)
        page.get_by_label("Team role").select_option("editor")
        page.get_by_role("button", name="Share", exact=True).click()
        expect(page.get_by_text(f"Shared with: {team}")).to_be_visible()
        chronology = page.url

    with _person(browser, live_url, paralegal, "/chronologies") as page:
        page.get_by_role("link", name="Branch 215 (team)").click()
        expect(page.get_by_text("Shared with you: you may change its facts.")).to_be_visible()
        fact = page.locator("tr.fact").first
        fact.get_by_text("Edit").click()
        fact.get_by_label("Fact").fill("SYNTHETIC: transfer to Branch 215, by bus")
        fact.get_by_role("button", name="Save fact").click()
        expect(page.locator("tr.fact").first).to_contain_text(f"changed by {paralegal}")

    with _person(browser, live_url, researcher, "/chronologies") as page:
        page.get_by_role("link", name="Branch 215 (team)").click()
        expect(page.get_by_text("Shared with you to read and comment on.")).to_be_visible()
        expect(page.get_by_role("button", name="Add fact")).to_have_count(0)
        expect(page.get_by_text("Edit", exact=True)).to_have_count(0)
        fact = page.locator("tr.fact").first
        fact.get_by_text("0 comments").click()
        fact.get_by_label("Comment").fill("SYNTHETIC: which bus company?")
        fact.get_by_role("button", name="Add comment").click()
        expect(page).to_have_url(re.compile(r"#fact-f-"))
        thread = page.locator("tr.fact").first.locator("ol.thread")
        expect(thread).to_contain_text("which bus company?")
        expect(thread).to_contain_text(researcher)
        page.set_viewport_size({"width": 390, "height": 844})
        _fits(page)

    with _person(browser, live_url, lawyer, "/chronologies") as page:
        page.goto(chronology)
        page.get_by_role("link", name="History of changes").click()
        rows = page.locator("table tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text(paralegal)
        expect(rows.first).to_contain_text("by bus")
        rows.last.get_by_role("button", name="Restore this version").click()
        expect(page).to_have_url(chronology)
        expect(page.locator("tr.fact").first).to_contain_text("transfer to Branch 215")
        expect(page.locator("tr.fact").first).not_to_contain_text("by bus")
        page.get_by_role("link", name="History of changes").click()
        expect(page.locator("table tbody tr").first).to_contain_text("restored")
        page.set_viewport_size({"width": 390, "height": 844})
        _fits(page)


def test_a_journalist_notes_and_tags_a_record_then_filters_by_the_tag(
    browser: Browser, live_url: str, demo_corpus: Settings
) -> None:
    """Issue 22, notes and tags: from the results, tick two records and tag them; the tag
    is a facet that finds exactly them; on a record, add a note and find it on /notes."""
    name = f"journalist{uuid.uuid4().hex[:6]}"
    bearer_headers(demo_corpus, {name: Role.JOURNALIST}, PASSWORD)
    tag = f"SYNTHETIC bus {uuid.uuid4().hex[:4]}"
    with _person(browser, live_url, name, "/") as page:
        page.goto(f"{live_url}/?q=Branch+215&mode=keyword")
        boxes = page.locator("article.hit input[type=checkbox]")
        expect(boxes.first).to_be_visible()
        boxes.nth(0).check()
        boxes.nth(1).check()
        page.get_by_label("Tag", exact=True).fill(tag)
        page.get_by_role("button", name="Tag selected").click()
        expect(page).to_have_url(re.compile(r"q=Branch"))
        facet = page.locator("section.facet", has_text="Your tags")
        facet.get_by_role("link", name=re.compile(re.escape(tag))).click()
        expect(page).to_have_url(re.compile(r"tag="))
        expect(page.locator("article.hit")).to_have_count(2)
        page.locator("article.hit h2 a").first.click()
        page.get_by_label("Note", exact=True).fill("SYNTHETIC: same bus as the other one")
        page.get_by_role("button", name="Add note").click()
        expect(page.locator("section.notes")).to_contain_text("same bus as the other one")
        expect(page.locator("section.notes")).to_contain_text(tag)
        page.goto(f"{live_url}/notes?q=bus")
        expect(page.locator("table tbody")).to_contain_text("same bus as the other one")
        page.set_viewport_size({"width": 390, "height": 844})
        _fits(page)
