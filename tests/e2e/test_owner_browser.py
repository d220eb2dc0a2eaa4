"""A risk's owner is picked from the organisation's members in the browser (issue 12
item 9): the list holds this organisation's members only, the choice is saved, and
readers see the owner by name."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS

pytestmark = pytest.mark.e2e


def _sign_in(page: Any, base_url: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/signin")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()


def test_an_admin_picks_a_risks_owner_from_the_members_and_a_reader_sees_the_name(
    page: Any, base_url: str
) -> None:
    _sign_in(page, base_url, "admin@demo-corp.example")
    page.goto(f"{base_url}/risks")
    page.get_by_role("link", name="不採用理由を説明できない").click()
    risk_url = page.url
    owner = page.get_by_label("担当者")
    assert owner.input_value() == ""  # no owner yet
    labels = owner.locator("option").all_inner_texts()
    assert labels == [
        "担当者なし",
        "中村 健 <audit@demo-corp.example>",
        "佐藤 一郎 <exec@demo-corp.example>",
        "田中 美咲 <admin@demo-corp.example>",
    ]  # デモ市役所's members (伊藤 直子, 山田 花子) are not offered
    owner.select_option(label="佐藤 一郎 <exec@demo-corp.example>")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(risk_url)
    chosen = page.get_by_label("担当者").locator("option:checked")
    assert chosen.inner_text() == "佐藤 一郎 <exec@demo-corp.example>"
    assert "担当者" in page.locator("#risk-history").inner_text()  # the change is in its history
    page.screenshot(path=str(SCREENSHOTS / "risk-owner-ja.png"), full_page=True)

    _sign_in(page, base_url, "audit@demo-corp.example")
    page.goto(risk_url)
    assert page.locator("#risk-owner").inner_text() == "佐藤 一郎"
    assert page.locator("#owner_id").count() == 0  # readers get no form
    assert page.console_errors == []
