"""Business continuity in a real browser on a 390 px phone: an administrator registers a
high tier system in deployment, sees the gate checklist hold back operation for want of a
continuity plan, writes the plan, records a drill, and sees the checklist line turn met;
no page is wider than the screen."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, phone  # noqa: F401

pytestmark = pytest.mark.e2e
NAME = "与信審査AI（事業継続の確認）"


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def test_a_plan_and_a_drill_clear_the_continuity_line_of_the_gate_on_a_phone(
    phone: Any,  # noqa: F811
    base_url: str,
) -> None:
    page = phone
    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-corp.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()

    page.goto(f"{base_url}/systems/new")
    page.fill("#name", NAME)
    page.select_option("#org_role", "developer")
    page.select_option("#domain", "finance")
    page.select_option("#stage", "deploy")
    page.fill("#models", "審査モデル")
    page.locator("form.stacked button[type=submit]").last.click()
    page.wait_for_url(f"{base_url}/systems/*")
    system_url = page.url
    line = page.locator('.checklist li[data-code="continuity"]')
    assert line.get_attribute("class") == "item-missing"
    assert "事業継続計画" in line.inner_text()
    _fits(page)

    page.locator("#continuity-link").click()
    page.wait_for_url(f"{system_url}/continuity")
    assert page.locator("#continuity-gate").get_attribute("data-state") == "missing"
    assert page.locator("#dep-name-0").input_value() == "審査モデル"  # from the facts
    _fits(page)

    plan = page.locator("#plan-form")
    plan.locator("#sc-outage").check()
    plan.locator("#sc-outage-procedure").fill("窓口で手作業の審査に切り替える。")
    plan.locator("#sc-outage-rto-value").fill("4")
    plan.locator("#sc-outage-rpo-value").fill("30")
    plan.locator("#sc-outage-rpo-unit").select_option("minutes")
    plan.locator("#ct-name-0").fill("審査部 山田")
    plan.locator("#ct-reach-0").fill("内線 1234")
    plan.get_by_role("button", name="計画を保存").click()
    page.wait_for_load_state()
    assert page.locator("#flash").is_visible()
    assert "保存済み" in page.locator("#plan-state").inner_text()
    assert page.locator("#continuity-gate").get_attribute("data-state") == "missing"
    _fits(page)

    drill = page.locator("#drill-form")
    drill.locator("#held_on").fill(date.today().isoformat())
    drill.locator("#drill-scenario").select_option("outage")
    drill.locator("#drill-outcome").select_option("partial")
    drill.locator("#drill-findings").fill("切り替えに想定より時間がかかった。")
    drill.get_by_role("button", name="訓練を記録").click()
    page.wait_for_load_state()
    entry = page.locator("#drill-list li").first
    assert "一部に課題" in entry.inner_text() and "システムの停止" in entry.inner_text()
    assert page.locator("#continuity-gate").get_attribute("data-state") == "met"
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "continuity-phone-ja.png"), full_page=True)

    page.goto(system_url)
    line = page.locator('.checklist li[data-code="continuity"]')
    assert line.get_attribute("class") == "item-met"
    _fits(page)
    page.goto(f"{base_url}/continuity")
    assert NAME in page.locator("#continuity-systems").inner_text()
    _fits(page)
    page.goto(f"{base_url}/dashboard")
    _fits(page)
