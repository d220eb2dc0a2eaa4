"""The workspace pages of government use (issue 15) in a real browser, signed in as the
demo city's administrator and the demo prefecture's: each meets WCAG 2.1 A and AA by
axe-core's rules at a desktop's and a phone's width, and none is wider than a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import sign_in
from tests.e2e.test_portal_browser import checked_pages, visitor  # noqa: F401

pytestmark = pytest.mark.e2e

CHATBOT = "住民問い合わせチャットボット"


def test_the_citys_and_the_prefectures_pages_meet_wcag_21_aa(
    visitor: Any,  # noqa: F811
    base_url: str,
) -> None:
    page = visitor
    sign_in(page, base_url, "admin@demo-city.example")
    page.goto(f"{base_url}/systems")
    href = page.get_by_role("link", name=CHATBOT).first.get_attribute("href")
    assert href and href.startswith("/systems/"), href
    system = href.removeprefix("/systems/").split("/")[0]
    failures = checked_pages(page, base_url, [
        "/dashboard", "/register", "/org", "/org/sso", "/literacy", "/oversight/grants",
        "/decisions/settings", f"/systems/{system}", f"/systems/{system}/judgement",
        f"/systems/{system}/procurements", f"/systems/{system}/decisions",
        f"/systems/{system}/energy",
    ])  # fmt: skip
    sign_in(page, base_url, "admin@demo-pref.example")
    failures += checked_pages(page, base_url, ["/oversight", "/oversight/orgs/demo-city"])
    assert not failures, "\n".join(failures)
