"""A disclosure notice in a real browser: an administrator records a dataset (disclosing
only its name), drafts the notice of a high-tier system, edits it, asks for approval; the
CAIO approves; the administrator publishes; anyone reads it signed out, in Japanese and on
a 390 px phone, without the undisclosed field and without the workspace's menus."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_phone_browser import OVERFLOW, PHONE
from tests.e2e.test_workspace_browser import sign_in

pytestmark = pytest.mark.e2e
SECRET_SOURCE = "委託先から受領した相談記録（非公開）"
LIMITS = "制度の最終的な判断は、必ず窓口の職員が行います。"


def _sign_out(page: Any) -> None:
    page.context.clear_cookies()


def test_a_notice_is_drafted_approved_published_and_read_signed_out_on_a_phone(
    page: Any, browser: Any, base_url: str
) -> None:
    sign_in(page, base_url, "admin@demo-city.example")
    page.goto(f"{base_url}/systems/new")
    page.fill("#name", "就学支援の案内AI")
    page.fill("#purpose", "就学支援制度について、保護者の質問に答える。")
    page.select_option("#org_role", "provider")
    page.select_option("#domain", "education")
    page.select_option("#deployment", "public")
    page.fill("#contact_window", "教育委員会 就学支援係 03-0000-0000")
    page.get_by_role("button", name="保存").click()
    assert page.locator("h1").inner_text() == "就学支援の案内AI"
    assert page.locator(".tier-box .tier").inner_text() == "高"
    system_url = page.url

    page.get_by_role("link", name="データセットを追加").click()
    page.fill("#name", "よくある質問集")
    page.fill("#source", SECRET_SOURCE)
    page.check('.record-field:has(#name) input[name="disclosed"]')
    page.get_by_role("button", name="保存").click()
    assert page.locator("#record-version").inner_text() == "1"
    page.goto(system_url)
    assert "よくある質問集" in page.locator("#records-table").inner_text()

    page.get_by_role("link", name="お知らせを開く").click()
    page.get_by_role("button", name="下書きを作る").click()
    assert page.locator(".notice-state").get_attribute("data-status") == "draft"
    preview = page.locator(".notice-preview")
    assert "就学支援の案内AI" in preview.inner_text()
    assert "よくある質問集" in preview.inner_text() and SECRET_SOURCE not in preview.inner_text()
    page.fill("#ja-limits", LIMITS)
    page.get_by_role("button", name="下書きを保存する").click()
    assert LIMITS in page.locator(".notice-preview").inner_text()
    # a high-tier notice is not published before an executive approves it
    page.get_by_role("button", name="この下書きを公開する").click()
    assert "経営層の承認が必要です" in page.locator("#notice-error").inner_text()
    assert [e for e in page.console_errors if "409" in e]  # the refusal, answered as a 409
    page.console_errors.clear()
    page.fill("#approval-note", "公開前にご確認ください。")
    page.get_by_role("button", name="承認を申請する").click()
    assert "経営層の承認待ち" in page.locator("#approval-status").inner_text()
    notice_url = page.url.split("#")[0]
    page.screenshot(path=str(SCREENSHOTS / "notice-editor-ja.png"), full_page=True)

    _sign_out(page)
    sign_in(page, base_url, "caio@demo-city.example")
    page.goto(f"{base_url}/approvals")
    page.locator("#notice-approvals").get_by_role("link", name="就学支援の案内AI").click()
    assert LIMITS in page.locator(".notice-preview").inner_text()
    page.fill("#reason", "内容と窓口を確認しました。")
    page.get_by_role("button", name="公開を承認する").click()
    assert "承認済み" in page.locator("#approval-status").inner_text()

    _sign_out(page)
    sign_in(page, base_url, "admin@demo-city.example")
    page.goto(notice_url)
    page.get_by_role("button", name="この下書きを公開する").click()
    assert page.locator(".notice-state").get_attribute("data-status") == "published"
    public = page.locator("#public-link").get_attribute("href")
    assert public and public.startswith("/notices/")

    _sign_out(page)
    page.goto(f"{base_url}{public}")
    assert page.locator("html").get_attribute("lang") == "ja"
    body = page.locator("main").inner_text()
    for expected in ("就学支援の案内AI", LIMITS, "教育委員会 就学支援係", "よくある質問集"):
        assert expected in body, expected
    assert SECRET_SOURCE not in page.content()
    assert "組織の経営層が承認済み" in page.locator("#notice-meta").inner_text()
    assert page.locator("header.site").count() == 0  # no workspace menu
    assert page.get_by_role("link", name="PDFでダウンロード").is_visible()
    assert page.console_errors == [], page.console_errors
    page.screenshot(path=str(SCREENSHOTS / "notice-public-ja.png"), full_page=True)

    phone = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        small = phone.new_page()
        small.goto(f"{base_url}{public}")
        assert LIMITS in small.locator("main").inner_text()
        found = small.evaluate(OVERFLOW)
        assert found["page"] <= found["width"] + 1 and not found["out"], found
        small.screenshot(path=str(SCREENSHOTS / "notice-public-phone-ja.png"), full_page=True)
        small.goto(f"{base_url}{public}?lang=en")
        assert small.locator("html").get_attribute("lang") == "en"
        assert "Notice on the use of AI" in small.locator("header").inner_text()
        found = small.evaluate(OVERFLOW)
        assert found["page"] <= found["width"] + 1 and not found["out"], found
    finally:
        phone.close()
