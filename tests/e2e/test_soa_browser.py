"""The Statement of Applicability in a real browser: an administrator opens it from the
menu, excludes a control (first without a reason, which is refused with what was typed
kept), chooses its owner and sees it saved with its history; the CAIO approves the
version; both the list and the editor fit a 390 px phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_phone_browser import OVERFLOW, PHONE
from tests.e2e.test_workspace_browser import sign_in

pytestmark = pytest.mark.e2e
REASON = "市はAIの供給者を使わず、既製のサービスを利用するだけのため。"


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)


def test_a_control_is_excluded_owned_and_approved_and_fits_a_phone(
    page: Any, browser: Any, base_url: str
) -> None:
    sign_in(page, base_url, "admin@demo-city.example")
    page.get_by_role("link", name="適用宣言書").click()
    page.wait_for_url(f"{base_url}/soa")
    assert page.locator("#soa-controls tr[data-control]").count() == 38
    assert page.locator("h1").inner_text() == "適用宣言書（ISO/IEC 42001）"

    page.locator('tr[data-control="A.10.3"] a').click()
    page.wait_for_url(f"{base_url}/soa/controls/A.10.3")
    assert page.locator("#state").inner_text() == "未着手"
    page.check("#applicable-no")
    page.fill("#notes", "調達の予定はない。")
    page.get_by_role("button", name="保存").click()
    # refused: the reason is missing, and what was typed is still there
    assert page.locator("#err-justification").is_visible()
    assert page.locator("#notes").input_value() == "調達の予定はない。"
    assert page.locator("#applicable-no").is_checked()
    assert [e for e in page.console_errors if "status of 422" not in e] == []
    page.console_errors.clear()
    page.fill("#justification", REASON)
    page.select_option("#owner_id", label="山田 花子 <caio@demo-city.example>")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base_url}/soa/controls/A.10.3")
    assert page.locator("#flash").inner_text() == "保存しました。"
    assert page.locator("#state").inner_text() == "該当しない"
    assert page.locator("#justification").input_value() == REASON
    assert page.locator("#control-history li[data-version]").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "soa-control-ja.png"), full_page=True)

    page.get_by_role("link", name="適用宣言書").first.click()
    page.select_option("#f-applicable", "no")
    page.get_by_role("button", name="絞り込む").click()
    rows = page.locator("#soa-controls tr[data-control]")
    assert rows.count() == 1 and rows.first.get_attribute("data-control") == "A.10.3"
    assert "山田 花子" in rows.first.inner_text()
    assert page.console_errors == []

    page.context.clear_cookies()
    sign_in(page, base_url, "caio@demo-city.example")
    page.goto(f"{base_url}/soa")
    assert "まだ承認されていません" in page.locator("#soa-approval-status").inner_text()
    page.fill("#approval-note", "適用範囲を確認しました。")
    page.get_by_role("button", name="版1を承認する").click()
    page.wait_for_url(f"{base_url}/soa#approval")
    assert "現在の内容で承認済み" in page.locator("#soa-approval-status").inner_text()
    page.locator("#soa-approvals a").first.click()
    assert page.locator("#approved-controls tr[data-control]").count() == 38
    assert REASON in page.locator('#approved-controls tr[data-control="A.10.3"]').inner_text()
    assert page.console_errors == []
    page.screenshot(path=str(SCREENSHOTS / "soa-approved-ja.png"), full_page=True)

    phone = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        small = phone.new_page()
        sign_in(small, base_url, "admin@demo-city.example")
        for url in ("/soa", "/soa/controls/A.10.3", "/soa/history", "/soa/approvals/1"):
            small.goto(f"{base_url}{url}")
            _fits(small)
        small.goto(f"{base_url}/soa")
        card = small.locator('tr[data-control="A.10.3"]')
        # one card per control: the label of each field is shown above its value
        assert card.bounding_box()["width"] <= PHONE["width"]
        assert "適用しない" in card.inner_text()
        small.screenshot(path=str(SCREENSHOTS / "soa-phone-ja.png"), full_page=True)
        small.goto(f"{base_url}/soa/controls/A.10.3?lang=en")
        assert small.locator("html").get_attribute("lang") == "en"
        assert small.locator("#state").inner_text() == "not applicable"
        _fits(small)
    finally:
        phone.close()
