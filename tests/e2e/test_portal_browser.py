"""The citizens' portal in a real browser, without signing in: a visitor finds the demo city
by searching for its chatbot and reaches everything it publishes; every public page meets
WCAG 2.1 A and AA (JIS X 8341-3) by axe-core's rules, at a desktop's and at a phone's
width, and nothing is wider than a 390 px screen.

axe-core is vendored (tests/e2e/vendor, no network); the browser context bypasses the
pages' Content-Security-Policy only so that the checker can be injected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_phone_browser import OVERFLOW

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' — ' + n.failureSummary),
  }));
}"""


def _readable(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)


@pytest.fixture(params=list(WIDTHS))
def visitor(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    phone = request.param == "phone"
    context = browser.new_context(
        locale="ja-JP",
        viewport=WIDTHS[request.param],
        is_mobile=phone,
        has_touch=phone,
        bypass_csp=True,
    )
    page = context.new_page()
    page.width_name = request.param
    yield page
    context.close()


def checked_pages(page: Any, base_url: str, paths: list[str]) -> list[str]:
    """Each of ``paths`` opened (200 expected) and checked by axe-core, and at a phone's
    width for anything wider than the screen: what fails, readably."""
    failures = []
    for path in paths:
        response = page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, (path, response)
        page.wait_for_load_state()
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN_AXE, TAGS)
        if violations:
            failures.append(f"{path} ({page.width_name}):\n{_readable(violations)}")
        if page.width_name == "phone":
            found = page.evaluate(OVERFLOW)
            if found["page"] > found["width"] + 1 or found["out"]:
                failures.append(f"{path} is wider than the phone: {found}")
    return failures


def _portal_pages(page: Any, base_url: str) -> list[str]:
    """Every public page of the portal, found the way a visitor finds them: from the
    front page, the search and the demo city's page."""
    page.goto(f"{base_url}/")
    page.fill("#q", "チャットボット")
    page.get_by_role("button", name="検索", exact=True).last.click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{base_url}/orgs?")
    result = page.locator("li.portal-result[data-org=demo-city]")
    assert "住民問い合わせチャットボット" in result.inner_text()
    result.get_by_role("link", name="デモ市役所").click()
    page.wait_for_load_state()
    hrefs = {
        name: page.locator(selector).first.get_attribute("href")
        for name, selector in [
            ("statement", "#hub-statement"), ("register", "#hub-register"),
            ("notice", "#hub-notices a"), ("incident", "#hub-incidents a"),
            ("inquiry", "#hub-inquiry"), ("status", "#hub-status"),
        ]
    }  # fmt: skip
    assert all(hrefs.values()), hrefs
    return [
        "/",
        "/orgs?q=%E3%83%81%E3%83%A3%E3%83%83%E3%83%88%E3%83%9C%E3%83%83%E3%83%88",
        "/orgs/demo-city",
        *(str(href) for href in hrefs.values()),
        "/verify",
        "/catalog",
        "/learn",
        "/learn/what-ai-is",
        "/learn/self-check",
    ]


def test_every_portal_page_meets_wcag_21_aa_and_fits_the_screen(
    visitor: Any, base_url: str
) -> None:
    page = visitor
    failures = checked_pages(page, base_url, _portal_pages(page, base_url))
    # the self-check's graded answer is a page a visitor reads too
    page.goto(f"{base_url}/learn/self-check")
    for group in page.locator("#quiz fieldset").all():
        group.locator("input[type=radio]").first.check()
    page.locator("#quiz button[type=submit]").click()
    page.wait_for_load_state()
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE, TAGS)
    if violations:
        failures.append(f"self-check result ({page.width_name}):\n{_readable(violations)}")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(f"{base_url}/orgs/demo-city")
    page.screenshot(path=str(SCREENSHOTS / f"portal-hub-{page.width_name}.png"), full_page=True)
    assert not failures, "\n\n".join(failures)


def test_a_visitor_follows_the_portal_to_the_inquiry_form_in_english(
    visitor: Any, base_url: str
) -> None:
    page = visitor
    page.goto(f"{base_url}/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.fill("#q", "デモ市")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.get_by_role("link", name="デモ市役所").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "デモ市役所"
    page.locator("#hub-inquiry").click()
    page.wait_for_load_state()
    assert page.url.endswith("/orgs/demo-city/inquiries/new")
    assert page.locator("form").count() >= 1


def test_the_checker_finds_what_it_should(browser: Any) -> None:
    # a page with faults axe-core must report, so that "no violations" above means something
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content(
        '<html><body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#ccc;background:#fff">faint</p><input type="text"></body></html>'
    )
    page.add_script_tag(path=str(AXE))
    found = {v["id"] for v in page.evaluate(RUN_AXE, TAGS)}
    context.close()
    assert {"html-has-lang", "image-alt", "color-contrast", "label"} <= found, found
