"""Single sign-on in a real browser: from tekisei's sign-in page through the real
OpenID provider's own login page (npm ``oidc-provider``) and back into tekisei."""

from __future__ import annotations

from typing import Any

import pytest

from tekisei.core.orgs import OrgActor, OrgCreate
from tekisei.core.sso import SsoSettings
from tekisei.services import orgs, sso
from tekisei.services.database import open_database
from tests.e2e.conftest import E2E_SETTINGS, SCREENSHOTS
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.e2e


def test_a_member_clicks_single_sign_on_signs_in_at_the_provider_and_lands_in_tekisei(
    page: Any, base_url: str, oidc_provider: Any
) -> None:
    oidc_provider.client(CLIENT_ID, CLIENT_SECRET, base=base_url)
    settings = E2E_SETTINGS[0]
    database = open_database(settings)
    try:
        with database.transaction() as session:
            orgs.create_org(
                session,
                OrgCreate(name="SSO Corp", slug="sso-corp", actors=[OrgActor.BUSINESS]),
                "cli",
            )
            sso.configure_sso(
                session,
                orgs.cli_principal(session, "sso-corp"),
                SsoSettings(
                    name="SSO Corp ID",
                    issuer=oidc_provider.issuer,
                    client_id=CLIENT_ID,
                    client_secret=CLIENT_SECRET,
                    allowed_domains=["acme.example"],
                    role_map={"governance-admins": "admin"},  # type: ignore[dict-item]
                    jit=True,
                ),
                sso.sso_key(settings),
            )
    finally:
        database.close()
    # the provider's development login page asks a web font: no network in tests
    page.route("https://fonts.googleapis.com/**", lambda route: route.abort())
    page.goto(f"{base_url}/lang/ja?next=/signin")
    page.get_by_role("link", name="シングルサインオン").click()
    page.fill("#sso-email", "alice@acme.example")
    page.get_by_role("button", name="続ける").click()
    page.wait_for_url(f"{oidc_provider.issuer}/**")
    page.fill("input[name=login]", "alice@acme.example")
    page.fill("input[name=password]", "any")
    page.screenshot(path=str(SCREENSHOTS / "sso-provider-login.png"))
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{base_url}/**")
    page.wait_for_load_state()
    assert page.url.startswith(base_url)
    assert "/signin" not in page.url, page.locator("main").inner_text()
    account = page.request.get(f"{base_url}/api/account").json()
    assert (account["email"], account["org"], account["role"]) == (
        "alice@acme.example",
        "sso-corp",
        "admin",
    )
    page.screenshot(path=str(SCREENSHOTS / "sso-signed-in.png"), full_page=True)
    # signing out ends tekisei's session and goes on to the provider's sign-out
    page.locator("form[action='/signout'] button").first.click()
    page.wait_for_url(f"{oidc_provider.issuer}/**")
    assert page.request.get(f"{base_url}/api/account").status == 401
