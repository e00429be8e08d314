"""The pages under their Content-Security-Policy, in Chromium: nothing they use is
blocked (no inline script, style or handler slipped into a template), and they still
render their styles and images."""

from playwright.sync_api import ConsoleMessage, Page, expect

PAGES = ["/", "/?q=hospital", "/timeline", "/login", "/chronologies", "/no/such/page"]


def test_no_page_breaks_its_content_security_policy(page: Page, live_url: str) -> None:
    refused: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", note)
    for path in PAGES:
        response = page.goto(live_url + path)
        assert response is not None
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.goto(live_url + "/?q=hospital")
    page.locator("article.hit a").first.click()
    expect(page.locator("h1")).to_be_visible()
    styled = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert styled, "the stylesheet from /static applies"
    assert refused == []
