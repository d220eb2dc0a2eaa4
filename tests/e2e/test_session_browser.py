"""One's sessions in a real browser, at a desktop's and a phone's width: the account page
lists the sessions of two browsers signed in to the same account (after signing out
everywhere else), meets WCAG 2.1 A and AA
by axe-core's rules and fits the phone; ending the other browser's session from the list
sends that browser to the sign-in page on its very next request."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS, sign_in
from tests.e2e.test_portal_browser import checked_pages, visitor  # noqa: F401

pytestmark = pytest.mark.e2e
EMAIL = "audit@demo-pref.example"  # no other browser test signs in as this member


def test_the_other_browsers_session_is_listed_and_ended_from_the_account_page(
    visitor: Any,  # noqa: F811
    browser: Any,
    base_url: str,
) -> None:
    page = visitor
    other = browser.new_context(locale="ja-JP").new_page()
    try:
        sign_in(page, base_url, EMAIL)
        page.goto(f"{base_url}/account")
        everywhere = page.locator("#sign-out-everywhere")
        assert everywhere.get_by_label("このブラウザーではサインインしたままにする").is_checked()
        everywhere.get_by_role("button", name="すべての場所からサインアウト").click()
        page.wait_for_load_state()
        assert page.locator("table.sessions tr[data-session]").count() == 1
        sign_in(other, base_url, EMAIL)
        failures = checked_pages(page, base_url, ["/account"])
        assert not failures, "\n".join(failures)
        page.screenshot(path=str(SCREENSHOTS / f"account-sessions-{page.width_name}.png"))
        assert page.locator("table.sessions tr[data-session]").count() == 2
        assert page.locator("table.sessions tr.current").count() == 1
        assert "このブラウザー" in page.locator("table.sessions tr.current").inner_text()
        other_row = page.locator("table.sessions tr[data-session]:not(.current)").first
        end = other_row.get_by_role("button", name="終了")
        box = end.bounding_box()  # on a phone too, in reach without scrolling sideways
        assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"]
        end.click()
        page.wait_for_load_state()
        assert page.locator("#flash").is_visible()
        assert page.locator("table.sessions tr.current").count() == 1
        other.goto(f"{base_url}/systems")
        other.wait_for_load_state()
        assert "/signin" in other.url
    finally:
        other.context.close()
