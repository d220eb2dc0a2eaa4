"""Every main page is usable on a phone (390 × 844): nothing wider than the screen except
inside a table's own scroll area, the menu folds behind a button, the header's account
line and the sign-out button do not break into a column of single characters, and table
columns keep a readable width."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}

# What sticks out of the screen, outside any element that scrolls sideways by itself.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      const scroller = style.overflowX === 'auto' || style.overflowX === 'scroll';
      if (scroller && p.scrollWidth > p.clientWidth - 1) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (box.right > width + 1 && !scrolls(el)) {
      out.push(el.tagName + '.' + el.className + ' ' + Math.round(box.right));
    }
  }
  return {page: document.documentElement.scrollWidth, width, out: out.slice(0, 8)};
}"""

# Table cells narrower than about three Japanese characters.
NARROW_CELLS = """() => {
  const out = [];
  for (const cell of document.querySelectorAll('main th, main td')) {
    const box = cell.getBoundingClientRect();
    const text = cell.innerText.trim();
    if (box.width > 0 && text.length > 3 && box.width < 44) {
      out.push(text.slice(0, 20) + ' ' + Math.round(box.width));
    }
  }
  return out.slice(0, 8);
}"""


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def _sign_in(page: Any, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/signin")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()


def _check(page: Any, url: str) -> None:
    page.goto(url)
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (url, found)
    assert page.evaluate(NARROW_CELLS) == [], url


def test_main_pages_fit_a_phone(phone: Any, base_url: str) -> None:
    page = phone
    _sign_in(page, base_url, "admin@demo-corp.example")
    page.goto(f"{base_url}/systems")
    system = page.locator("tr[data-system] a").first.get_attribute("href")
    page.goto(f"{base_url}/risks")
    risk = page.locator("main table a[href^='/risks/']").first.get_attribute("href")
    page.goto(f"{base_url}/policies")
    policy = page.locator("tr[data-policy] a").first.get_attribute("href")
    urls = [
        "/dashboard",
        "/systems",
        system,
        f"{system}/assessment",
        f"{system}/reviews",
        "/risks",
        risk,
        "/evals",
        "/approvals",
        "/org",
        "/org/sso",
        "/audit",
        "/account",
        "/catalog",
        "/catalog/frameworks/jp-ai-appropriateness-2025",
        "/catalog/search?q=透明性",
        "/verify",
        "/policies",
        policy,
        f"{policy}/versions/1",
        "/statement",
        "/no-such-page",
    ]
    for url in urls:
        _check(page, f"{base_url}{url}")
    page.goto(f"{base_url}/systems")
    page.screenshot(path=str(SCREENSHOTS / "phone-systems-ja.png"), full_page=True)


def test_the_menu_folds_behind_a_button_on_a_phone(phone: Any, base_url: str) -> None:
    page = phone
    _sign_in(page, base_url, "exec@demo-corp.example")
    page.goto(f"{base_url}/dashboard")
    menu = page.get_by_role("button", name="メニュー")
    link = page.locator("header.site nav").get_by_role("link", name="リスク登録簿")
    assert menu.is_visible() and menu.get_attribute("aria-expanded") == "false"
    assert not link.is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true" and link.is_visible()
    link.click()
    page.wait_for_url(f"{base_url}/risks")
    # the sign-out button stays on one line
    button = page.get_by_role("button", name="サインアウト")
    page.get_by_role("button", name="メニュー").click()
    box = button.bounding_box()
    assert box is not None and box["height"] < 40 and box["width"] > box["height"]


def test_the_desktop_shows_the_menu_without_a_button(page: Any, base_url: str) -> None:
    _sign_in(page, base_url, "exec@demo-corp.example")
    page.goto(f"{base_url}/dashboard")
    assert not page.get_by_role("button", name="メニュー").is_visible()
    assert page.locator("header.site nav").get_by_role("link", name="リスク登録簿").is_visible()
