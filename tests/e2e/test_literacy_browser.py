"""A resident takes the AI literacy self-check on a 390 px phone, without signing in:
the modules are listed, every question is answered with a tap on its label, the score
and each explanation are shown, nothing is stored, and no page is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tekisei.core.literacy import self_check_items
from tekisei.db.audit import AuditEventRow
from tekisei.db.literacy import LiteracyCompletionRow
from tekisei.services.database import open_database
from tekisei.services.literacy_content import MODULES
from tests.e2e.conftest import DEMO_PASSWORD, E2E_SETTINGS, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, phone  # noqa: F401

pytestmark = pytest.mark.e2e
ITEMS = self_check_items(list(MODULES))


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def _stored() -> tuple[int, int]:
    database = open_database(E2E_SETTINGS[0])
    try:
        with database.reading() as session:
            events = session.scalar(select(func.count()).select_from(AuditEventRow)) or 0
            done = session.scalar(select(func.count()).select_from(LiteracyCompletionRow)) or 0
            return events, done
    finally:
        database.close()


def test_a_resident_takes_the_self_check_on_a_phone(
    phone: Any,  # noqa: F811
    base_url: str,
) -> None:
    page = phone
    before = _stored()
    page.goto(f"{base_url}/learn")
    assert page.locator("h1").inner_text() == "AIを学ぶ"
    assert page.locator("#public-modules li").count() >= 8
    _fits(page)
    page.locator("#self-check-link").click()
    page.wait_for_url(f"{base_url}/learn/self-check")
    assert page.locator("form#quiz fieldset").count() == len(ITEMS)
    _fits(page)
    for number, (_, question) in enumerate(ITEMS, start=1):
        choice = question.answer if number != 1 else (question.answer + 1) % 3
        label = question.choices[choice].ja
        page.locator(f"#question-{number}").get_by_label(label, exact=False).check()
    page.get_by_role("button", name="答え合わせをする").click()
    page.wait_for_load_state()
    result = page.locator("#result")
    assert result.get_attribute("data-score") == str(len(ITEMS) - 1)
    assert f"{len(ITEMS)}問中{len(ITEMS) - 1}問正解" in result.inner_text()
    assert page.locator("#question-1").get_attribute("data-right") == "no"
    assert ITEMS[0][1].explanation.ja in page.locator("#feedback-1").inner_text()
    assert page.locator("#read-next a").first.get_attribute("href") == f"/learn/{ITEMS[0][0]}"
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "literacy-self-check-phone.png"), full_page=True)
    assert _stored() == before  # nothing stored, nothing logged


def test_the_city_administrator_sees_its_staff_progress_on_a_phone(
    phone: Any,  # noqa: F811
    base_url: str,
) -> None:
    page = phone
    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-city.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/literacy")
    assert page.locator("h1").inner_text() == "AIリテラシー"
    # the demo: two modules for every member, and the CAIO passed one
    assert page.locator('tr[data-module="staff-policy-high-risk"]').count() >= 2
    assert page.locator('tr[data-module="what-ai-is"][data-state="done"]').count() >= 1
    assert int(page.locator("#count-completed").inner_text()) >= 1
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "literacy-staff-phone.png"), full_page=True)
    page.goto(f"{base_url}/dashboard")
    assert "割り当て" in page.locator("#literacy-line").inner_text()
