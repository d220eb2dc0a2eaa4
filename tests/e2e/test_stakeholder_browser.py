"""The stakeholder register in a real browser on a 390 px phone: an administrator opens it
from the folded menu, adds an indirect stakeholder of a system, logs a consultation with
it, and finds it on the system's page; no page is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, phone  # noqa: F401

pytestmark = pytest.mark.e2e
NAME = "地域の写真家の皆さん"


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def test_a_stakeholder_is_added_and_engaged_on_a_phone(phone: Any, base_url: str) -> None:  # noqa: F811
    page = phone
    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-corp.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="メニュー").click()
    page.get_by_role("link", name="ステークホルダー", exact=True).click()
    page.wait_for_url(f"{base_url}/stakeholders")
    assert page.locator("h1").inner_text() == "ステークホルダー"
    _fits(page)

    form = page.locator("#stakeholder-form")
    form.locator("#name").fill(NAME)
    form.locator("#kind").select_option("data_holders")
    form.get_by_label("間接の関係者").check()
    form.locator("#interests").fill("作品が無断で学習に使われないこと")
    form.locator("#contact").fill("写真家協会 事務局 03-0000-0000")
    system = form.locator('input[name="systems"]').first
    system_id = system.get_attribute("value")
    system.check()
    form.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base_url}/stakeholders/*")
    assert page.locator("h1").inner_text() == NAME
    assert page.locator("#flash").is_visible()
    facts = page.locator("#stakeholder-facts").inner_text()
    assert "データ保有者" in facts and "間接の関係者" in facts
    _fits(page)

    log = page.locator("#engagement-form")
    log.locator("#engagement-kind").select_option("consultation")
    log.locator("#summary").fill("学習データの扱いについて説明し、意見を聞いた。")
    log.locator("#outcome").fill("オプトアウトの申出窓口を設けた。")
    log.get_by_role("button", name="記録する").click()
    page.wait_for_load_state()
    entry = page.locator("#engagement-log li[data-engagement]")
    assert entry.count() == 1
    assert "意見聴取" in entry.inner_text() and "申出窓口" in entry.inner_text()
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "stakeholder-phone-ja.png"), full_page=True)

    page.goto(f"{base_url}/systems/{system_id}")
    assert NAME in page.locator("#system-stakeholders").inner_text()
    _fits(page)
    page.goto(f"{base_url}/stakeholders?kind=data_holders")
    assert NAME in page.locator("#stakeholders-table").inner_text()
    _fits(page)


def test_a_long_unbroken_name_wraps_in_the_title_on_a_phone(phone: Any, base_url: str) -> None:  # noqa: F811
    # a name with no place to break (a formula, a URL) must not widen the page
    page = phone
    long_name = '=HYPERLINK("https://example.com/' + "a" * 60 + '")'
    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-corp.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/stakeholders")
    form = page.locator("#stakeholder-form")
    form.locator("#name").fill(long_name)
    form.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base_url}/stakeholders/*")
    assert page.locator("h1").inner_text() == long_name
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _fits(page)
