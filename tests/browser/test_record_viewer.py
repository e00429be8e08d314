"""The document viewer as a journalist on a phone in Arabic meets it: a snippet's link
(`/records/{id}?q=…&page=n#hit`) opens the page with the word marked, "next hit" goes to
the next page holding it, and nothing is wider than the screen."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_in_arabic(browser: Browser, live_url: str) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    context.add_cookies([{"name": "evidence_lang", "value": "ar", "url": live_url}])
    yield context.new_page()
    context.close()


# Nothing on the page is wider than the screen (skip links wait off-screen until focused),
# and the page does not scroll sideways.
_OVERFLOW = """() => {
  const shown = [...document.querySelectorAll('body *')].filter(e => !e.closest('.skip'));
  const wide = shown.filter(e => {
    const box = e.getBoundingClientRect();
    return box.width && (box.left < -1 || box.right > window.innerWidth + 1);
  }).map(e => `${e.tagName}.${e.className}`);
  const page = document.documentElement;
  return [page.scrollWidth, page.clientWidth, window.innerWidth, wide.slice(0, 5)];
}"""


def _no_overflow(page: Page) -> None:
    scroll, client, screen, wide = page.evaluate(_OVERFLOW)
    assert scroll <= client <= screen and not wide, (scroll, client, screen, wide)


def test_a_snippet_link_opens_its_page_marked_and_next_hit_follows(
    phone_in_arabic: Page, live_url: str
) -> None:
    page = phone_in_arabic
    found = page.request.get(live_url + "/api/search?q=chamber&type=filing&size=50").json()
    hit, snippet = next(
        (h, s)
        for h in found["hits"]
        for s in h["snippets"]
        if s["page"]
        and sum(
            "chamber" in p["text"].lower()
            for p in page.request.get(live_url + f"/api/records/{h['stable_id']}").json()["pages"]
            if p["n"] > s["page"]
        )
    )
    record_id, n = hit["stable_id"], snippet["page"]
    page.goto(live_url + f"/records/{record_id}?q=chamber&page={n}#hit")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    marked = page.locator("mark#hit")
    expect(marked).to_have_text(re.compile("^chamber$", re.IGNORECASE))
    expect(marked).to_be_in_viewport()
    expect(page.locator('nav.pages a[aria-current="page"]')).to_have_attribute(
        "href", re.compile(rf"page={n}(#hit)?$")
    )
    _no_overflow(page)
    page.locator('a[rel="next"]').click()
    expect(page).to_have_url(re.compile(r"page=(\d+)#hit$"))
    later = int(re.search(r"page=(\d+)", page.url).group(1))  # type: ignore[union-attr]
    assert later > n
    expect(page.locator("mark#hit")).to_be_in_viewport()
    expect(page.locator("h2#page-heading")).to_contain_text("الصفحة")
    _no_overflow(page)
