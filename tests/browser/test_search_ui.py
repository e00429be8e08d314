"""What only a browser shows: clicking through search, facets, dates, pages and images.

JavaScript is off: every step works with links and forms alone.
"""

import re
import time
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Browser, Page, expect


def _count(page: Page) -> int:
    match = re.search(r"of ([\d,]+)", page.locator("p.summary").inner_text())
    assert match
    return int(match.group(1).replace(",", ""))


def test_search_facet_date_and_paging(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    page.get_by_label("Search the archive").fill("hospital")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("article.hit").first).to_be_visible()
    everything = _count(page)

    page.locator('a.facet-value[data-facet="branch"][data-value="215"]').click()
    expect(page).to_have_url(re.compile(r"branch=215"))
    branch_only = _count(page)
    assert 0 < branch_only < everything
    expect(page.locator('a.facet-value[data-facet="branch"][data-value="215"]')).to_have_attribute(
        "aria-current", "true"
    )

    page.locator("svg a.bar-link", has=page.locator("title", has_text="2012:")).click()
    expect(page).to_have_url(re.compile(r"date_from=2012&date_to=2012"))
    in_2012 = _count(page)
    assert 0 < in_2012 < branch_only
    for date in page.locator("article.hit .date").all_inner_texts():
        assert "2012" in date and "circa" not in date  # a human date, or a range through 2012

    first_ids = page.locator("article.hit").evaluate_all(
        "nodes => nodes.map(n => n.dataset.stableId)"
    )
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("p.summary")).to_contain_text("Results 21–")
    second_ids = page.locator("article.hit").evaluate_all(
        "nodes => nodes.map(n => n.dataset.stableId)"
    )
    assert second_ids and not set(first_ids) & set(second_ids)
    page.go_back()
    expect(page.locator("p.summary")).to_contain_text("Results 1–20")


def test_open_a_record_and_reveal_its_blurred_photo(page: Page, live_url: str) -> None:
    found = page.request.get(live_url + "/api/search?type=photo&collection=caesar&size=100")
    photo = next(h for h in found.json()["hits"] if h["has_image"] and h["graphic"])
    page.goto(live_url + f"/?q={photo['local_id']}")
    thumb = page.locator(f'article.hit[data-stable-id="{photo["stable_id"]}"] a.thumb')
    expect(thumb).to_contain_text("Graphic: blurred")
    thumb.click()
    expect(page.locator("p.synthetic-banner")).to_be_visible()
    image = page.locator("figure.photo img")
    expect(image).to_have_attribute("src", re.compile(r"/preview$"))
    expect(page.locator("figure.photo figcaption")).to_contain_text("may show the body")
    page.get_by_role("button", name="Show image").click()
    # The revealed answer carries the reveal's ticket; the plain address opens nothing.
    expect(image).to_have_attribute("src", re.compile(r"/original\?ticket=\d+\.[0-9a-f]+$"))
    expect(page.get_by_role("link", name="Download the original")).to_be_visible()
    plain = page.request.get(live_url + f"/media/{photo['stable_id']}/original")
    assert plain.status == 403
    # Polled from here: with JavaScript off, in-page polling (requestAnimationFrame)
    # may never run, while a plain evaluation does.
    deadline = time.monotonic() + 15
    while not image.evaluate("img => img.complete && img.naturalWidth > 0"):
        assert time.monotonic() < deadline, "the revealed image never loaded"
        time.sleep(0.1)
    page.get_by_role("link", name="Blur again").click()
    expect(image).to_have_attribute("src", re.compile(r"/preview$"))


def test_keyboard_reaches_the_facets(page: Page, live_url: str) -> None:
    page.goto(live_url + "/?q=saydnaya")
    facet = page.locator("a.facet-value").first
    facet.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&](collection|type)="))


def test_a_journalist_searches_reads_and_exports_in_arabic_on_a_phone(
    browser: Browser, live_url: str
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="ar"
    )
    page = context.new_page()
    try:
        page.goto(live_url + "/")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        page.get_by_label("ابحث في الأرشيف").fill("أنور رسلان")
        page.get_by_role("button", name="بحث").click()
        first = page.locator("article.hit").first
        expect(first).to_be_visible()
        box = first.bounding_box()
        assert box and box["y"] < 1000, f"the first result is {box} down, past the filters"

        page.locator("a.facet-value").first.click()
        chip = page.locator("nav.chips a.chip")
        expect(chip).to_have_count(1)
        chip.click()
        expect(page.locator("nav.chips")).to_have_count(0)
        page.goto(live_url + "/?q=" + quote("أنور رسلان") + "&date_from=2020&type=filing")
        expect(page.locator("nav.chips a.chip")).to_have_count(2)
        page.get_by_role("link", name="مسح الكل").click()
        expect(page.locator("nav.chips")).to_have_count(0)
        expect(page.locator("#q")).to_have_value("أنور رسلان")
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"horizontal overflow: {widths}"

        # Read: a snippet's page link opens that page of the record, the words marked.
        results = page.url
        page.locator("p.snippet:has(mark) a.page").first.click()
        expect(page).to_have_url(re.compile(r"/records/.*page=\d+.*#hit$"))
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("mark#hit")).to_be_visible()
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"the record page overflows: {widths}"
        page.get_by_role("link", name="العودة إلى النتائج").click()
        expect(page).to_have_url(results)

        # Export: what the Arabic search found, as a CSV Excel reads as UTF-8 (a BOM).
        with page.expect_download() as download:
            page.get_by_role("link", name="تصدير CSV").click()
        saved = Path(download.value.path()).read_bytes()
        assert saved.startswith(b"\xef\xbb\xbf")
        assert "Raslan" in saved.decode("utf-8-sig")
        assert download.value.suggested_filename.endswith(".csv")
    finally:
        context.close()
