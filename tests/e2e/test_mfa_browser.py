"""Two-step sign-in in a real browser on a phone (360 px): set up an authenticator app
from the QR code page (the scan simulated by reading the key off the page), confirm it
with a code, sign out, and sign in again with the second factor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db.orgs import OrgRow
from tekisei.services import orgs, users
from tekisei.services.database import open_database
from tests.e2e.conftest import DEMO_PASSWORD, E2E_SETTINGS, SCREENSHOTS, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
EMAIL = "mfa-phone@phone-test.example"
ORG = "phone-test"
WIDEST = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture
def phone(browser: Any, base_url: str) -> Iterator[Any]:
    database = open_database(E2E_SETTINGS[0])
    with database.transaction() as session:
        # an organisation of its own: the demo organisations' member lists stay as the
        # other browser tests expect them
        if session.scalars(select(OrgRow).where(OrgRow.slug == ORG)).first() is None:
            orgs.create_org(
                session, OrgCreate(name="Phone test", slug=ORG, actors=[OrgActor.BUSINESS]), "cli"
            )
        if users.find_user(session, EMAIL) is None:
            users.create_user(
                session,
                users.UserCreate(email=EMAIL, password=DEMO_PASSWORD[0]),
                ORG,
                Role.VIEWER,
                "cli",
                must_change_password=False,
            )
    database.close()
    context = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    SCREENSHOTS.mkdir(exist_ok=True)
    yield page
    context.close()


def code(secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * steps))


def test_an_authenticator_is_set_up_on_a_phone_and_asked_for_at_the_next_sign_in(
    phone: Any, base_url: str
) -> None:
    sign_in(phone, base_url, EMAIL)
    phone.goto(f"{base_url}/account")
    phone.click("#mfa-link")
    assert phone.url.endswith("/account/mfa")
    phone.click("#enrol-form button[type=submit]")
    qr = phone.locator("figure.qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 120 and box["x"] + box["width"] <= 360
    scroll, width = phone.evaluate(WIDEST)
    assert scroll <= width, "the enrolment page is wider than the phone"
    phone.screenshot(path=str(SCREENSHOTS / "mfa-enrolment-phone.png"), full_page=True)
    secret = phone.locator("#mfa-secret").inner_text().strip()
    assert len(secret) == 32
    phone.fill("#confirm-code", "000000")
    phone.click("#confirm-form button[type=submit]")
    assert phone.locator("#mfa-error").is_visible()
    phone.fill("#confirm-code", code(secret, -1))
    phone.click("#confirm-form button[type=submit]")
    assert phone.locator("ul.recovery-codes li").count() == 10
    scroll, width = phone.evaluate(WIDEST)
    assert scroll <= width, "the recovery codes are wider than the phone"
    phone.screenshot(path=str(SCREENSHOTS / "mfa-recovery-codes-phone.png"), full_page=True)
    # Sign out (the menu folds behind a button on a phone) and in again.
    phone.click("button.menu-toggle")
    phone.click("form.signout button[type=submit]")
    phone.wait_for_url("**/signin")
    sign_in(phone, base_url, EMAIL)
    assert "/signin/second-factor" in phone.url
    phone.goto(f"{base_url}/systems")
    assert "/signin/second-factor" in phone.url  # nothing else before the code
    phone.fill("#code", code(secret))
    phone.click("#second-factor-form button[type=submit]")
    phone.wait_for_load_state()
    assert "/systems" in phone.url and "second-factor" not in phone.url
    assert phone.locator("form.signout").count() == 1
