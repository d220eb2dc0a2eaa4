"""AI policies and the governance statement in a real browser: an administrator of the
demo company starts an acceptable-use policy from tekisei's template, sets its date and
audience, and asks for approval; the executive approves it from the approvals inbox; the
administrator publishes it, acknowledges it and publishes the statement; anyone reads the
statement signed out, in Japanese and English, on a 390 px phone."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_phone_browser import OVERFLOW, PHONE
from tests.e2e.test_workspace_browser import sign_in

pytestmark = pytest.mark.e2e
RULE = "生成AIに入力してよい情報は、公開済みの情報に限ります。"
TITLE = "生成AI利用規程"


def test_a_policy_is_approved_published_and_the_statement_read_signed_out_on_a_phone(
    page: Any, browser: Any, base_url: str
) -> None:
    sign_in(page, base_url, "admin@demo-corp.example")
    page.goto(f"{base_url}/policies")
    demo = page.locator('tr[data-status="in_force"]')
    assert demo.count() == 1 and "AI基本方針" in demo.inner_text()  # the demo's own policy
    page.select_option("#kind", "acceptable_use")
    page.get_by_role("button", name="下書きを作る").click()
    assert page.locator("#flash").inner_text() == "登録しました。"
    assert "tekisei の雛形から作成" in page.locator(".lead").inner_text()
    assert "AI利用規程" in page.locator(".policy-preview").inner_text()
    assert page.locator("#request-approval").count() == 0  # no effective date yet
    page.fill("#ja-title", TITLE)
    body = page.locator("#ja-body")
    body.fill(body.input_value() + f"\n\n## 10. 追加の定め\n- {RULE}\n- <b>太字にならない</b>")
    page.select_option("#audience", "public")
    page.fill("#effective_on", date.today().isoformat())
    page.get_by_role("button", name="下書きを保存する").click()
    preview = page.locator(".policy-preview")
    assert RULE in preview.inner_text() and "<b>太字にならない</b>" in preview.inner_text()
    assert preview.locator("b").count() == 0
    page.fill("#approval-note", "施行日は本日です。")
    page.get_by_role("button", name="承認を申請する").click()
    assert "経営層の承認待ち" in page.locator("#approval-status").inner_text()
    policy_url = page.url.split("#")[0].split("?")[0]
    page.screenshot(path=str(SCREENSHOTS / "policy-editor-ja.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, base_url, "exec@demo-corp.example")
    page.goto(f"{base_url}/approvals")
    page.locator("#policy-approvals").get_by_role("link", name=TITLE).click()
    assert RULE in page.locator(".policy-preview").inner_text()
    assert page.locator("#policy-form").count() == 0  # an executive approves, not edits
    page.fill("#reason", "内容を確認しました。")
    page.get_by_role("button", name="この方針を承認する").click()
    assert "承認済み" in page.locator("#approval-status").inner_text()
    assert page.locator("#publish").count() == 0  # publishing is the editors' step

    page.context.clear_cookies()
    sign_in(page, base_url, "admin@demo-corp.example")
    page.goto(policy_url)
    page.get_by_role("button", name="第1版を公開する").click()
    assert page.locator(".policy-state").get_attribute("data-status") == "in_force"
    page.get_by_role("button", name="第1版を読み、内容を確認しました").click()
    assert "確認しました" in page.locator("#my-acknowledgement").inner_text()
    mine = page.locator('#readers tr[data-acknowledged="yes"]')
    assert mine.count() == 1 and "田中 美咲" in mine.inner_text()
    page.goto(f"{base_url}/statement")
    assert "佐藤 一郎" in page.locator("#responsible").inner_text()
    assert TITLE in page.locator("#policies").inner_text()
    page.get_by_role("button", name="この声明を公開する").click()
    assert page.locator(".statement-state").get_attribute("data-status") == "published"
    public = page.locator("#public-link").get_attribute("href")
    assert public == "/orgs/demo-corp/statement"
    assert page.console_errors == [], page.console_errors

    page.context.clear_cookies()
    phone = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        small = phone.new_page()
        small.goto(f"{base_url}{public}")
        assert small.locator("html").get_attribute("lang") == "ja"
        assert small.locator("header.site").count() == 0  # no workspace menu
        assert "AIガバナンス声明" in small.locator("header").inner_text()
        assert "デモ商事株式会社" in small.locator("#statement-org").inner_text()
        assert "AI基本方針" in small.locator("#basic-policy").inner_text()
        small.locator("#policies summary").first.click()
        assert RULE in small.locator("#policies").inner_text()
        found = small.evaluate(OVERFLOW)
        assert found["page"] <= found["width"] + 1 and not found["out"], found
        small.screenshot(path=str(SCREENSHOTS / "statement-public-phone-ja.png"), full_page=True)
        small.goto(f"{base_url}{public}?lang=en")
        assert small.locator("html").get_attribute("lang") == "en"
        assert "AI governance statement" in small.locator("header").inner_text()
        assert "Basic AI Policy" in small.locator("#basic-policy").inner_text()
        assert small.get_by_role("link", name="Download as PDF").is_visible()
        found = small.evaluate(OVERFLOW)
        assert found["page"] <= found["width"] + 1 and not found["out"], found
        small.screenshot(path=str(SCREENSHOTS / "statement-public-phone-en.png"), full_page=True)
    finally:
        phone.close()
