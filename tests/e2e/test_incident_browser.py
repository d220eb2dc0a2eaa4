"""Incidents in a real browser on a 390 px phone: a member reports an incident in Japanese
from the page, publishes its public notice, and anyone reads the notice without signing
in. No page is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from tekisei.services import orgs
from tekisei.services import systems as system_service
from tekisei.services.database import open_database
from tests.e2e.conftest import DEMO_PASSWORD, E2E_SETTINGS, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, PHONE

pytestmark = pytest.mark.e2e


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def _phone(browser: Any) -> Any:
    context = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    return context, context.new_page()


def test_a_member_reports_and_publishes_an_incident_and_anyone_reads_it_on_a_phone(
    browser: Any, base_url: str
) -> None:
    database = open_database(E2E_SETTINGS[0])
    try:
        with database.reading() as session:
            owner = orgs.cli_principal(session, "demo-corp")
            system = system_service.list_systems(session, owner, limit=1)[1][0]
            system_id, system_name = system.id, system.name
    finally:
        database.close()

    member_context, member = _phone(browser)
    member.goto(f"{base_url}/signin")
    member.fill("#email", "admin@demo-corp.example")
    member.fill("#password", DEMO_PASSWORD[0])
    member.get_by_role("button", name="サインイン").click()
    member.wait_for_load_state()
    member.get_by_role("button", name="メニュー").click()
    member.get_by_role("link", name="インシデント", exact=True).click()
    member.wait_for_url(f"{base_url}/incidents")
    _fits(member)
    member.locator("#new-incident").click()
    member.wait_for_url(f"{base_url}/incidents/new")
    assert member.locator("h1").inner_text() == "インシデントを報告"
    form = member.locator("#incident-form")
    form.locator("#title").fill("回答に個人情報が含まれた")
    form.locator("#description").fill("利用者の問い合わせへの回答に、別の利用者の氏名が含まれた。")
    form.locator("#severity").select_option("high")
    form.locator("#occurred_at").fill("2026-03-01T09:00")
    form.locator("#detected_at").fill("2026-03-01T10:30")
    form.locator(f'input[name="systems"][value="{system_id}"]').check()
    form.locator('input[name="harms"][value="rights"]').check()
    form.locator("#people_affected").fill("3")
    form.locator("#containment").fill("該当機能を停止した。")
    _fits(member)
    member.screenshot(path=str(SCREENSHOTS / "incident-new-phone-ja.png"), full_page=True)
    form.get_by_role("button", name="インシデントを報告する").click()
    member.wait_for_load_state()
    assert member.locator("#incident-title").inner_text() == "回答に個人情報が含まれた"
    assert member.locator("#incident-state").inner_text() == "対応中"
    assert system_name in member.locator("#incident-systems").inner_text()
    _fits(member)
    publish = member.locator("#publish-form")
    publish.locator("#publish-title").fill("回答への個人情報の混入について")
    publish.locator("#publish-summary").fill("一部の回答に他の利用者の氏名が表示されました。")
    publish.get_by_role("button", name="お知らせを公開").click()
    member.wait_for_load_state()
    assert member.locator("#public-notice").get_attribute("data-status") == "published"
    public_url = member.locator("#public-link").get_attribute("href")
    assert public_url and public_url.startswith("/public/incidents/")
    member.screenshot(path=str(SCREENSHOTS / "incident-detail-phone-ja.png"), full_page=True)
    member_context.close()

    reader_context, reader = _phone(browser)
    reader.goto(f"{base_url}{public_url}")
    assert reader.locator("#public-title").inner_text() == "回答への個人情報の混入について"
    assert "一部の回答に他の利用者の氏名" in reader.locator("#public-summary").inner_text()
    assert "権利・プライバシーの侵害" in reader.locator("#public-harms").inner_text()
    assert "該当機能を停止した" not in reader.content()  # containment was not chosen
    _fits(reader)
    reader.screenshot(path=str(SCREENSHOTS / "incident-public-phone-ja.png"), full_page=True)
    reader_context.close()
