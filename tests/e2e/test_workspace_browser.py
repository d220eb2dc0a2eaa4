"""A governance officer signs in, registers a system, records a risk and sees it mapped."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS

pytestmark = pytest.mark.e2e


def sign_in(page: Any, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/systems")
    assert "/signin" in page.url
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_url(f"{base_url}/systems")


def test_register_a_system_add_a_risk_and_see_it_in_the_heat_map(page: Any, base_url: str) -> None:
    sign_in(page, base_url, "admin@demo-corp.example")
    # other browser tests on this server may have registered systems of their own
    before = page.locator("tr[data-system]").count()
    assert before >= 3
    page.get_by_role("link", name="システムを登録").click()
    page.fill("#name", "コールセンター要約")
    page.fill("#purpose", "通話記録を要約し、オペレーターの記録作業を助ける。")
    page.select_option("#org_role", "user")
    page.select_option("#domain", "customer_service")
    page.check('input[name="data_categories"][value="personal"]')
    page.get_by_role("button", name="保存").click()
    assert page.locator("h1").inner_text() == "コールセンター要約"
    assert page.locator(".tier-box .tier").inner_text() == "限定的"
    page.get_by_role("link", name="リスクを追加").click()
    page.fill("#title", "通話内容の要約漏れ")
    page.check('input[name="taxonomy"][value="technical.misjudgement"]')
    page.select_option("#likelihood", "5")
    page.select_option("#impact", "4")
    page.get_by_role("button", name="保存").click()
    assert "通話内容の要約漏れ" in page.locator("h1").inner_text()
    page.get_by_role("link", name="コールセンター要約").click()
    cell = page.locator('svg.heatmap g[data-likelihood="5"][data-impact="4"]')
    assert cell.get_attribute("data-count") == "1"
    page.screenshot(path=str(SCREENSHOTS / "system-detail-ja.png"), full_page=True)
    page.goto(f"{base_url}/systems")
    assert page.locator("tr[data-system]").count() == before + 1
    page.get_by_role("link", name="コールセンター要約").click()
    page.get_by_role("link", name="リスク登録簿").click()
    org_cell = page.locator('#heatmap-inherent g[data-likelihood="5"][data-impact="4"]')
    assert org_cell.get_attribute("data-count") == "1"
    page.screenshot(path=str(SCREENSHOTS / "risk-register-ja.png"), full_page=True)
    assert page.console_errors == []


def test_a_form_with_errors_keeps_what_was_typed(page: Any, base_url: str) -> None:
    sign_in(page, base_url, "admin@demo-city.example")
    page.goto(f"{base_url}/systems/new")
    page.fill("#purpose", "名前を入れ忘れた")
    page.get_by_role("button", name="保存").click()
    assert page.locator("#err-name").is_visible()
    assert page.locator("#purpose").input_value() == "名前を入れ忘れた"
    # The form is answered with 422 on purpose; the browser logs that status, nothing else.
    assert [e for e in page.console_errors if "status of 422" not in e] == []
