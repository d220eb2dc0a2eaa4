"""A HAIP report in a real browser: the administrator opens the demo's draft from the
menu, reads each section's facts and coverage, writes a narrative and asks for approval;
the executive finds it in the approvals inbox and approves it; the administrator publishes
it; anyone reads it signed out, in Japanese and English, on a 390 px phone; the workspace
pages fit a phone too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, PHONE
from tests.e2e.test_workspace_browser import sign_in

pytestmark = pytest.mark.e2e
GOVERNANCE = "取締役会が四半期ごとにAIのリスクと評価結果の報告を受けています。"
GOVERNANCE_EN = "The board hears about AI risks and evaluation results every quarter."


def _fits(page: Any, url: str) -> None:
    page.goto(url)
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (url, found)
    assert page.evaluate(NARROW_CELLS) == [], url


def test_a_haip_report_is_written_approved_published_and_read_signed_out(
    page: Any, browser: Any, base_url: str
) -> None:
    sign_in(page, base_url, "admin@demo-corp.example")
    page.get_by_role("link", name="HAIP報告書").first.click()
    assert page.locator("h1").inner_text() == "HAIP報告書"
    page.locator("#haip-reports tbody a").first.click()
    report_url = page.url
    assert page.locator(".haip-state").get_attribute("data-status") == "draft"
    assert page.locator("section.haip-section").count() == 7
    first = page.locator("#section-1")
    assert "tekisei の文言" in first.locator(".haip-prompt").inner_text()
    # the demo's risks are in section 1, and the coverage says what is still missing
    assert "性別・年齢による評価の偏り" in first.locator(".haip-table").first.inner_text()
    coverage = page.locator('table.haip-coverage[data-section="4"] tr[data-action="4"]')
    assert coverage.get_attribute("data-coverage") == "missing"
    assert "インシデントの記録" in coverage.inner_text()

    page.fill("textarea[name='4-ja']", GOVERNANCE)
    page.fill("textarea[name='4-en']", GOVERNANCE_EN)
    page.locator("#save-report").click()
    assert page.locator("#flash").inner_text() == "保存しました。"
    assert page.locator("textarea[name='4-ja']").input_value() == GOVERNANCE
    page.fill("#approval-note", "第4節を追記しました。")
    page.get_by_role("button", name="承認を申請する").click()
    assert page.locator("#flash").inner_text() == "承認を依頼しました。"
    assert "経営層の承認待ち" in page.locator("#approval-status").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "haip-editor-ja.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, base_url, "exec@demo-corp.example")
    page.goto(f"{base_url}/approvals")
    page.locator("#report-approvals a").first.click()
    assert page.url == report_url
    assert GOVERNANCE in page.locator("#section-4").inner_text()  # read-only for executives
    assert page.locator("textarea[name='4-ja']").count() == 0
    page.fill("#reason", "内容と記録を確認しました。")
    page.get_by_role("button", name="報告書を承認する").click()
    assert "承認済み" in page.locator("#approval-status").inner_text()

    page.context.clear_cookies()
    sign_in(page, base_url, "admin@demo-corp.example")
    page.goto(report_url)
    page.get_by_role("button", name="この下書きを公開する").click()
    assert page.locator("#flash").inner_text() == "公開しました。"
    assert page.locator(".haip-state").get_attribute("data-status") == "published"
    public = page.locator("#public-link").get_attribute("href")
    assert public and public.startswith("/public/reports/")
    assert page.console_errors == [], page.console_errors

    page.context.clear_cookies()
    page.goto(f"{base_url}{public}")
    assert page.locator("header.site").count() == 0  # no workspace menu
    assert GOVERNANCE in page.locator("#section-4").inner_text()
    assert "性別・年齢による評価の偏り" not in page.content()  # tables are not published
    assert "経営層が承認" in page.locator("#report-meta").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "haip-public-ja.png"), full_page=True)

    phone = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        small = phone.new_page()
        _fits(small, f"{base_url}{public}")
        small.screenshot(path=str(SCREENSHOTS / "haip-public-phone-ja.png"), full_page=True)
        _fits(small, f"{base_url}{public}?lang=en")
        assert GOVERNANCE_EN in small.locator("#section-4").inner_text()
        assert "Risk identification and evaluation" in small.locator("#section-1 h2").inner_text()
        sign_in(small, base_url, "admin@demo-corp.example")
        for url in ("/reports/haip", report_url.removeprefix(base_url)):
            _fits(small, f"{base_url}{url}")
        small.screenshot(path=str(SCREENSHOTS / "haip-editor-phone-ja.png"), full_page=True)
    finally:
        phone.close()
