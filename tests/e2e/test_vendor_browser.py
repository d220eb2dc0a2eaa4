"""The vendor register in a real browser on a 390 px phone: an administrator opens it from
the folded menu, is told the APPI basis is missing, adds a vendor a system depends on,
records its model change (a review opens), and finds it on the system's page; no page is
wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, phone  # noqa: F401

pytestmark = pytest.mark.e2e
NAME = "サンプルAIサービス株式会社"


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def test_a_vendor_is_added_and_its_change_recorded_on_a_phone(phone: Any, base_url: str) -> None:  # noqa: F811
    page = phone
    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-corp.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="メニュー").click()
    page.get_by_role("link", name="ベンダー", exact=True).click()
    page.wait_for_url(f"{base_url}/vendors")
    assert page.locator("h1").inner_text() == "ベンダー"
    _fits(page)

    form = page.locator("#vendor-form")
    form.locator("#name").fill(NAME)
    form.locator("#kind").select_option("ai_api")
    form.locator("#region").fill("米国")
    form.get_by_label("個人データを外国に移転する").check()
    system = form.locator('input[name="systems"]').first
    system_id = system.get_attribute("value")
    system.check()
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "第28条" in page.locator("#err-abroad_basis").inner_text()
    _fits(page)

    form = page.locator("#vendor-form")
    form.locator("#abroad_basis").fill("本人の同意を得ている（第28条第1項）")
    form.get_by_label("インシデントの通知").check()
    form.get_by_label("個人情報", exact=True).check()
    form.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base_url}/vendors/*")
    assert page.locator("h1").inner_text() == NAME
    assert page.locator("#flash").is_visible()
    facts = page.locator("#vendor-facts").inner_text()
    assert "AIサービス（LLM・API）の提供者" in facts and "インシデントの通知" in facts
    _fits(page)

    change = page.locator("#change-form")
    change.locator("#reason").select_option("model_change")
    change.locator("#change-detail").fill("提供モデルが新しい版に切り替わった。")
    change.get_by_role("button", name="変更を記録する").click()
    page.wait_for_load_state()
    entry = page.locator("#vendor-history li[data-event]").first
    assert "モデルの変更" in entry.inner_text() and "見直しを始めたシステム" in entry.inner_text()
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "vendor-phone-ja.png"), full_page=True)

    page.goto(f"{base_url}/systems/{system_id}")
    assert NAME in page.locator("#system-vendors").inner_text()
    _fits(page)
    page.goto(f"{base_url}/vendors?abroad=true")
    assert NAME in page.locator("#vendors-table").inner_text()
    _fits(page)
