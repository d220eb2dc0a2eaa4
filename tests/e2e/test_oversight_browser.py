"""Oversight in a real browser on a 390 px phone: the demo prefecture's administrator opens
the oversight dashboard, sees デモ市役所 with its figures and the totals, opens the city's
page with its aggregates and the chatbot the city shared; the city's administrator sees
the grant on its grants page. No page is wider than the screen. (Nothing is revoked: the
demo server is shared by the browser tests of this worker.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.conftest import sign_in as _sign_in
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, phone  # noqa: F401

pytestmark = pytest.mark.e2e


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def test_the_prefecture_reads_the_citys_aggregates_on_a_phone(
    phone: Any,  # noqa: F811
    base_url: str,
) -> None:
    page = phone
    _sign_in(page, base_url, "admin@demo-pref.example")
    page.goto(f"{base_url}/oversight")
    assert page.locator("h1").inner_text() == "監督"
    row = page.locator('#oversight-orgs tr[data-org="demo-city"]')
    assert "デモ市役所" in row.inner_text()
    assert page.locator("#oversight-totals").is_visible()
    assert "デモ商事" not in page.locator("main").inner_text()
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "oversight-phone.png"), full_page=True)

    row.get_by_role("link", name="デモ市役所").click()
    page.wait_for_url(f"{base_url}/oversight/orgs/demo-city")
    assert page.locator("h1").inner_text() == "デモ市役所"
    assert page.locator("#by-tier caption").inner_text() == "リスク区分別"
    shared = page.locator("#shared-systems tr[data-system] th").first.inner_text()
    assert shared == "住民問い合わせチャットボット"
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "oversight-org-phone.png"), full_page=True)
    refused = page.goto(f"{base_url}/oversight/orgs/demo-corp")
    assert refused is not None and refused.status == 404
    assert "デモ商事" not in page.locator("main").inner_text()

    _sign_in(page, base_url, "admin@demo-city.example")
    page.goto(f"{base_url}/oversight/grants")
    granted = page.locator('#oversight-grants tr[data-supervisor="demo-pref"]')
    assert granted.get_attribute("data-active") == "yes"
    assert "住民問い合わせチャットボット" in granted.inner_text()
    assert page.locator('label[for="supervisor"]').is_visible()
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "oversight-grants-phone.png"), full_page=True)
