"""Notifications in a real browser on a 390 px phone: an administrator sees the unread
count in the header without opening the menu, opens the list from it, marks a
notification read, and turns off e-mail for review reminders. No page is wider than the
screen."""

from __future__ import annotations

from typing import Any

import pytest

from tekisei.core.notifications import Event
from tekisei.core.orgs import Role
from tekisei.services import notifications, orgs
from tekisei.services.database import open_database
from tests.e2e.conftest import DEMO_PASSWORD, E2E_SETTINGS, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, PHONE

pytestmark = pytest.mark.e2e
TITLE = "推薦AIで障害が報告されました"


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def test_an_administrator_sees_the_count_marks_read_and_chooses_on_a_phone(
    browser: Any, base_url: str
) -> None:
    database = open_database(E2E_SETTINGS[0])
    try:
        with database.transaction() as session:
            org_id = orgs.cli_principal(session, "demo-corp").org_id
            notifications.notify(
                session, org_id, Event.INCIDENT_REPORTED, roles=[Role.ADMIN],
                title_ja=TITLE, title_en="An incident was reported", link="/dashboard",
            )  # fmt: skip
    finally:
        database.close()
    context = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/signin")
        page.fill("#email", "admin@demo-corp.example")
        page.fill("#password", DEMO_PASSWORD[0])
        page.get_by_role("button", name="サインイン").click()
        page.wait_for_load_state()
        bell = page.locator("#notifications-link")
        assert bell.is_visible()  # outside the folded menu
        unread = int(page.locator("#unread-count").inner_text())
        assert unread >= 1
        assert f"未読 {unread} 件" in bell.inner_text()
        _fits(page)
        page.screenshot(path=str(SCREENSHOTS / "notifications-badge-phone-ja.png"))
        bell.click()
        page.wait_for_url(f"{base_url}/notifications")
        item = page.locator("#notifications-list li.unread", has_text=TITLE)
        assert "インシデントの報告" in item.inner_text()
        _fits(page)
        item.get_by_role("button", name="既読にする").click()
        page.wait_for_url(f"{base_url}/notifications")
        read = page.locator("#notifications-list li", has_text=TITLE)
        assert read.get_attribute("class") == "read" and "既読" in read.inner_text()
        if unread > 1:
            assert page.locator("#unread-count").inner_text() == str(unread - 1)
        else:
            assert page.locator("#unread-count").count() == 0
        page.screenshot(path=str(SCREENSHOTS / "notifications-list-phone-ja.png"), full_page=True)
        page.locator("#notification-settings-link").click()
        page.wait_for_url(f"{base_url}/notifications/settings")
        assert page.locator("h1").inner_text() == "通知の設定"
        _fits(page)
        review_email = page.locator("#email-review_due")
        assert review_email.is_checked()
        review_email.uncheck()
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(f"{base_url}/notifications/settings")
        assert page.locator("#flash").inner_text() == "保存しました。"
        assert not page.locator("#email-review_due").is_checked()
        assert page.locator("#in_app-review_due").is_checked()
        page.screenshot(
            path=str(SCREENSHOTS / "notification-settings-phone-ja.png"), full_page=True
        )
    finally:
        context.close()
