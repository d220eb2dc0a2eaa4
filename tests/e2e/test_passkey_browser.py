"""Passkeys in a real browser on a phone (360 px), with Chromium's virtual authenticator
(Chrome DevTools Protocol): add a passkey on the two-step sign-in page, sign out, and
complete the next sign-in's second step with it.

WebAuthn needs a secure context and a host name as RP ID: the server is reached at
http://localhost:PORT and its public_url says so (127.0.0.1 would not do)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tekisei.config import load_settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, users
from tekisei.services.database import open_database, upgrade_database
from tekisei.web.app import create_app
from tests.conftest import free_port, served
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_portal_browser import AXE, RUN_AXE, TAGS, _readable

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
EMAIL = "passkey@phone-test.example"
PASSWORD = "correct horse battery"
WIDEST = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("passkeys")
    port = free_port()
    address = f"http://localhost:{port}"
    settings = load_settings(
        database_url=f"sqlite:///{folder / 'tekisei.db'}",
        data_dir=folder / "var",
        public_url=address,
    )
    upgrade_database(settings)
    database = open_database(settings)
    with database.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Phone", slug="phone", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email=EMAIL, password=PASSWORD),
            "phone",
            Role.VIEWER,
            "cli",
            must_change_password=False,
        )
    database.close()
    with served(create_app(settings), port):
        yield address  # localhost, not 127.0.0.1: an IP address cannot be a passkey's RP ID


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    yield page
    context.close()


def _axe(page: Any) -> str:
    # Evaluated through DevTools, not as a script tag: the page's CSP stays on.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    violations = page.evaluate(RUN_AXE, TAGS)
    return _readable(violations) if violations else ""


def _sign_in(page: Any, site: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{site}/lang/ja?next=/signin")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_a_passkey_is_added_on_a_phone_and_completes_the_next_sign_in(
    phone: Any, site: str
) -> None:
    _sign_in(phone, site)
    phone.goto(f"{site}/account/mfa")
    assert phone.locator("#passkeys-title").inner_text() == "パスキー"
    phone.fill("#passkey-name", "スマートフォン")
    phone.click("#passkey-add-form button[type=submit]")
    phone.wait_for_selector("#passkey-list li")
    assert "スマートフォン" in phone.locator("#passkey-list li .passkey-name").inner_text()
    assert phone.locator("#passkey-error").is_hidden()
    scroll, width = phone.evaluate(WIDEST)
    assert scroll <= width, "the passkeys section is wider than the phone"
    phone.screenshot(path=str(SCREENSHOTS / "mfa-passkeys-phone.png"), full_page=True)
    assert _axe(phone) == ""
    # Signed out, a password sign-in now waits for the second factor.
    _sign_in(phone, site)
    assert "/signin/second-factor" in phone.url
    phone.goto(f"{site}/systems")
    assert "/signin/second-factor" in phone.url  # nothing else before the passkey
    assert _axe(phone) == ""
    phone.screenshot(path=str(SCREENSHOTS / "mfa-passkey-second-factor-phone.png"))
    button = phone.locator("#passkey-signin")
    assert button.inner_text() == "パスキーを使う"
    button.click()
    phone.wait_for_url(lambda url: "second-factor" not in url)
    assert "/systems" in phone.url
    assert phone.locator("form.signout").count() == 1
    # Removing it is confirmed with a passkey (the virtual authenticator answers).
    phone.goto(f"{site}/account/mfa")
    phone.click("button.passkey-remove")
    phone.wait_for_function(
        "() => !document.getElementById('passkey-list') || "
        "!document.getElementById('passkey-error').hidden"
    )
    assert phone.locator("#passkey-error").is_hidden(), phone.locator("#passkey-error").inner_text()
    assert phone.locator("#passkey-list li").count() == 0
    assert phone.console_errors == []


def test_a_browser_without_webauthn_is_told_so_plainly(browser: Any, site: str) -> None:
    context = browser.new_context(locale="ja-JP", viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_init_script("delete window.PublicKeyCredential;")
    page = context.new_page()
    try:
        _sign_in(page, site)
        page.goto(f"{site}/account/mfa")
        error = page.locator("#passkey-error")
        error.wait_for(state="visible")
        assert "このブラウザーではパスキーを使えません" in error.inner_text()
        page.fill("#passkey-name", "古いブラウザー")
        page.click("#passkey-add-form button[type=submit]")
        assert "このブラウザーではパスキーを使えません" in error.inner_text()
        assert "/account/mfa" in page.url
    finally:
        context.close()
