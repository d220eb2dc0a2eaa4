"""Single sign-on against a real OpenID provider (npm ``oidc-provider`` under Node): the
code flow with PKCE through the provider's own login page, role mapping, just-in-time
membership and invitations, refusals with their Japanese and English messages (domain,
unverified e-mail, replayed state, the provider's error, the provider down, an expired
token, another client's token), key rotation, passwords disabled, sign-out at the
provider, and the administrators' API."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.core.orgs import Role
from tekisei.core.sso import SsoFailure, SsoSettings
from tekisei.db.audit import AuditEventRow
from tekisei.db.sso import OidcSessionRow
from tekisei.services import invitations, oidc, orgs, sso, users
from tekisei.services import oidc_provider as idp
from tekisei.services.database import Database
from tekisei.services.users import principal_for
from tekisei.web.app import create_app
from tekisei.web.pages import sso as oidc_pages
from tests.conftest import free_port
from tests.oidc_provider import CALLBACK, CLIENT_ID, CLIENT_SECRET, OTHER_ID, OTHER_SECRET
from tests.organisations import PASSWORD, two_organisations

pytestmark = pytest.mark.anyio


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def alert(response: httpx.Response) -> str:
    found = soup(response).select_one('[role="alert"]')
    assert found is not None, response.text[:800]
    return found.get_text(" ", strip=True)


def payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    found: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def configure(db: Database, settings: Settings, org: str, provider: Any, **changes: Any) -> None:
    values: dict[str, Any] = {
        "name": "Acme ID",
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "allowed_domains": ["acme.example"],
        "role_map": {"governance-admins": "admin"},
        "default_role": "viewer",
        "jit": True,
    } | changes
    with db.transaction() as session:
        sso.configure_sso(
            session,
            principal_for(session, f"admin@{org}.example", org),
            SsoSettings.model_validate(values),
            sso.sso_key(settings),
        )


@pytest.fixture
async def web(settings: Settings, empty_db: Database, oidc_provider: Any) -> AsyncIterator[Any]:
    settings = settings.model_copy(update={"oidc_allow_private_issuers": True})
    tokens = two_organisations(
        empty_db,
        [
            ("admin@acme.example", "acme", Role.ADMIN),
            ("bob@acme.example", "acme", Role.VIEWER),
            ("admin@other.example", "other", Role.ADMIN),
        ],
    )
    configure(empty_db, settings, "acme", oidc_provider)
    app = create_app(settings)
    clients: list[httpx.AsyncClient] = []

    def client() -> httpx.AsyncClient:
        made = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        clients.append(made)
        return made

    yield {
        "client": client,
        "db": empty_db,
        "settings": settings,
        "provider": oidc_provider,
        "tokens": tokens,
    }
    for made in clients:
        await made.aclose()
    app.state.database.close()


async def start(client: httpx.AsyncClient, org: str = "acme") -> httpx.Response:
    return await client.get("/signin/sso", params={"org": org, "next": "/dashboard"})


async def sso_sign_in(web: Any, account: str, org: str = "acme") -> tuple[httpx.AsyncClient, str]:
    """Start at tekisei, sign in at the provider; the browser and the callback URL."""
    browser = web["client"]()
    begun = await start(browser, org)
    assert begun.status_code == 303, begun.text[:500]
    back = await web["provider"].login(begun.headers["location"], account)
    return browser, back


async def callback(browser: httpx.AsyncClient, back: str, lang: str = "ja") -> httpx.Response:
    return await browser.get(
        back.removeprefix("http://testserver"), headers={"Accept-Language": lang}
    )


def actions(db: Database) -> list[tuple[str, dict[str, Any]]]:
    with db.reading() as session:
        return [
            (row.action, row.summary)
            for row in session.scalars(select(AuditEventRow).order_by(AuditEventRow.id))
        ]


async def test_a_member_signs_in_through_the_provider_with_the_role_its_group_maps_to(
    web: Any,
) -> None:
    browser, back = await sso_sign_in(web, "alice@acme.example")
    query = parse_qs(urlsplit(back).query)
    assert "code" in query and "state" in query
    done = await callback(browser, back)
    assert done.status_code == 303, alert(done)
    assert done.headers["location"] == "/dashboard"
    me = (await browser.get("/api/account")).json()
    assert (me["email"], me["org"], me["role"]) == ("alice@acme.example", "acme", "admin")
    found = dict(actions(web["db"]))
    assert found["sso.sign_in"]["joined"] == "jit"
    assert "session.start" in found


async def test_pkce_state_and_nonce_are_sent_to_the_provider(web: Any) -> None:
    begun = await start(web["client"]())
    sent = parse_qs(urlsplit(begun.headers["location"]).query)
    assert sent["code_challenge_method"] == ["S256"]
    assert len(sent["code_challenge"][0]) == 43
    assert sent["client_id"] == [CLIENT_ID]
    assert sent["redirect_uri"] == [CALLBACK]
    assert sent["state"][0] != sent["nonce"][0]


async def test_an_existing_member_keeps_their_role_and_no_other_claim_widens_it(web: Any) -> None:
    browser, back = await sso_sign_in(web, "bob@acme.example")
    assert (await callback(browser, back)).status_code == 303
    me = (await browser.get("/api/account")).json()
    assert (me["email"], me["role"]) == ("bob@acme.example", "viewer")


async def test_without_just_in_time_membership_a_stranger_is_told_to_ask_for_an_invitation(
    web: Any,
) -> None:
    configure(web["db"], web["settings"], "acme", web["provider"], jit=False)
    browser, back = await sso_sign_in(web, "carol@acme.example")
    refused = await callback(browser, back)
    assert refused.status_code == 401
    assert "招待を依頼" in alert(refused)
    assert (await browser.get("/api/account")).status_code == 401
    browser, back = await sso_sign_in(web, "carol@acme.example")
    english = await callback(browser, back, "en")
    assert "ask an administrator for an invitation" in alert(english)
    assert ("sso.refuse", {"reason": "unknown_user"}) in actions(web["db"])


async def test_a_session_opened_through_one_organisations_provider_stays_in_it(
    web: Any,
) -> None:
    """Another organisation's administrator chose neither this provider nor its domains:
    bob, a member of both, signed in through acme's provider cannot act for other."""
    with web["db"].transaction() as session:
        bob = users.find_user(session, "bob@acme.example")
        assert bob is not None
        orgs.add_member(session, orgs.get_org(session, "other"), bob, Role.ADMIN, "cli")
    browser, back = await sso_sign_in(web, "bob@acme.example")
    done = await callback(browser, back)
    assert done.headers["location"] == "/dashboard"  # no chooser of bob's organisations
    page = soup(await browser.get("/dashboard"))
    csrf = str(page.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
    moved = await browser.put(
        "/api/account/org",
        json={"org": "other"},
        headers={"X-CSRF-Token": csrf, "Accept-Language": "en"},
    )
    assert moved.status_code == 403
    assert "another organisation" in moved.text
    assert (await browser.get("/api/account")).json()["org"] == "acme"


async def test_a_pending_invitation_is_accepted_by_signing_in_through_the_provider(
    web: Any,
) -> None:
    configure(web["db"], web["settings"], "acme", web["provider"], jit=False)
    with web["db"].transaction() as session:
        admin = principal_for(session, "admin@acme.example", "acme")
        invitations.create_invitation(session, admin, "carol@acme.example", Role.EDITOR)
    browser, back = await sso_sign_in(web, "carol@acme.example")
    assert (await callback(browser, back)).status_code == 303
    me = (await browser.get("/api/account")).json()
    assert (me["email"], me["role"]) == ("carol@acme.example", "editor")
    assert "invitation.accept" in dict(actions(web["db"]))


async def test_a_domain_that_is_not_allowed_is_refused(web: Any) -> None:
    browser, back = await sso_sign_in(web, "eve@elsewhere.example")
    refused = await callback(browser, back)
    assert refused.status_code == 401
    assert "ドメイン" in alert(refused)
    with web["db"].reading() as session:
        assert users.find_user(session, "eve@elsewhere.example") is None


async def test_an_unverified_email_is_refused(web: Any) -> None:
    browser, back = await sso_sign_in(web, "mallory@acme.example")
    refused = await callback(browser, back, "en")
    assert "not verified your e-mail" in alert(refused)


async def test_a_replayed_state_is_refused(web: Any) -> None:
    browser, back = await sso_sign_in(web, "alice@acme.example")
    assert (await callback(browser, back)).status_code == 303
    state = parse_qs(urlsplit(back).query)["state"][0]
    again = web["client"]()
    again.cookies.set("tekisei_sso_state", state, domain="testserver", path="/signin/sso")
    replayed = await callback(again, back, "en")
    assert replayed.status_code == 401
    assert "no longer valid" in alert(replayed)
    assert (await again.get("/api/account")).status_code == 401


async def test_an_answer_in_another_browser_than_the_one_that_started_is_refused(
    web: Any,
) -> None:
    _browser, back = await sso_sign_in(web, "alice@acme.example")
    victim = web["client"]()
    refused = await callback(victim, back, "en")
    assert refused.status_code == 401
    assert "no longer valid" in alert(refused)


async def test_an_error_from_the_provider_is_shown_in_our_words_not_its_own(web: Any) -> None:
    browser = web["client"]()
    begun = await start(browser)
    state = parse_qs(urlsplit(begun.headers["location"]).query)["state"][0]
    answer = await browser.get(
        "/signin/sso/callback",
        params={"state": state, "error": "access_denied", "error_description": "<b>Raw</b>"},
        headers={"Accept-Language": "ja"},
    )
    assert answer.status_code == 401
    assert "キャンセル" in alert(answer)
    main = soup(answer).select_one("main")
    assert main is not None and "Raw" not in main.get_text()


async def test_a_provider_that_is_down_gives_a_clear_error_not_a_500(web: Any) -> None:
    configure(
        web["db"],
        web["settings"],
        "acme",
        web["provider"],
        issuer=f"http://127.0.0.1:{free_port()}",
    )
    for lang, words in (("ja", "接続できませんでした"), ("en", "could not be reached")):
        answer = await web["client"]().get(
            "/signin/sso", params={"org": "acme"}, headers={"Accept-Language": lang}
        )
        assert answer.status_code == 401
        assert words in alert(answer)
    refused = [summary for action, summary in actions(web["db"]) if action == "sso.refuse"]
    assert refused == [{"reason": "provider_unreachable", "at": "start"}] * 2


async def test_an_organisation_without_single_sign_on_says_so(web: Any) -> None:
    answer = await web["client"]().get(
        "/signin/sso", params={"org": "other"}, headers={"Accept-Language": "en"}
    )
    assert answer.status_code == 401
    assert "no single sign-on" in alert(answer)


async def test_starting_single_sign_on_is_limited_per_address(web: Any) -> None:
    browser = web["client"]()
    answers = [
        (await browser.get("/signin/sso", params={"org": "other"})).status_code
        for _ in range(oidc_pages.SIGN_INS_PER_MINUTE + 1)
    ]
    assert answers[:-1] == [401] * oidc_pages.SIGN_INS_PER_MINUTE
    assert answers[-1] == 429


async def test_the_sign_in_page_finds_the_provider_by_the_email_domain(web: Any) -> None:
    browser = web["client"]()
    page = soup(await browser.get("/signin", params={"org": "acme", "next": "/risks"}))
    button = page.select_one("#sso-org-link")
    assert button is not None and "Acme ID" in button.get_text()
    assert button["href"] == "/signin/sso?org=acme&next=/risks"
    # one button only on the sign-in page: the password form's
    assert len(page.select("main button")) == 1
    start = soup(await browser.get("/signin/sso", params={"next": "/risks"}))
    token = str(start.select_one('input[name="login_csrf"]')["value"])  # type: ignore[index]
    unknown = await browser.post(
        "/signin/sso",
        data={"email": "someone@nowhere.example", "login_csrf": token},
        headers={"Accept-Language": "en"},
    )
    assert unknown.status_code == 404
    assert "No organisation" in alert(unknown)
    token = str(soup(unknown).select_one('input[name="login_csrf"]')["value"])  # type: ignore[index]
    begun = await browser.post(
        "/signin/sso", data={"email": "someone@acme.example", "login_csrf": token}
    )
    # after a form post the browser goes on from a page (CSP form-action 'self')
    assert begun.status_code == 200
    link = soup(begun).select_one("#continue-link")
    assert link is not None and str(link["href"]).startswith(web["provider"].issuer)
    back = await web["provider"].login(str(link["href"]), "alice@acme.example")
    assert (await callback(browser, back)).status_code == 303


async def test_an_expired_id_token_is_refused_and_a_small_clock_skew_is_tolerated(
    web: Any,
) -> None:
    config = oidc.SsoConfig(master=sso.sso_key(web["settings"]), allow_private=True)
    for ahead, works in ((300 + 61 + 5, False), (300 + 30, True)):
        _browser, back = await sso_sign_in(web, "alice@acme.example")
        query = parse_qs(urlsplit(back).query)
        later = oidc.SsoConfig(
            master=config.master, allow_private=True, clock=lambda a=ahead: time.time() + a
        )
        if works:
            done = await oidc.finish_sign_in(
                web["db"], query["state"][0], query["code"][0], "", later
            )
            assert done.opened.principal.email == "alice@acme.example"
        else:
            with pytest.raises(oidc.SsoError) as refused:
                await oidc.finish_sign_in(web["db"], query["state"][0], query["code"][0], "", later)
            assert refused.value.failure is SsoFailure.EXPIRED
            assert "有効期限" in refused.value.localized("ja")


async def test_an_id_token_issued_to_another_client_is_refused_for_the_wrong_audience(
    web: Any,
) -> None:
    provider = web["provider"]
    with web["db"].transaction() as session:  # a domain belongs to one provider only
        sso.remove_sso(session, principal_for(session, "admin@acme.example", "acme"))
    configure(
        web["db"],
        web["settings"],
        "other",
        provider,
        client_id=OTHER_ID,
        client_secret=OTHER_SECRET,
    )
    browser, back = await sso_sign_in(web, "alice@acme.example", org="other")
    assert (await callback(browser, back)).status_code == 303
    with web["db"].reading() as session:
        other_token = session.scalars(select(OidcSessionRow.id_token)).one()
    http = idp.GuardedHttp(10, idp.NetworkPolicy(allow_private=True))
    try:
        found = await idp.discover(http, provider.issuer)
        claims = await idp.verify_id_token(
            http,
            found,
            other_token,
            issuer=provider.issuer,
            client_id=OTHER_ID,
            nonce=str(payload(other_token)["nonce"]),
            now=time.time(),
        )
        assert claims["aud"] == OTHER_ID
        with pytest.raises(oidc.SsoError) as refused:
            await idp.verify_id_token(
                http,
                found,
                other_token,
                issuer=provider.issuer,
                client_id=CLIENT_ID,
                nonce=str(claims["nonce"]),
                now=time.time(),
            )
    finally:
        await http.aclose()
    assert refused.value.failure is SsoFailure.WRONG_AUDIENCE
    assert "別のアプリケーション" in refused.value.localized("ja")


async def test_a_rotated_signing_key_is_fetched_again_and_sign_in_still_works(web: Any) -> None:
    provider = web["provider"]
    browser, back = await sso_sign_in(web, "alice@acme.example")
    assert (await callback(browser, back)).status_code == 303
    before = provider.kid
    after = provider.configure(rotate=True)
    assert after != before
    browser, back = await sso_sign_in(web, "alice@acme.example")
    assert (await callback(browser, back)).status_code == 303
    assert (await browser.get("/api/account")).json()["email"] == "alice@acme.example"


async def test_with_passwords_disabled_a_password_sign_in_is_refused_pointing_to_sso(
    web: Any,
) -> None:
    configure(web["db"], web["settings"], "acme", web["provider"], passwords_disabled=True)
    browser = web["client"]()
    page = soup(await browser.get("/signin"))
    token = str(page.select_one('input[name="login_csrf"]')["value"])  # type: ignore[index]
    refused = await browser.post(
        "/signin",
        data={"email": "bob@acme.example", "password": PASSWORD, "login_csrf": token},
        headers={"Accept-Language": "ja"},
    )
    assert refused.status_code == 401
    assert "シングルサインオン" in alert(refused)
    # the right password, refused: a failed sign-in in the audit log all the same
    failed = [summary for action, summary in actions(web["db"]) if action == "signin.fail"]
    assert failed and failed[-1]["email"] == "bob@acme.example" and failed[-1]["refused"]
    assert PASSWORD not in str(failed)
    # the operator still reaches the organisation from the command line
    with web["db"].reading() as session:
        assert principal_for(session, "bob@acme.example", "acme").role is Role.VIEWER
    # the same person through the provider is let in
    browser, back = await sso_sign_in(web, "bob@acme.example")
    assert (await callback(browser, back)).status_code == 303


async def test_a_password_session_opens_an_organisation_that_takes_passwords_and_stays_out_of_acme(
    web: Any,
) -> None:
    configure(web["db"], web["settings"], "acme", web["provider"], passwords_disabled=True)
    with web["db"].transaction() as session:
        bob = users.find_user(session, "bob@acme.example")
        assert bob is not None
        orgs.add_member(session, orgs.get_org(session, "other"), bob, Role.VIEWER, "cli")
    browser = web["client"]()
    page = soup(await browser.get("/signin"))
    token = str(page.select_one('input[name="login_csrf"]')["value"])  # type: ignore[index]
    signed = await browser.post(
        "/signin",
        data={"email": "bob@acme.example", "password": PASSWORD, "login_csrf": token},
    )
    assert signed.status_code == 303
    assert (await browser.get("/api/account")).json()["org"] == "other"
    page = soup(await browser.get("/dashboard"))
    csrf = str(page.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
    moved = await browser.put(
        "/api/account/org",
        json={"org": "acme"},
        headers={"X-CSRF-Token": csrf},
    )
    assert moved.status_code == 403
    assert "single sign-on" in moved.text
    assert (await browser.get("/api/account")).json()["org"] == "other"


async def test_signing_out_ends_the_session_and_sends_the_browser_to_the_provider(
    web: Any,
) -> None:
    browser, back = await sso_sign_in(web, "alice@acme.example")
    assert (await callback(browser, back)).status_code == 303
    page = soup(await browser.get("/dashboard"))
    csrf = str(page.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
    out = await browser.post("/signout", data={"csrf": csrf})
    assert out.status_code == 200  # a page goes on to the provider (CSP form-action 'self')
    link = soup(out).select_one("#continue-link")
    assert link is not None
    where = urlsplit(str(link["href"]))
    assert f"{where.scheme}://{where.netloc}" in (
        web["provider"].issuer,
        web["provider"].issuer.replace("127.0.0.1", "localhost"),
    )
    sent = parse_qs(where.query)
    assert sent["post_logout_redirect_uri"] == ["http://testserver/signin"]
    assert sent["id_token_hint"][0].count(".") == 2
    assert (await browser.get("/api/account")).status_code == 401


# --------------------------------------------------------------------------- the API


async def test_a_domain_belongs_to_one_organisations_provider_and_issuers_carry_no_password(
    web: Any,
) -> None:
    client, tokens = web["client"](), web["tokens"]
    body = {
        "name": "Acme ID",
        "issuer": "https://login.example.com/acme",
        "client_id": "app-1",
        "client_secret": "s3cret",
        "allowed_domains": ["acme.example"],
    }
    mine = await client.put(
        "/api/orgs/current/sso", headers=bearer(tokens["admin@acme.example"]), json=body
    )
    assert mine.status_code == 200, mine.text
    # another organisation cannot send acme's staff to a provider of its choosing
    theirs = await client.put(
        "/api/orgs/current/sso",
        headers=bearer(tokens["admin@other.example"]) | {"Accept-Language": "ja"},
        json=body
        | {"name": "Acme ID (official)", "allowed_domains": ["other.example", "acme.example"]},
    )
    assert theirs.status_code == 409
    assert "acme.example" in theirs.json()["detail"] and "Acme" not in theirs.json()["detail"]
    assert "別の組織" in theirs.json()["detail_ja"]
    for issuer in ("https://user:pw@login.example.com/", "https://u@login.example.com/"):
        refused = await client.put(
            "/api/orgs/current/sso",
            headers=bearer(tokens["admin@other.example"]),
            json=body | {"issuer": issuer, "allowed_domains": ["other.example"]},
        )
        assert refused.status_code == 422 and "pw" not in refused.text.replace("https", "")


async def test_passwords_are_disabled_only_after_a_sign_in_through_the_provider(
    web: Any,
) -> None:
    client, admin = web["client"](), bearer(web["tokens"]["admin@acme.example"])
    shown = (await client.get("/api/orgs/current/sso", headers=admin)).json()
    body = {k: shown[k] for k in ("name", "issuer", "client_id", "allowed_domains")}
    # a provider nobody has signed in through yet could lock everyone out
    early = await client.put(
        "/api/orgs/current/sso",
        headers=admin | {"Accept-Language": "ja"},
        json=body | {"passwords_disabled": True},
    )
    assert early.status_code == 422, early.text
    assert "一度サインイン" in early.json()["detail_ja"]
    browser, back = await sso_sign_in(web, "bob@acme.example")
    assert (await callback(browser, back)).status_code == 303
    later = await client.put(
        "/api/orgs/current/sso", headers=admin, json=body | {"passwords_disabled": True}
    )
    assert later.status_code == 200 and later.json()["passwords_disabled"] is True


async def test_an_admin_configures_the_provider_and_the_secret_never_comes_back(web: Any) -> None:
    client, tokens = web["client"](), web["tokens"]
    admin = bearer(tokens["admin@other.example"])
    assert (await client.get("/api/orgs/current/sso", headers=admin)).status_code == 404
    body = {
        "name": "Other ID",
        "issuer": "https://login.example.com/tenant/v2.0/",
        "client_id": "app-1",
        "client_secret": "s3cret-value-that-must-not-leak",
        "allowed_domains": ["Other.Example", "other.example"],
        "role_map": {"tekisei-admins": "admin"},
        "default_role": "viewer",
    }
    made = await client.put("/api/orgs/current/sso", headers=admin, json=body)
    assert made.status_code == 200, made.text
    shown = made.json()
    assert shown["client_secret_set"] is True
    assert shown["issuer"] == "https://login.example.com/tenant/v2.0"
    assert shown["allowed_domains"] == ["other.example"]
    assert "s3cret" not in made.text
    kept = await client.put(
        "/api/orgs/current/sso", headers=admin, json=body | {"client_secret": "", "jit": True}
    )
    assert kept.json()["client_secret_set"] is True and kept.json()["jit"] is True
    events = [
        (a, s)
        for a, s in actions(web["db"])
        if a.startswith("sso.") and s.get("issuer") == "https://login.example.com/tenant/v2.0"
    ]
    assert [a for a, _s in events] == ["sso.configure", "sso.update"]
    assert events[1][1]["changed"] == ["jit"]
    assert "s3cret" not in str(events)
    assert (await client.delete("/api/orgs/current/sso", headers=admin)).status_code == 204
    assert "sso.remove" in dict(actions(web["db"]))


async def test_only_admins_of_the_organisation_read_or_change_its_provider(web: Any) -> None:
    client, tokens = web["client"](), web["tokens"]
    viewer = bearer(tokens["bob@acme.example"])
    assert (await client.get("/api/orgs/current/sso", headers=viewer)).status_code == 403
    change = {"name": "x", "issuer": "https://evil.example", "client_id": "x"}
    assert (
        await client.put("/api/orgs/current/sso", headers=viewer, json=change)
    ).status_code == 403
    assert (await client.delete("/api/orgs/current/sso", headers=viewer)).status_code == 403
    other_admin = bearer(tokens["admin@other.example"])
    assert (await client.get("/api/orgs/current/sso", headers=other_admin)).status_code == 404
    acme = (
        await client.get("/api/orgs/current/sso", headers=bearer(tokens["admin@acme.example"]))
    ).json()
    assert acme["client_id"] == CLIENT_ID


async def test_the_settings_page_refuses_a_bad_domain_and_disabling_passwords_without_sso(
    web: Any,
) -> None:
    browser = web["client"]()
    page = soup(await browser.get("/signin"))
    token = str(page.select_one('input[name="login_csrf"]')["value"])  # type: ignore[index]
    await browser.post(
        "/signin",
        data={"email": "admin@acme.example", "password": PASSWORD, "login_csrf": token},
    )
    page = soup(await browser.get("/org/sso"))
    assert page.select_one("#redirect-uri").get_text() == CALLBACK  # type: ignore[union-attr]
    csrf = str(page.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
    form = {
        "csrf": csrf,
        "name": "Acme ID",
        "issuer": web["provider"].issuer,
        "client_id": CLIENT_ID,
        "allowed_domains": "acme.example\nnot a domain",
        "role_claim": "groups",
        "role_map": "governance-admins = admin",
        "default_role": "viewer",
        "enabled": "on",
    }
    bad = await browser.post("/org/sso", data=form, headers={"Accept-Language": "ja"})
    assert bad.status_code == 422
    assert "example.co.jp" in alert(bad) and "ドメイン" in alert(bad)
    assert soup(bad).select_one("#client_id")["value"] == CLIENT_ID  # type: ignore[index]
    off = await browser.post(
        "/org/sso",
        data=form | {"allowed_domains": "acme.example", "passwords_disabled": "on", "enabled": ""},
        headers={"Accept-Language": "ja"},
    )
    assert off.status_code == 422
    assert "シングルサインオンを有効" in alert(off)
    saved = await browser.post(
        "/org/sso", data=form | {"allowed_domains": "acme.example\nacme.co.jp"}
    )
    assert saved.status_code == 303
    with web["db"].reading() as session:
        admin = principal_for(session, "admin@acme.example", "acme")
        kept = sso.get_sso(session, admin)
    assert kept is not None and kept.allowed_domains == ["acme.co.jp", "acme.example"]
