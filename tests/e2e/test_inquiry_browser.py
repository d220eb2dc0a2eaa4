"""Inquiries in a real browser on a 390 px phone: a citizen opens a published system's
notice, sends a disclosure request in Japanese without an account and keeps the tracking
number and secret; an administrator answers and closes it from the inbox; the citizen reads
the answer on the status page. No page is wider than the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tekisei.services import orgs
from tekisei.services.database import open_database
from tests.e2e.conftest import DEMO_PASSWORD, E2E_SETTINGS, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, PHONE
from tests.services.test_inquiries import published

pytestmark = pytest.mark.e2e
ANSWER = "ご指摘の作品は学習データに含まれていません。"


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def _phone(browser: Any) -> Any:
    context = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    return context, context.new_page()


def test_a_citizen_asks_a_member_answers_and_the_citizen_reads_it_on_a_phone(
    browser: Any, base_url: str, tmp_path: Path
) -> None:
    database = open_database(E2E_SETTINGS[0])
    try:
        with database.reading() as session:
            owner = orgs.cli_principal(session, "demo-corp")
        _, public_id = published(database, owner, tmp_path, "画像生成の窓口AI")
    finally:
        database.close()

    citizen_context, citizen = _phone(browser)
    citizen.goto(f"{base_url}/notices/{public_id}")
    citizen.locator("#inquiry-link").click()
    citizen.wait_for_url(f"{base_url}/notices/{public_id}/inquiry")
    assert citizen.locator("h1").inner_text() == "お問い合わせ"
    assert "画像生成の窓口AI" in citizen.locator("#inquiry-to").inner_text()
    _fits(citizen)
    form = citizen.locator("#inquiry-form")
    form.locator("#kind").select_option("disclosure")
    form.locator("#subject").fill("私の写真が学習に使われたか")
    form.locator("#message").fill(
        "2025年に投稿した写真が学習データに含まれているか教えてください。"
    )
    form.locator("#name").fill("山田 花子")
    form.get_by_role("button", name="送信する").click()
    citizen.wait_for_load_state()
    assert citizen.locator("h1").inner_text() == "お問い合わせを受け付けました"
    tracking = citizen.locator("#tracking").inner_text()
    secret = citizen.locator("#secret").inner_text()
    assert tracking.startswith("INQ-") and len(secret) >= 32
    _fits(citizen)
    citizen.screenshot(path=str(SCREENSHOTS / "inquiry-sent-phone-ja.png"), full_page=True)

    member_context, member = _phone(browser)
    member.goto(f"{base_url}/signin")
    member.fill("#email", "admin@demo-corp.example")
    member.fill("#password", DEMO_PASSWORD[0])
    member.get_by_role("button", name="サインイン").click()
    member.wait_for_load_state()
    member.get_by_role("button", name="メニュー").click()
    member.get_by_role("link", name="問い合わせ", exact=True).click()
    member.wait_for_url(f"{base_url}/inquiries")
    _fits(member)
    item = member.locator("#inquiries-list li", has_text=tracking)
    assert "学習データの開示請求" in item.inner_text() and "受付済み" in item.inner_text()
    item.get_by_role("link").click()
    member.wait_for_url(f"{base_url}/inquiries/*")
    assert member.locator("#inquiry-name").inner_text() == "山田 花子"
    _fits(member)
    member.locator("#reply-text").fill(ANSWER)
    member.get_by_role("button", name="回答を送る").click()
    member.wait_for_load_state()
    assert member.locator("#inquiry-state").get_attribute("data-state") == "answered"
    member.get_by_role("button", name="完了にする").click()
    member.wait_for_load_state()
    assert member.locator("#inquiry-state").get_attribute("data-state") == "closed"
    _fits(member)
    member.screenshot(path=str(SCREENSHOTS / "inquiry-inbox-phone-ja.png"), full_page=True)
    member_context.close()

    citizen.goto(f"{base_url}/inquiries/status")
    citizen.locator("#tracking").fill(tracking)
    citizen.locator("#secret").fill(secret)
    citizen.get_by_role("button", name="状況を表示").click()
    citizen.wait_for_load_state()
    assert citizen.url == f"{base_url}/inquiries/status"  # the secret stays out of the address
    assert citizen.locator("#inquiry-state").inner_text() == "完了"
    assert ANSWER in citizen.locator("#inquiry-replies").inner_text()
    _fits(citizen)
    citizen.screenshot(path=str(SCREENSHOTS / "inquiry-status-phone-ja.png"), full_page=True)
    citizen_context.close()
