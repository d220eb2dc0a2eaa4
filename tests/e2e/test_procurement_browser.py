"""The procurement checklist in a real browser on a 390 px phone: the demo city's
administrator opens the chatbot's procurements from its page, finds the demo procurement
with the contract's gaps, records a new procurement, marks an item "not applicable"
without a reason and is told to give one, gives it, and reads the tender annex; no page
is wider than the screen."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, phone  # noqa: F401

pytestmark = pytest.mark.e2e


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def test_a_procurement_checklist_is_filled_on_a_phone(phone: Any, base_url: str) -> None:  # noqa: F811
    page = phone
    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-city.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/systems")
    page.locator("tr[data-system] a", has_text="住民問い合わせチャットボット").first.click()
    page.wait_for_load_state()
    page.locator("#procurements-link").click()
    page.wait_for_url(f"{base_url}/systems/*/procurements")
    assert page.locator("h1").inner_text().startswith("調達")
    _fits(page)

    # the demo procurement: contracted, with items only in the tender
    page.locator("#procurements-table a", has_text="住民問い合わせチャットボットの利用").click()
    page.wait_for_load_state()
    assert "仕様書にしか記載されていません" in page.locator("#procurement-gaps").inner_text()
    assert "tekisei による記載例" in page.locator("#our-wording").inner_text()
    _fits(page)

    page.go_back()
    page.wait_for_load_state()
    title = f"E2E 翻訳サービス {secrets.token_hex(3)}"
    form = page.locator("#procurement-form")
    form.get_by_label("調達件名").fill(title)
    form.get_by_label("段階").select_option("tender")
    form.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base_url}/systems/*/procurements/*")
    assert page.locator("h1").inner_text() == title

    page.select_option("#status-personal-abroad", "not_applicable")
    page.select_option("#status-data-location", "in_tender")
    page.fill("#note-data-location", "仕様書 3.2")
    page.get_by_role("button", name="チェックリストを保存").click()
    page.wait_for_load_state()
    assert "理由を書いてください" in page.locator("#err-item-personal-abroad").inner_text()
    assert page.locator("#note-data-location").input_value() == "仕様書 3.2"
    _fits(page)

    page.fill("#note-personal-abroad", "個人データは国内でのみ扱う")
    page.get_by_role("button", name="チェックリストを保存").click()
    page.wait_for_load_state()
    assert page.locator("#procurement-settled").inner_text().startswith("2 /")
    assert page.locator('[data-item="data-location"]').get_attribute("data-status") == "in_tender"
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "procurement-phone.png"), full_page=True)

    page.locator("#annex-link").click()
    page.wait_for_load_state()
    assert "個人データは国内でのみ扱う" in page.locator("main").inner_text()
    _fits(page)
