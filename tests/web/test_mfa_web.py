"""Two-step sign-in through the web: the second step after a password, enrolment that an
organisation requires, recovery codes, throttling, an administrator's reset, and a
session waiting for its second factor refused by every other page and API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
import pyotp
import pytest
from bs4 import BeautifulSoup
from pydantic import SecretStr
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.core.orgs import Role
from tekisei.db.audit import AuditEventRow
from tekisei.db.mfa import MfaRecoveryCodeRow, MfaTotpRow
from tekisei.provenance import SealError, unseal
from tekisei.services import mfa, orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tekisei.web.auth import SESSION_COOKIE
from tests.organisations import PASSWORD, two_organisations

pytestmark = pytest.mark.anyio

ACCOUNTS = [
    ("admin@acme.example", "acme", Role.ADMIN),
    ("ceo@acme.example", "acme", Role.EXECUTIVE),
    ("viewer@acme.example", "acme", Role.VIEWER),
    ("admin@other.example", "other", Role.ADMIN),
]


def code(secret: str, steps: int = 0) -> str:
    """The code of ``secret`` ``steps`` time steps from now (±1 is accepted)."""
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * steps))


@pytest.fixture
async def web(settings: Settings, empty_db: Database) -> AsyncIterator[dict[str, Any]]:
    tokens = two_organisations(empty_db, ACCOUNTS)
    app = create_app(settings)
    clients: list[httpx.AsyncClient] = []

    def client() -> httpx.AsyncClient:
        made = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        clients.append(made)
        return made

    yield {"client": client, "tokens": tokens, "db": empty_db, "app": app, "settings": settings}
    for made in clients:
        await made.aclose()
    app.state.database.close()


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def field(client: httpx.AsyncClient, url: str, name: str = "csrf") -> str:
    found = soup(await client.get(url)).select_one(f'input[name="{name}"]')
    assert found is not None, url
    return str(found["value"])


async def signin(client: httpx.AsyncClient, email: str) -> httpx.Response:
    token = await field(client, "/signin", "login_csrf")
    return await client.post(
        "/signin", data={"email": email, "password": PASSWORD, "login_csrf": token}
    )


def enrol(web: dict[str, Any], email: str, org: str = "acme") -> tuple[str, list[str]]:
    """Set up an authenticator for ``email`` through the services; its secret and
    recovery codes (the code used is one step back, so that later steps stay fresh)."""
    key = mfa.sealing_key(web["settings"])
    with web["db"].transaction() as session:
        principal = users.principal_for(session, email, org)
        made = mfa.begin_enrolment(session, principal, key)
    codes = mfa.confirm_enrolment(web["db"], principal, key, code(made.secret, -1))
    return made.secret, codes


async def second_factor(client: httpx.AsyncClient, value: str) -> httpx.Response:
    csrf = await field(client, "/signin/second-factor")
    return await client.post("/signin/second-factor", data={"csrf": csrf, "code": value})


def events(web: dict[str, Any], action: str) -> list[AuditEventRow]:
    with web["db"].reading() as session:
        return list(
            session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.action == action)
                .order_by(AuditEventRow.id)
            )
        )


async def test_a_password_alone_leaves_the_session_waiting_for_the_code(web: Any) -> None:
    secret, _ = enrol(web, "viewer@acme.example")
    browser = web["client"]()
    signed = await signin(browser, "viewer@acme.example")
    assert signed.status_code == 303
    assert signed.headers["location"].startswith("/signin/second-factor?next=")
    page = await browser.get("/systems")
    assert page.status_code == 303 and page.headers["location"].startswith("/signin/second-factor")
    api = await browser.get("/api/account", headers={"Accept-Language": "ja"})
    assert api.status_code == 401
    assert "second-factor" in api.json()["detail"] and "認証アプリ" in api.json()["detail_ja"]
    csrf = await field(browser, "/signin/second-factor")
    posted = await browser.post(
        "/api/systems", json={"name": "x", "org_role": "user"}, headers={"X-CSRF-Token": csrf}
    )
    assert posted.status_code == 401
    form = soup(await browser.get("/signin/second-factor"))
    assert form.select_one("nav a[href='/systems']") is None  # no menu before the code
    wrong = await second_factor(browser, code(pyotp.random_base32()))  # another secret
    assert wrong.status_code == 401
    assert soup(wrong).select_one("#mfa-error") is not None
    used = code(secret)
    right = await second_factor(browser, used)
    assert right.status_code == 303 and right.headers["location"] == "/systems"
    assert (await browser.get("/api/account")).status_code == 200
    assert [e.summary for e in events(web, "session.second_factor")] == [{"method": "totp"}]
    # The same code again, in another sign-in: refused (replay).
    again = web["client"]()
    await signin(again, "viewer@acme.example")
    # the code just used (not one computed now: a new time step may have begun since)
    replayed = await second_factor(again, used)
    assert replayed.status_code == 401
    assert (await again.get("/api/account")).status_code == 401
    assert (await again.get("/signin/second-factor")).status_code == 200


async def test_a_recovery_code_works_once_and_the_count_goes_down(web: Any) -> None:
    _, codes = enrol(web, "viewer@acme.example")
    assert len(codes) == 10 and len(set(codes)) == 10
    browser = web["client"]()
    await signin(browser, "viewer@acme.example")
    wrong = await second_factor(browser, "aaaa-bbbb-cccc-dddd")
    assert wrong.status_code == 401
    used = await second_factor(browser, codes[3].upper().replace("-", " "))
    assert used.status_code == 303
    status = (await browser.get("/api/account/mfa")).json()
    assert status["enrolled"] and status["recovery_codes_left"] == 9
    page = soup(await browser.get("/account/mfa"))
    assert page.select_one("#recovery-left").get_text(strip=True) == "9"
    again = web["client"]()
    await signin(again, "viewer@acme.example")
    assert (await second_factor(again, codes[3])).status_code == 401
    [event] = events(web, "mfa.recovery_code_use")
    assert event.summary == {"recovery_codes_left": 9}
    text = json.dumps([e.summary for e in events(web, "mfa.enrol")] + [event.summary])
    assert not any(c in text for c in codes)


async def test_five_wrong_codes_stop_verification_for_a_while(web: Any) -> None:
    secret, _ = enrol(web, "viewer@acme.example")
    browser = web["client"]()
    await signin(browser, "viewer@acme.example")
    for _ in range(5):
        assert (await second_factor(browser, "000000")).status_code == 401
    stopped = await second_factor(browser, code(secret))  # even the right code waits
    assert stopped.status_code == 429
    failures = events(web, "mfa.code_failure")
    assert [e.summary for e in failures] == [{"purpose": "sign-in"}] * 5
    assert {e.actor for e in failures} == {"viewer@acme.example"}
    assert 0 < int(stopped.headers["Retry-After"]) <= 15 * 60
    csrf = await field(browser, "/signin/second-factor")
    api = await browser.post(
        "/api/account/mfa/verify", json={"code": code(secret)}, headers={"X-CSRF-Token": csrf}
    )
    assert api.status_code == 429 and "Retry-After" in api.headers
    assert "detail_ja" in api.json()


async def test_an_organisation_that_requires_it_leads_admins_through_enrolment(
    web: Any,
) -> None:
    client, tokens = web["client"](), web["tokens"]
    admin = bearer(tokens["admin@acme.example"])
    assert (await client.get("/api/orgs/current/mfa", headers=admin)).json() == {
        "enabled": False,
        "roles": ["admin", "executive"],
    }
    viewer = bearer(tokens["viewer@acme.example"])
    denied = await client.put(
        "/api/orgs/current/mfa", headers=viewer, json={"enabled": True, "roles": ["viewer"]}
    )
    assert denied.status_code == 403
    saved = await client.put("/api/orgs/current/mfa", headers=admin, json={"enabled": True})
    assert saved.json() == {"enabled": True, "roles": ["admin", "executive"]}
    [policy] = events(web, "mfa.policy")
    assert policy.summary["enabled"] is True and policy.summary["was_enabled"] is False
    # Tokens of the members it applies to are refused until they enrol; others' are not.
    refused = await client.get("/api/account", headers=bearer(tokens["ceo@acme.example"]))
    assert refused.status_code == 401 and "/account/mfa" in refused.json()["detail"]
    assert (await client.get("/api/account", headers=admin)).status_code == 401
    assert (await client.get("/api/account", headers=viewer)).status_code == 200
    # The executive signs in with a password: enrolment before anything else.
    ceo = web["client"]()
    signed = await signin(ceo, "ceo@acme.example")
    assert signed.headers["location"].startswith("/account/mfa?next=")
    for url in ("/systems", "/account", "/signin/second-factor"):
        moved = await ceo.get(url)
        assert moved.status_code == 303 and moved.headers["location"].startswith(
            "/account/mfa?next="
        ), url
    api = await ceo.get("/api/systems")
    assert api.status_code == 401 and "組織の方針" in api.json()["detail_ja"]
    page = soup(await ceo.get(unquote(signed.headers["location"])))
    assert page.select_one("#mfa-required") is not None
    started = await ceo.post(
        "/account/mfa/enrolment", data={"csrf": await field(ceo, "/account/mfa")}
    )
    assert started.status_code == 303
    page = soup(await ceo.get("/account/mfa"))
    svg = page.select_one("figure.qr svg")
    assert svg is not None and page.select_one("figure.qr img") is None
    secret = page.select_one("#mfa-secret").get_text(strip=True)
    assert len(secret) == 32
    still = await ceo.get("/api/systems")
    assert still.status_code == 401  # not before the code is confirmed
    wrong = await ceo.post(
        "/account/mfa/confirm", data={"csrf": await field(ceo, "/account/mfa"), "code": "123"}
    )
    assert wrong.status_code == 401
    confirmed = await ceo.post(
        "/account/mfa/confirm",
        data={"csrf": await field(ceo, "/account/mfa"), "code": code(secret)},
    )
    assert confirmed.status_code == 200
    shown = [c.get_text(strip=True) for c in soup(confirmed).select("ul.recovery-codes code")]
    assert len(shown) == 10
    assert (await ceo.get("/api/systems")).status_code == 200
    assert (await client.get("/api/account", headers=bearer(tokens["ceo@acme.example"]))).is_success
    # The viewer's role is not concerned: a password is enough.
    viewer_browser = web["client"]()
    assert (await signin(viewer_browser, "viewer@acme.example")).headers["location"] == "/systems"
    # Members who must keep it cannot turn it off.
    turned = await ceo.post(
        "/api/account/mfa/disable",
        json={"code": shown[0]},
        headers={"X-CSRF-Token": await field(ceo, "/account/mfa")},
    )
    assert turned.status_code == 403


async def test_only_the_members_own_admin_can_reset_their_second_factor(web: Any) -> None:
    enrol(web, "ceo@acme.example")
    client, tokens = web["client"](), web["tokens"]
    members = (
        await client.get(
            "/api/orgs/current/members/mfa", headers=bearer(tokens["admin@acme.example"])
        )
    ).json()
    ceo = next(m for m in members if m["email"] == "ceo@acme.example")
    assert ceo["enrolled"] is True
    url = f"/api/orgs/current/members/{ceo['user_id']}/mfa/reset"
    other = await client.post(url, headers=bearer(tokens["admin@other.example"]))
    assert other.status_code == 404
    viewer = await client.post(url, headers=bearer(tokens["viewer@acme.example"]))
    assert viewer.status_code == 403
    assert (
        await client.get(
            "/api/orgs/current/members/mfa", headers=bearer(tokens["viewer@acme.example"])
        )
    ).status_code == 403
    browser = web["client"]()
    await signin(browser, "ceo@acme.example")  # waiting for the code
    done = await client.post(url, headers=bearer(tokens["admin@acme.example"]))
    assert done.status_code == 200 and done.json() == {"sessions_ended": 1}
    assert (await browser.get("/api/account")).status_code == 401  # the session ended
    [event] = events(web, "mfa.reset")
    assert event.summary["email"] == "ceo@acme.example" and event.actor == "admin@acme.example"
    again = web["client"]()
    assert (await signin(again, "ceo@acme.example")).headers["location"] == "/systems"


async def test_turning_it_off_needs_a_current_code_or_a_recovery_code(web: Any) -> None:
    secret, codes = enrol(web, "viewer@acme.example")
    browser = web["client"]()
    await signin(browser, "viewer@acme.example")
    await second_factor(browser, code(secret))
    csrf = await field(browser, "/account/mfa")
    wrong = await browser.post("/account/mfa/disable", data={"csrf": csrf, "code": "000000"})
    assert wrong.status_code == 401
    regenerated = await browser.post(
        "/api/account/mfa/recovery-codes",
        json={"code": code(secret, 1)},
        headers={"X-CSRF-Token": csrf},
    )
    assert regenerated.status_code == 200
    fresh = regenerated.json()["recovery_codes"]
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    old = await browser.post("/account/mfa/disable", data={"csrf": csrf, "code": codes[0]})
    assert old.status_code == 401  # the old codes stopped working
    off = await browser.post("/account/mfa/disable", data={"csrf": csrf, "code": fresh[0]})
    assert off.status_code == 303
    assert (await browser.get("/api/account/mfa")).json()["enrolled"] is False
    assert [e.summary for e in events(web, "mfa.disable")] == [{"proof": "recovery"}]
    assert len(events(web, "mfa.recovery_codes_regenerate")) == 1
    later = web["client"]()
    assert (await signin(later, "viewer@acme.example")).headers["location"] == "/systems"


async def test_secrets_and_codes_are_kept_sealed_and_hashed(web: Any) -> None:
    secret, codes = enrol(web, "viewer@acme.example")
    with web["db"].reading() as session:
        row = session.scalars(select(MfaTotpRow)).one()
        hashes = list(session.scalars(select(MfaRecoveryCodeRow.code_hash)))
        summaries = json.dumps([e.summary for e in session.scalars(select(AuditEventRow))])
    assert secret not in row.secret_sealed and row.confirmed_at is not None
    assert len(hashes) == 10 and not set(hashes) & set(codes)
    assert secret not in summaries and not any(c in summaries for c in codes)
    other_deployment = web["settings"].model_copy(
        update={"secret_key": SecretStr("another deployment secret, 32 chars or more")}
    )
    with pytest.raises(SealError):
        unseal(row.secret_sealed, mfa.sealing_key(other_deployment), f"mfa-totp-{row.user_id}")
    csrf_page = web["client"]()
    await signin(csrf_page, "viewer@acme.example")
    cross_site = await csrf_page.post("/signin/second-factor", data={"code": code(secret)})
    assert cross_site.status_code == 403  # no CSRF token


async def test_the_policy_page_saves_roles_in_both_languages(web: Any) -> None:
    admin = web["client"]()
    await signin(admin, "admin@acme.example")
    page = soup(await admin.get("/org/mfa"))
    assert page.select_one("h1").get_text(strip=True) == "2段階認証の方針"
    saved = await admin.post(
        "/org/mfa",
        data={"csrf": await field(admin, "/org/mfa"), "enabled": "on", "roles": ["viewer"]},
    )
    assert saved.status_code == 303
    got = await admin.get("/api/orgs/current/mfa")
    assert got.json() == {"enabled": True, "roles": ["viewer"]}
    admin.cookies.set("tekisei_lang", "en")
    english = soup(await admin.get("/org/mfa"))
    assert english.select_one("h1").get_text(strip=True) == "Two-step sign-in policy"
    admin.cookies.delete("tekisei_lang")
    empty = await admin.post(
        "/org/mfa", data={"csrf": await field(admin, "/org/mfa"), "enabled": "on"}
    )
    assert empty.status_code == 422
    viewer = web["client"]()
    await signin(viewer, "viewer@acme.example")  # now required for viewers: enrolment
    assert (await viewer.get("/org/mfa")).headers["location"].startswith("/account/mfa")
    link = soup(await admin.get("/org")).select_one("#mfa-policy-link")
    assert link is not None


class _AnyId(dict[str, Any]):
    """Every object the walker names is id 1: a waiting session is refused before any
    object is looked up."""

    def __missing__(self, key: str) -> Any:
        return 1


ALLOWED: dict[str, set[tuple[str, str]]] = {
    "verify": {("GET", "/signin/second-factor")},
    "enrol": {
        ("GET", "/account/mfa"),
        ("GET", "/api/account/mfa"),
        ("POST", "/api/account/mfa/enrolment"),
        ("GET", "/api/account/mfa/passkeys"),
    },
}


@pytest.mark.parametrize("state", ["verify", "enrol"])
async def test_a_session_waiting_for_its_second_factor_gets_nothing_else(
    web: Any, state: str
) -> None:
    from tests.web.test_workspace_api import Caller, app_routes, fill

    if state == "verify":
        enrol(web, "ceo@acme.example")
    else:
        with web["db"].transaction() as session:
            mfa.set_policy(
                session,
                orgs.cli_principal(session, "acme"),
                mfa.MfaPolicy(enabled=True, roles=[Role.EXECUTIVE]),
            )
    waiting = web["client"]()
    signed = await signin(waiting, "ceo@acme.example")
    assert signed.status_code == 303
    cookie = waiting.cookies[SESSION_COOKIE]
    page = "/signin/second-factor" if state == "verify" else "/account/mfa"
    csrf = await field(waiting, page)
    configured = web["settings"].model_copy(
        update={
            "public_verify_per_minute": 10_000,
            "public_image_checks_per_minute": 10_000,
            "public_lookups_per_minute": 10_000,
        }
    )
    app = create_app(configured)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        pending, anonymous = Caller(client, cookie, csrf), Caller(client)
        problems, served = [], []
        routes = app_routes(app)
        for route in routes:
            call = fill(route, _AnyId(), with_optional_ids=True)
            answer = await pending.call(route, call)
            where = f"{route.method} {call.url}: {answer.status_code}"
            if answer.status_code >= 500:
                problems.append(f"{where} (a server error)")
            if not answer.is_success:
                continue
            if route.key in ALLOWED[state]:
                served.append(route.key)
                continue
            if "ceo@acme.example" in answer.text:
                problems.append(f"{where} shows the waiting account")
            if not (await anonymous.call(route, call)).is_success:
                problems.append(f"{where}, while anyone signed out is refused")
    app.state.database.close()
    assert not problems, "\n".join(problems)
    assert sorted(served) == sorted(ALLOWED[state])
    # The session still waits, and the cookie still works for its own page.
    assert (await waiting.get(page)).status_code == 200
    assert (await waiting.get("/api/account")).status_code == 401


async def test_an_account_of_several_organisations_chooses_one_after_the_code(web: Any) -> None:
    with web["db"].transaction() as session:
        user = users.find_user(session, "viewer@acme.example")
        assert user is not None
        orgs.add_member(session, orgs.get_org(session, "other"), user, Role.VIEWER, "cli")
    secret, _ = enrol(web, "viewer@acme.example")
    browser = web["client"]()
    signed = await signin(browser, "viewer@acme.example")
    assert signed.headers["location"].startswith("/signin/second-factor")
    done = await second_factor(browser, code(secret))
    assert done.status_code == 303
    assert done.headers["location"] == "/account/orgs?next=%2Fsystems"
    assert (await browser.get("/account/orgs")).status_code == 200


async def test_an_administrator_cannot_reset_their_own_second_factor_from_the_web(
    web: Any,
) -> None:
    secret, _ = enrol(web, "admin@acme.example")
    client, tokens = web["client"](), web["tokens"]
    with web["db"].reading() as session:
        admin = users.find_user(session, "admin@acme.example")
        ceo = users.find_user(session, "ceo@acme.example")
        assert admin is not None and ceo is not None
    url = f"/api/orgs/current/members/{admin.id}/mfa/reset"
    refused = await client.post(
        url, headers=bearer(tokens["admin@acme.example"]) | {"Accept-Language": "ja"}
    )
    assert refused.status_code == 403
    assert "/account/mfa" in refused.json()["detail"]
    assert "tekisei mfa reset" in refused.json()["detail"]
    assert "ほかの管理者" in refused.json()["detail_ja"]
    browser = web["client"]()
    await signin(browser, "admin@acme.example")
    await second_factor(browser, code(secret))
    page = soup(await browser.get("/org/mfa"))
    own = page.select_one(f'tr[data-member="{admin.id}"]')
    assert own is not None and own.select_one("form") is None  # no reset button on one's row
    posted = await browser.post(
        f"/org/members/{admin.id}/mfa/reset", data={"csrf": await field(browser, "/org/mfa")}
    )
    assert posted.status_code == 403
    with web["db"].reading() as session:
        assert mfa.status_of(session, admin.id).enrolled  # nothing removed
    assert events(web, "mfa.reset") == []
    # another member's reset, and the operator's reset of the admin, still work
    enrol(web, "ceo@acme.example")
    other = page.select_one(f'tr[data-member="{ceo.id}"]')
    assert other is not None
    page = soup(await browser.get("/org/mfa"))
    assert page.select_one(f'tr[data-member="{ceo.id}"] form') is not None
    with web["db"].transaction() as session:
        mfa.reset_member(session, orgs.cli_principal(session, "acme"), admin.id)
        assert not mfa.status_of(session, admin.id).enrolled


async def test_texts_of_a_waiting_session_name_a_passkey_as_well_as_the_app(web: Any) -> None:
    enrol(web, "viewer@acme.example")
    browser = web["client"]()
    await signin(browser, "viewer@acme.example")
    api = await browser.get("/api/account", headers={"Accept-Language": "ja"})
    assert api.status_code == 401
    assert "passkey" in api.json()["detail"] and "パスキー" in api.json()["detail_ja"]
    for _ in range(5):
        assert (await second_factor(browser, "000000")).status_code == 401
    stopped = await second_factor(browser, "000000")
    assert stopped.status_code == 429
    said = soup(stopped).select_one("#mfa-error").get_text()
    assert "失敗が続いた" in said and "コードの誤り" not in said
    csrf = await field(browser, "/signin/second-factor")
    english = await browser.post(
        "/api/account/mfa/verify", json={"code": "000000"}, headers={"X-CSRF-Token": csrf}
    )
    assert "too many failed attempts" in english.json()["detail"]


async def test_the_policy_texts_offer_a_passkey_as_well_as_an_app(web: Any) -> None:
    client, tokens = web["client"](), web["tokens"]
    admin = bearer(tokens["admin@acme.example"])
    await client.put("/api/orgs/current/mfa", headers=admin, json={"enabled": True})
    refused = await client.get("/api/account", headers=bearer(tokens["ceo@acme.example"]))
    assert refused.status_code == 401
    assert "passkey" in refused.json()["detail"] and "パスキー" in refused.json()["detail_ja"]
    ceo = web["client"]()
    await signin(ceo, "ceo@acme.example")
    api = await ceo.get("/api/systems")
    assert "passkey" in api.json()["detail"] and "パスキー" in api.json()["detail_ja"]
    page = soup(await ceo.get("/account/mfa"))
    assert "パスキー" in page.select_one("#mfa-required").get_text()
    ceo.cookies.set("tekisei_lang", "en")
    page = soup(await ceo.get("/account/mfa"))
    assert "passkey" in page.select_one("#mfa-required").get_text()
    viewer = web["client"]()
    await signin(viewer, "viewer@acme.example")
    link = soup(await viewer.get("/account")).select_one("#mfa-link").get_text()
    assert "パスキー" in link


async def test_the_members_list_shows_the_app_and_the_passkeys_apart(web: Any) -> None:
    from tekisei.db.passkeys import PasskeyRow

    enrol(web, "ceo@acme.example")
    with web["db"].transaction() as session:
        viewer = users.find_user(session, "viewer@acme.example")
        assert viewer is not None
        for n in range(2):
            session.add(
                PasskeyRow(
                    user_id=viewer.id, credential_id=bytes([n]) * 16, public_key=b"k",
                    sign_count=0, transports=[], name=f"key {n}",
                    created_at=datetime.now(UTC), last_used_at=None,
                )
            )  # fmt: skip
    client, tokens = web["client"](), web["tokens"]
    listed = (
        await client.get(
            "/api/orgs/current/members/mfa", headers=bearer(tokens["admin@acme.example"])
        )
    ).json()
    factors = {m["email"]: (m["enrolled"], m["app"], m["passkeys"]) for m in listed}
    assert factors["viewer@acme.example"] == (True, False, 2)
    assert factors["ceo@acme.example"] == (True, True, 0)
    assert factors["admin@acme.example"] == (False, False, 0)
    admin = web["client"]()
    await signin(admin, "admin@acme.example")
    page = soup(await admin.get("/org/mfa"))
    header = [th.get_text(strip=True) for th in page.select("table.members thead th")]
    assert "2段階認証" in header and "認証アプリ" not in header
    cell = page.select_one(f'tr[data-member="{viewer.id}"] td.second-factor').get_text()
    assert cell == "パスキー 2個"
    policy_text = page.select_one("#policy-text").get_text()
    assert "パスキー" in policy_text
