"""The DS-920 judgement in a real browser on a 390 px phone: the city's administrator
opens the chatbot's judgement from its page, answers the four perspectives (with a note),
saves the draft, reads the result, signs it, and finds the DS-920 reason among the
system's tier reasons; no page is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from tekisei.core.judgements import OUR_WORDING, QUESTIONS
from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, phone  # noqa: F401

pytestmark = pytest.mark.e2e


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def test_a_judgement_is_answered_signed_and_feeds_the_tier_on_a_phone(
    phone: Any,  # noqa: F811
    base_url: str,
) -> None:
    page = phone
    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-city.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/systems")
    page.get_by_role("link", name="住民問い合わせチャットボット").first.click()
    page.wait_for_load_state()
    page.locator("#judgement-link").click()
    page.wait_for_url(f"{base_url}/systems/*/judgement")
    assert page.locator("h1").inner_text() == "高リスク判定（DS-920）"
    assert page.locator("#our-wording").inner_text() == OUR_WORDING[0]
    assert page.locator("fieldset.perspective").count() == 4
    _fits(page)

    for question in QUESTIONS:
        reply = "yes" if question.id == "users-public" else "no"
        page.locator(f"#answer-{question.id}-{reply}").check()
    page.fill("#note-users-public", "住民がウェブサイトから直接使う（ブラウザ試験）。")
    page.locator("#save-draft").click()
    page.wait_for_url(f"{base_url}/systems/*/judgements/*")
    assert page.locator("#judgement-result").get_attribute("data-high-risk") == "yes"
    assert page.locator("#judgement-perspectives li").inner_text() == "利用者の範囲・種別"
    assert page.locator("#judgement-state").inner_text() == "下書き（未署名）"
    _fits(page)

    page.locator("#sign-button").click()
    page.wait_for_load_state()
    assert page.locator("#flash").is_visible()
    assert page.locator("#judgement-state").inner_text() == "有効"
    assert "admin@demo-city.example" in page.locator("#judgement-signed").inner_text() or (
        "伊藤" in page.locator("#judgement-signed").inner_text()
    )
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "judgement-phone.png"), full_page=True)

    page.locator("nav.crumbs a").first.click()
    page.wait_for_load_state()
    assert page.locator('.tier-box li[data-code="ds920-high-risk"]').is_visible()
    assert page.locator("#judgement-summary").get_attribute("data-high-risk") == "yes"
    assert page.locator("#judgement-stale").count() == 0
    _fits(page)


def test_the_citys_decision_statistics_and_settings_fit_a_phone(
    phone: Any,  # noqa: F811
    base_url: str,
) -> None:
    page = phone
    page.goto(f"{base_url}/orgs/demo-city/register")
    section = page.locator(".register-decisions").first
    assert section.is_visible()
    assert int(section.get_attribute("data-decisions") or "0") >= 12
    page.locator(".register-records summary").first.click()
    assert page.locator(".register-records tbody tr").first.is_visible()
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "register-decisions-phone.png"), full_page=True)

    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-city.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/decisions/settings")
    assert page.locator("h1").inner_text() == "決定記録の設定"
    assert page.locator("#publish_records").is_checked()
    assert page.locator("#register-state").get_attribute("data-published") == "yes"
    _fits(page)
