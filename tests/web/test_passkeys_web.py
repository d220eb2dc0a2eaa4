"""Passkeys (WebAuthn) as a second factor through the real app, driven by a software
authenticator: hostile answers first (another origin or RP ID, a replayed or expired
challenge, someone else's passkey, a counter going backwards, no user presence, oversize
payloads), then adding, using, renaming and removing one."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from tekisei.config import Settings
from tekisei.core.mfa import MfaPolicy
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.passkeys import MAX_CLIENT_DATA, MAX_NAME, MAX_PASSKEYS
from tekisei.db.audit import AuditEventRow
from tekisei.db.passkeys import PasskeyChallengeRow, PasskeyRow
from tekisei.services import mfa, orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.organisations import PASSWORD, two_organisations
from tests.web.authenticator import UP, UV, SoftAuthenticator
from tests.web.test_mfa_web import code, enrol, field, second_factor, signin, soup

pytestmark = pytest.mark.anyio

SITE = "http://localhost:8000"
ACCOUNTS = [
    ("admin@acme.example", "acme", Role.ADMIN),
    ("viewer@acme.example", "acme", Role.VIEWER),
    ("other@acme.example", "acme", Role.VIEWER),
    ("admin@other.example", "other", Role.ADMIN),
]
REG = "/api/account/mfa/passkeys/registration"
ADD = "/api/account/mfa/passkeys"
AUTH = "/api/account/mfa/passkeys/authentication"
VERIFY = "/api/account/mfa/passkeys/verify"


@pytest.fixture
async def web(settings: Settings, empty_db: Database) -> AsyncIterator[dict[str, Any]]:
    two_organisations(empty_db, ACCOUNTS)
    site = settings.model_copy(update={"public_url": SITE})
    app = create_app(site)
    clients: list[httpx.AsyncClient] = []

    def client() -> httpx.AsyncClient:
        made = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SITE)
        clients.append(made)
        return made

    yield {"client": client, "db": empty_db, "app": app, "settings": site}
    for made in clients:
        await made.aclose()
    app.state.database.close()


def events(web: dict[str, Any], action: str) -> list[AuditEventRow]:
    with web["db"].reading() as session:
        return list(
            session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.action == action)
                .order_by(AuditEventRow.id)
            )
        )


async def csrf_of(browser: httpx.AsyncClient, url: str = "/account/mfa") -> str:
    section = soup(await browser.get(url)).select_one("#passkeys")
    if section is not None:
        return str(section["data-csrf"])
    return await field(browser, url)


async def signed_in(web: dict[str, Any], email: str) -> tuple[httpx.AsyncClient, dict[str, str]]:
    browser = web["client"]()
    await signin(browser, email)
    return browser, {"X-CSRF-Token": await csrf_of(browser)}


async def add_passkey(
    browser: httpx.AsyncClient,
    headers: dict[str, str],
    authenticator: SoftAuthenticator,
    name: str = "laptop",
    **lie: Any,
) -> httpx.Response:
    options = await browser.post(REG, headers=headers)
    assert options.status_code == 200, options.text
    made = authenticator.create(options.json(), **lie)
    return await browser.post(ADD, json={"name": name, "credential": made}, headers=headers)


async def with_passkey(
    web: dict[str, Any], email: str
) -> tuple[SoftAuthenticator, httpx.AsyncClient]:
    """An account with a passkey, and a new browser whose password sign-in waits for the
    second factor."""
    authenticator = SoftAuthenticator()
    browser, headers = await signed_in(web, email)
    added = await add_passkey(browser, headers, authenticator)
    assert added.status_code == 201, added.text
    waiting = web["client"]()
    signed = await signin(waiting, email)
    assert signed.headers["location"].startswith("/signin/second-factor")
    return authenticator, waiting


async def answer(
    waiting: httpx.AsyncClient, authenticator: SoftAuthenticator, **lie: Any
) -> httpx.Response:
    headers = {"X-CSRF-Token": await field(waiting, "/signin/second-factor")}
    options = await waiting.post(AUTH, headers=headers)
    assert options.status_code == 200, options.text
    return await waiting.post(
        VERIFY, json={"credential": authenticator.get(options.json(), **lie)}, headers=headers
    )


# ----------------------------------------------------------------------------- hostile


async def test_an_answer_from_another_origin_is_refused_with_a_clear_message(web: Any) -> None:
    browser, headers = await signed_in(web, "viewer@acme.example")
    headers["Accept-Language"] = "ja"
    refused = await add_passkey(
        browser, headers, SoftAuthenticator(), origin="https://evil.example"
    )
    assert refused.status_code == 422
    assert SITE in refused.json()["detail"] and "以外のアドレス" in refused.json()["detail_ja"]
    assert (await browser.get(ADD)).json() == []
    assert events(web, "mfa.passkey.failure")[-1].summary["reason"] == "origin"
    authenticator, waiting = await with_passkey(web, "viewer@acme.example")
    wrong = await answer(waiting, authenticator, origin="http://localhost:9999")
    assert wrong.status_code == 422
    assert (await waiting.get("/systems")).status_code == 303


async def test_an_answer_for_another_rp_id_is_refused(web: Any) -> None:
    browser, headers = await signed_in(web, "viewer@acme.example")
    refused = await add_passkey(browser, headers, SoftAuthenticator(), rp_id="evil.example")
    assert refused.status_code == 401
    authenticator, waiting = await with_passkey(web, "viewer@acme.example")
    assert (await answer(waiting, authenticator, rp_id="evil.example")).status_code == 401
    assert (await waiting.get("/systems")).status_code == 303


async def test_a_challenge_is_answered_once_and_not_after_it_expired(web: Any) -> None:
    authenticator, waiting = await with_passkey(web, "viewer@acme.example")
    headers = {"X-CSRF-Token": await field(waiting, "/signin/second-factor")}
    options = (await waiting.post(AUTH, headers=headers)).json()
    first = authenticator.get(options)
    # expired: the same challenge, five minutes on
    with web["db"].transaction() as session:
        session.execute(
            update(PasskeyChallengeRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    late = await waiting.post(VERIFY, json={"credential": first}, headers=headers)
    assert late.status_code == 401 and "expired" in late.json()["detail"]
    # replayed: a right answer, sent twice, from a session signed in again
    options = (await waiting.post(AUTH, headers=headers)).json()
    right = authenticator.get(options)
    assert (
        await waiting.post(VERIFY, json={"credential": right}, headers=headers)
    ).status_code == 204
    again = web["client"]()
    await signin(again, "viewer@acme.example")
    again_headers = {"X-CSRF-Token": await field(again, "/signin/second-factor")}
    await again.post(AUTH, headers=again_headers)
    replayed = await again.post(VERIFY, json={"credential": right}, headers=again_headers)
    assert replayed.status_code == 401
    assert (await again.get("/systems")).status_code == 303
    # the registration answer cannot be replayed either
    browser, reg_headers = await signed_in(web, "other@acme.example")
    options = (await browser.post(REG, headers=reg_headers)).json()
    made = SoftAuthenticator().create(options)
    body = {"name": "key", "credential": made}
    assert (await browser.post(ADD, json=body, headers=reg_headers)).status_code == 201
    assert (await browser.post(ADD, json=body, headers=reg_headers)).status_code == 401


async def test_someone_elses_passkey_does_not_answer_for_an_account(web: Any) -> None:
    mine, waiting = await with_passkey(web, "viewer@acme.example")
    theirs, _ = await with_passkey(web, "other@acme.example")
    stranger, _ = await with_passkey(web, "admin@other.example")
    assert (await answer(waiting, theirs)).status_code == 401
    assert (await answer(waiting, stranger)).status_code == 401
    assert (await waiting.get("/systems")).status_code == 303
    failures = events(web, "mfa.passkey.failure")
    assert [e.summary["reason"] for e in failures[-2:]] == ["unknown_passkey"] * 2
    assert (await answer(waiting, mine)).status_code == 204


async def test_passkeys_of_another_account_or_organisation_cannot_be_renamed_or_removed(
    web: Any,
) -> None:
    _, _ = await with_passkey(web, "admin@other.example")
    with web["db"].reading() as session:
        foreign = session.scalars(select(PasskeyRow.id)).one()
    authenticator = SoftAuthenticator()
    browser, headers = await signed_in(web, "admin@acme.example")
    assert (await add_passkey(browser, headers, authenticator)).status_code == 201
    renamed = await browser.patch(f"{ADD}/{foreign}", json={"name": "mine"}, headers=headers)
    assert renamed.status_code == 404
    options = (await browser.post(f"{ADD}/confirmation", headers=headers)).json()
    removed = await browser.post(
        f"{ADD}/{foreign}/remove",
        json={"credential": authenticator.get(options)},
        headers=headers,
    )
    assert removed.status_code == 404
    with web["db"].reading() as session:
        assert session.get(PasskeyRow, foreign) is not None


async def test_a_counter_going_backwards_is_refused_as_a_cloned_authenticator(web: Any) -> None:
    authenticator, waiting = await with_passkey(web, "viewer@acme.example")
    assert (await answer(waiting, authenticator, count=10)).status_code == 204
    clone = web["client"]()
    await signin(clone, "viewer@acme.example")
    refused = await answer(clone, authenticator, count=7)
    assert refused.status_code == 401 and "copied" in refused.json()["detail"]
    assert (await clone.get("/systems")).status_code == 303
    failure = events(web, "mfa.passkey.failure")[-1]
    assert failure.summary["reason"] == "sign_count_regression"
    assert (await answer(clone, authenticator, count=10)).status_code == 401  # equal: too
    assert (await answer(clone, authenticator, count=11)).status_code == 204


async def test_an_answer_without_user_presence_is_refused(web: Any) -> None:
    browser, headers = await signed_in(web, "viewer@acme.example")
    absent = await add_passkey(browser, headers, SoftAuthenticator(), flags=UV | 0x40)
    assert absent.status_code == 401
    authenticator, waiting = await with_passkey(web, "viewer@acme.example")
    assert (await answer(waiting, authenticator, flags=UV)).status_code == 401
    assert (await answer(waiting, authenticator, flags=UP)).status_code == 204  # UV preferred


async def test_oversize_or_malformed_payloads_are_refused_before_any_work(web: Any) -> None:
    browser, headers = await signed_in(web, "viewer@acme.example")
    options = (await browser.post(REG, headers=headers)).json()
    made = SoftAuthenticator().create(options)
    huge = {**made, "response": {**made["response"], "clientDataJSON": "A" * (MAX_CLIENT_DATA + 1)}}
    for body in (
        {"name": "x", "credential": huge},
        {"name": "x" * (MAX_NAME + 1), "credential": made},
        {"name": "x", "credential": {**made, "id": "not base64url!"}},
        {"name": "x", "credential": made, "extra": 1},
    ):
        refused = await browser.post(ADD, json=body, headers=headers)
        assert refused.status_code == 422, body
    # the challenge was not spent by refused bodies: the right answer still works
    assert (
        await browser.post(ADD, json={"name": "x", "credential": made}, headers=headers)
    ).status_code == 201


async def test_a_removed_passkey_no_longer_answers(web: Any) -> None:
    authenticator = SoftAuthenticator()
    spare = SoftAuthenticator()
    browser, headers = await signed_in(web, "viewer@acme.example")
    assert (await add_passkey(browser, headers, authenticator, "old")).status_code == 201
    assert (await add_passkey(browser, headers, spare, "spare")).status_code == 201
    old = (await browser.get(ADD)).json()[0]
    options = (await browser.post(f"{ADD}/confirmation", headers=headers)).json()
    removed = await browser.post(
        f"{ADD}/{old['id']}/remove", json={"credential": spare.get(options)}, headers=headers
    )
    assert removed.status_code == 204
    assert [p["name"] for p in (await browser.get(ADD)).json()] == ["spare"]
    assert events(web, "mfa.passkey.remove")[-1].summary["name"] == "old"
    waiting = web["client"]()
    await signin(waiting, "viewer@acme.example")
    assert (await answer(waiting, authenticator)).status_code == 401
    assert (await answer(waiting, spare)).status_code == 204


async def test_refused_answers_are_throttled_like_wrong_codes(web: Any) -> None:
    authenticator, waiting = await with_passkey(web, "viewer@acme.example")
    for _ in range(5):
        assert (await answer(waiting, authenticator, rp_id="evil.example")).status_code == 401
    stopped = await answer(waiting, authenticator)
    assert stopped.status_code == 429 and "Retry-After" in stopped.headers
    code = await second_factor(waiting, "123456")
    assert code.status_code == 429  # the same throttle as the app's codes


async def test_a_waiting_session_reaches_nothing_else_until_the_passkey(web: Any) -> None:
    authenticator, waiting = await with_passkey(web, "viewer@acme.example")
    csrf = await field(waiting, "/signin/second-factor")
    for url in ("/systems", "/account", "/account/mfa"):
        page = await waiting.get(url)
        assert page.status_code == 303 and "/signin/second-factor" in page.headers["location"]
    for method, url in (("GET", ADD), ("POST", REG), ("GET", "/api/account")):
        refused = await waiting.request(method, url, headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 401, url
    page = soup(await waiting.get("/signin/second-factor"))
    assert page.select_one("#passkey-signin") is not None
    assert page.select_one("#passkey-only") is not None  # no app: no code to ask for
    assert page.select_one("#second-factor-form") is None
    assert (await answer(waiting, authenticator)).status_code == 204
    assert (await waiting.get("/systems")).status_code == 200
    assert events(web, "session.second_factor")[-1].summary == {"method": "passkey"}
    assert events(web, "mfa.passkey.use")


async def test_a_passkey_counts_as_enrolled_for_the_organisations_policy(web: Any) -> None:
    with web["db"].transaction() as session:
        admin = users.principal_for(session, "admin@acme.example", "acme")
        mfa.set_policy(session, admin, MfaPolicy(enabled=True, roles=[Role.VIEWER]))
    browser = web["client"]()
    signed = await signin(browser, "viewer@acme.example")
    assert signed.headers["location"].startswith("/account/mfa")
    page = soup(await browser.get("/account/mfa"))
    assert page.select_one("#passkey-add-form") is not None
    headers = {"X-CSRF-Token": str(page.select_one("#passkeys")["data-csrf"])}
    assert (await add_passkey(browser, headers, SoftAuthenticator())).status_code == 201
    assert (await browser.get("/systems")).status_code == 200  # enrolment done
    with web["db"].reading() as session:
        listed = {m.email: m.enrolled for m in mfa.members_mfa(session, admin)}
        assert listed["viewer@acme.example"] is True
        assert mfa.missing_for(session, users.find_user(session, "viewer@acme.example").id) is False
    again = web["client"]()
    assert (
        (await signin(again, "viewer@acme.example"))
        .headers["location"]
        .startswith("/signin/second-factor")
    )
    # the last second factor an organisation requires is not removed
    passkey = (await browser.get(ADD)).json()[0]
    bh = {"X-CSRF-Token": await csrf_of(browser)}
    options = (await browser.post(f"{ADD}/confirmation", headers=bh)).json()
    authenticator = SoftAuthenticator()
    refused = await browser.post(
        f"{ADD}/{passkey['id']}/remove", json={"credential": authenticator.get(options)}, headers=bh
    )
    assert refused.status_code == 403


async def test_an_account_has_a_bounded_number_of_passkeys(web: Any) -> None:
    browser, headers = await signed_in(web, "viewer@acme.example")
    for n in range(MAX_PASSKEYS):
        assert (
            await add_passkey(browser, headers, SoftAuthenticator(), f"key {n}")
        ).status_code == 201
    assert (await browser.post(REG, headers=headers)).status_code == 409
    page = soup(await browser.get("/account/mfa"))
    assert page.select_one("#passkeys-full") is not None
    assert len(page.select("#passkey-list > li")) == MAX_PASSKEYS


async def test_passkeys_are_renamed_from_the_settings_page(web: Any) -> None:
    browser, headers = await signed_in(web, "viewer@acme.example")
    await add_passkey(browser, headers, SoftAuthenticator(), "laptop")
    passkey = (await browser.get(ADD)).json()[0]
    csrf = headers["X-CSRF-Token"]
    form = f"/account/mfa/passkeys/{passkey['id']}/name"
    assert (
        await browser.post(form, data={"csrf": csrf, "name": "会社のノートPC"})
    ).status_code == 303
    assert (await browser.get(ADD)).json()[0]["name"] == "会社のノートPC"
    too_long = await browser.post(form, data={"csrf": csrf, "name": "x" * (MAX_NAME + 1)})
    assert too_long.status_code == 422
    assert (await browser.post(form, data={"csrf": "wrong", "name": "y"})).status_code == 403
    assert events(web, "mfa.passkey.rename")[-1].summary["was"] == "laptop"


async def test_an_api_token_cannot_begin_a_passkey_ceremony(web: Any) -> None:
    with web["db"].transaction() as session:
        token = users.create_token(session, "viewer@acme.example", "acme")[0]
    api = web["client"]()
    refused = await api.post(REG, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 422 and "ブラウザー" in refused.json()["detail_ja"]


async def test_without_a_site_address_passkeys_say_what_the_operator_must_set(
    settings: Settings, empty_db: Database
) -> None:
    with empty_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session, users.UserCreate(email="a@acme.example", password=PASSWORD), "acme",
            Role.VIEWER, "cli", must_change_password=False,
        )  # fmt: skip
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as browser:
        await signin(browser, "a@acme.example")
        page = soup(await browser.get("/account/mfa"))
        assert "TEKISEI_PUBLIC_URL" in page.select_one("#passkeys-unavailable").text
        headers = {"X-CSRF-Token": str(page.select_one("#passkeys")["data-csrf"])}
        refused = await browser.post(REG, headers=headers)
        assert refused.status_code == 422 and "TEKISEI_PUBLIC_URL" in refused.json()["detail"]
    app.state.database.close()


async def test_an_administrators_reset_removes_the_members_passkeys(web: Any) -> None:
    _, waiting = await with_passkey(web, "viewer@acme.example")
    status = await waiting.get("/api/account/mfa")
    assert status.status_code == 401  # still waiting
    admin, headers = await signed_in(web, "admin@acme.example")
    with web["db"].reading() as session:
        viewer = users.find_user(session, "viewer@acme.example")
        assert viewer is not None
    reset = await admin.post(f"/api/orgs/current/members/{viewer.id}/mfa/reset", headers=headers)
    assert reset.status_code == 200
    assert events(web, "mfa.reset")[-1].summary["passkeys_removed"] == 1
    with web["db"].reading() as session:
        assert session.scalars(select(PasskeyRow)).all() == []
    fresh = web["client"]()
    assert (await signin(fresh, "viewer@acme.example")).headers["location"] == "/systems"
    assert (await fresh.get("/api/account/mfa")).json()["passkeys"] == 0


async def test_an_account_with_an_app_and_a_passkey_may_give_either(web: Any) -> None:
    authenticator, _ = await with_passkey(web, "viewer@acme.example")
    secret, _ = enrol(web, "viewer@acme.example")
    waiting = web["client"]()
    await signin(waiting, "viewer@acme.example")
    page = soup(await waiting.get("/signin/second-factor"))
    assert page.select_one("#second-factor-form") is not None
    assert page.select_one("#passkey-signin") is not None
    assert (await second_factor(waiting, code(secret))).status_code == 303
    assert (await waiting.get("/systems")).status_code == 200
    other = web["client"]()
    await signin(other, "viewer@acme.example")
    assert (await answer(other, authenticator)).status_code == 204
    assert (await other.get("/systems")).status_code == 200


@pytest.mark.parametrize(
    ("name", "by_form"),
    [
        ("ok\nname", 422),
        ("tab\there", 422),
        ("zero\u200bwidth", 422),
        # every form drops bidirectional controls (core.text.visible): "ab", "x" are left
        ("a\u202eb", 303),
        ("\u2066x", 303),
    ],
)
async def test_a_passkey_name_with_control_or_invisible_characters_is_refused(
    web: Any, name: str, by_form: int
) -> None:
    browser, headers = await signed_in(web, "viewer@acme.example")
    refused = await add_passkey(
        browser, headers | {"Accept-Language": "ja"}, SoftAuthenticator(), name
    )
    assert refused.status_code == 422
    assert "制御文字" in refused.json()["detail_ja"]
    assert (await browser.get(ADD)).json() == []
    await add_passkey(browser, headers, SoftAuthenticator(), "laptop")
    passkey = (await browser.get(ADD)).json()[0]
    renamed = await browser.patch(f"{ADD}/{passkey['id']}", json={"name": name}, headers=headers)
    assert renamed.status_code == 422
    form = await browser.post(
        f"/account/mfa/passkeys/{passkey['id']}/name",
        data={"csrf": headers["X-CSRF-Token"], "name": name},
    )
    assert form.status_code == by_form
    kept = (await browser.get(ADD)).json()[0]["name"]
    assert not [c for c in kept if unicodedata.category(c) in ("Cc", "Cf")]
    if by_form == 422:
        assert soup(form).select_one("#mfa-error") is not None


@pytest.mark.parametrize("name", ["ok\nname", "\u3164", "x" * (MAX_NAME + 1)])
async def test_a_wrong_name_is_refused_before_the_authenticator_is_asked(
    web: Any, name: str
) -> None:
    """The browser sends the name with its request for options: a name the rule refuses
    is said at once, and no challenge is made."""
    browser, headers = await signed_in(web, "viewer@acme.example")
    refused = await browser.post(REG, json={"name": name}, headers=headers)
    assert refused.status_code == 422
    with web["db"].reading() as session:
        assert session.scalars(select(PasskeyChallengeRow)).all() == []
    for body in ({"name": "laptop"}, {}):
        assert (await browser.post(REG, json=body, headers=headers)).status_code == 200


async def test_the_passkey_sign_in_endpoints_refuse_an_api_token_as_registration_does(
    web: Any,
) -> None:
    with web["db"].transaction() as session:
        token = users.create_token(session, "viewer@acme.example", "acme")[0]
    api = web["client"]()
    bearer = {"Authorization": f"Bearer {token}"}
    answered = {"clientDataJSON": "AA", "authenticatorData": "AA", "signature": "AA"}
    assertion = {"credential": {"id": "AA", "rawId": "AA", "response": answered}}
    made = {
        "id": "AA",
        "rawId": "AA",
        "response": {"clientDataJSON": "AA", "attestationObject": "AA"},
    }
    for url, body in (
        (REG, None),
        (ADD, {"name": "key", "credential": made}),
        (f"{ADD}/confirmation", None),
        (f"{ADD}/1/remove", assertion),
        (AUTH, None),
        (VERIFY, assertion),
        ("/api/account/mfa/verify", {"code": "123456"}),
    ):
        refused = await api.post(url, headers=bearer, json=body)
        assert refused.status_code == 422, url
        assert "ブラウザー" in refused.json()["detail_ja"], url


async def test_verifying_again_after_a_finished_sign_in_says_it_is_already_complete(
    web: Any,
) -> None:
    authenticator, waiting = await with_passkey(web, "viewer@acme.example")
    headers = {"X-CSRF-Token": await field(waiting, "/signin/second-factor")}
    options = (await waiting.post(AUTH, headers=headers)).json()
    right = authenticator.get(options)
    assert (
        await waiting.post(VERIFY, json={"credential": right}, headers=headers)
    ).status_code == 204
    again = await waiting.post(
        VERIFY, json={"credential": right}, headers=headers | {"Accept-Language": "ja"}
    )
    assert again.status_code == 409
    assert "already complete" in again.json()["detail"]
    assert "完了しています" in again.json()["detail_ja"]
    assert (await waiting.post(AUTH, headers=headers)).status_code == 409
    code_again = await waiting.post(
        "/api/account/mfa/verify", json={"code": "123456"}, headers=headers
    )
    assert code_again.status_code == 409
    assert (await waiting.get("/systems")).status_code == 200  # still signed in
    page = await waiting.post(
        "/signin/second-factor", data={"csrf": headers["X-CSRF-Token"], "code": "123456"}
    )
    assert page.status_code == 303 and page.headers["location"] == "/systems"
    assert len(events(web, "session.second_factor")) == 1


async def test_a_passkey_only_account_is_told_about_a_lost_passkey_not_a_phone(web: Any) -> None:
    _, waiting = await with_passkey(web, "viewer@acme.example")
    page = soup(await waiting.get("/signin/second-factor"))
    lost = page.select_one("#lost-factor").get_text()
    assert "パスキー" in lost and "スマートフォン" not in lost and "電話" not in lost
    waiting.cookies.set("tekisei_lang", "en")
    lost = soup(await waiting.get("/signin/second-factor")).select_one("#lost-factor").get_text()
    assert "passkey" in lost and "phone" not in lost


async def test_removing_the_last_required_passkey_is_refused_in_plain_japanese(web: Any) -> None:
    with web["db"].transaction() as session:
        admin = users.principal_for(session, "admin@acme.example", "acme")
        mfa.set_policy(session, admin, MfaPolicy(enabled=True, roles=[Role.VIEWER]))
    browser = web["client"]()
    await signin(browser, "viewer@acme.example")
    headers = {"X-CSRF-Token": await csrf_of(browser)}
    authenticator = SoftAuthenticator()
    assert (await add_passkey(browser, headers, authenticator)).status_code == 201
    passkey = (await browser.get(ADD)).json()[0]
    options = (await browser.post(f"{ADD}/confirmation", headers=headers)).json()
    refused = await browser.post(
        f"{ADD}/{passkey['id']}/remove",
        json={"credential": authenticator.get(options)},
        headers=headers | {"Accept-Language": "ja"},
    )
    assert refused.status_code == 403
    assert "最後の手段" not in refused.json()["detail_ja"]
    assert "最後の2段階認証の手段のため" in refused.json()["detail_ja"]
