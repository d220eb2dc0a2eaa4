"""What blocks a deployment is visible before anyone presses 承認する: the gate checklist on
the system page and in the approvals inbox, each missing item a link; an approval the gate
refuses keeps the reason the executive typed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.conftest import sign_in as _sign_in

pytestmark = pytest.mark.e2e


def test_the_gate_checklist_shows_what_blocks_a_move_and_keeps_a_refused_reason(
    page: Any, base_url: str
) -> None:
    _sign_in(page, base_url, "admin@demo-corp.example")
    page.goto(f"{base_url}/systems")
    page.get_by_role("link", name="採用書類スクリーニング").click()
    checklist = page.locator("section.checklist")
    assert "移行の条件" in checklist.locator("h2").inner_text()
    assert checklist.get_attribute("data-ready") == "no"
    assessment = checklist.locator('li[data-code="assessment"]')
    assert "item-missing" in (assessment.get_attribute("class") or "")
    assert "回答率" in assessment.inner_text()
    # every line links to where it is put right
    for item in checklist.locator("li").all():
        assert item.locator("a").count() == 1
    system_url = page.url
    page.select_option("#to_stage", "deploy")
    page.get_by_role("button", name="申請").click()
    page.wait_for_url(f"{base_url}/approvals")

    _sign_in(page, base_url, "exec@demo-corp.example")
    page.goto(f"{base_url}/approvals")
    request = page.locator("section.approval").filter(has_text="採用書類スクリーニング")
    inbox_list = request.locator("section.checklist")
    assert inbox_list.get_attribute("data-ready") == "no"
    assert (
        request.locator('li[data-code="assessment"] a')
        .get_attribute("href")
        .endswith("/assessment")
    )
    request.locator("textarea").fill("十分な検証を確認したため承認します。")
    request.get_by_role("button", name="承認する").click()
    assert page.locator(".error-message").is_visible()
    request = page.locator("section.approval").filter(has_text="採用書類スクリーニング")
    assert request.locator("textarea").input_value() == "十分な検証を確認したため承認します。"
    page.screenshot(path=str(SCREENSHOTS / "approvals-checklist-ja.png"), full_page=True)
    # the missing item's link leads to the assessment
    request.locator('li[data-code="assessment"] a').click()
    page.wait_for_url(f"{system_url}/assessment")
