"""Sessions through the web: one's own sessions and tokens on the account page and the
API, ending one, signing out everywhere, an admin's sign-out of a member, and the hostile
cases (someone else's session, another organisation's admin, a non-admin, no CSRF)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tekisei.core.orgs import Role
from tekisei.services import invitations, orgs, users
from tests.web.test_accounts_web import PASSWORD, bearer, field, signin, soup, web  # noqa: F401

pytestmark = pytest.mark.anyio
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


async def _firefox(web: Any, email: str, address: str = "192.0.2.10") -> httpx.AsyncClient:  # noqa: F811
    client: httpx.AsyncClient = web["client"](address)
    client.headers["user-agent"] = FIREFOX
    response = await signin(client, email, PASSWORD)
    assert response.status_code == 303, response.text
    return client


async def _mine(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/api/account/sessions")
    assert response.status_code == 200, response.text
    sessions: list[dict[str, Any]] = response.json()["sessions"]
    return sessions


async def _signed_in(client: httpx.AsyncClient) -> bool:
    """Whether the browser's cookie is still accepted (the next request)."""
    return (await client.get("/api/account")).status_code == 200


def _join_other(web: Any, email: str) -> None:  # noqa: F811
    """Make ``email`` (of acme) a viewer of other too."""
    with web["db"].transaction() as session:
        code, _ = invitations.create_invitation(
            session, orgs.cli_principal(session, "other"), email, Role.VIEWER
        )
        invitations.accept_invitation(session, users.principal_for(session, email, "acme"), code)


async def test_the_account_page_lists_my_sessions_and_tokens_and_ends_one(web: Any) -> None:  # noqa: F811
    here = await _firefox(web, "viewer@acme.example")
    there = await web["browser"]("viewer@acme.example", "192.0.2.20")
    page = soup(await here.get("/account"))
    rows = page.select("table.sessions tr[data-session]")
    assert len(rows) == 2
    current = page.select("table.sessions tr.current")
    assert len(current) == 1 and "Firefox" in current[0].get_text()
    assert "192.0.2.10" in current[0].get_text()
    assert page.select_one("h2#sessions") is not None
    tokens = page.select("table.tokens tr[data-token]")
    assert len(tokens) == 1 and web["tokens"]["viewer@acme.example"] not in page.get_text()
    listed = await _mine(here)
    assert [s["current"] for s in listed].count(True) == 1
    mine = next(s for s in listed if s["current"])
    assert (mine["method"], mine["browser"], mine["org"]) == (
        "password",
        "Firefox on Windows",
        "acme",
    )
    other_id = next(s["id"] for s in listed if not s["current"])
    ended = await here.post(
        f"/account/sessions/{other_id}/end", data={"csrf": await field(here, "/account")}
    )
    assert ended.status_code == 303 and ended.headers["location"] == "/account#sessions"
    assert not await _signed_in(there)  # refused on its very next request
    assert (await there.get("/systems")).status_code == 303
    assert await _signed_in(here)


async def test_the_account_page_reads_in_japanese(web: Any) -> None:  # noqa: F811
    here = await _firefox(web, "viewer@acme.example")
    page = soup(await here.get("/account", headers={"Accept-Language": "ja"}))
    text = page.get_text()
    assert "サインイン中のセッション" in text and "すべての場所からサインアウト" in text
    assert "Firefox（Windows）" in text and "パスワード" in text
    for box in page.select('form#sign-out-everywhere input[type="checkbox"]'):
        assert page.select_one(f'label[for="{box["id"]}"]') is not None


async def test_ending_ones_current_session_over_the_api_refuses_the_cookie_next(
    web: Any,  # noqa: F811
) -> None:
    here = await web["browser"]("viewer@acme.example")
    csrf = await field(here, "/account")
    mine = next(s for s in await _mine(here) if s["current"])
    gone = await here.delete(f"/api/account/sessions/{mine['id']}", headers={"X-CSRF-Token": csrf})
    assert gone.status_code == 204
    assert not await _signed_in(here)


async def test_nobody_ends_another_persons_session(web: Any) -> None:  # noqa: F811
    victim = await web["browser"]("viewer@acme.example")
    victim_id = (await _mine(victim))[0]["id"]
    attacker = await web["browser"]("admin@acme.example")  # even an admin of the same org
    csrf = await field(attacker, "/account")
    api = await attacker.delete(
        f"/api/account/sessions/{victim_id}", headers={"X-CSRF-Token": csrf}
    )
    assert api.status_code == 404
    page = await attacker.post(f"/account/sessions/{victim_id}/end", data={"csrf": csrf})
    assert page.status_code == 404
    token = await web["client"]().delete(
        f"/api/account/sessions/{victim_id}", headers=bearer(web["tokens"]["admin@other.example"])
    )
    assert token.status_code == 404
    assert await _signed_in(victim)
    listed = (await attacker.get("/api/account/sessions")).json()
    assert victim_id not in [s["id"] for s in listed["sessions"]]


async def test_forms_and_api_calls_without_the_csrf_token_end_nothing(web: Any) -> None:  # noqa: F811
    here = await web["browser"]("admin@acme.example")
    there = await web["browser"]("admin@acme.example")
    member = await web["browser"]("viewer@acme.example")
    other_id = next(s["id"] for s in await _mine(here) if not s["current"])
    members = (await here.get("/api/orgs/current/members")).json()
    viewer_id = next(m["user_id"] for m in members if m["email"] == "viewer@acme.example")
    attempts = [
        await here.post(f"/account/sessions/{other_id}/end", data={}),
        await here.post(f"/account/sessions/{other_id}/end", data={"csrf": "forged"}),
        await here.post("/account/sign-out-everywhere", data={"revoke_tokens": "1"}),
        await here.post(f"/org/members/{viewer_id}/sign-out", data={"revoke_tokens": "1"}),
        await here.delete(f"/api/account/sessions/{other_id}"),
        await here.post("/api/account/sign-out-everywhere", json={}),
        await here.post(f"/api/orgs/current/members/{viewer_id}/sign-out", json={}),
    ]
    assert [a.status_code for a in attempts] == [403] * len(attempts)
    assert await _signed_in(there) and await _signed_in(member)
    token = web["tokens"]["viewer@acme.example"]
    assert (await web["client"]().get("/api/account", headers=bearer(token))).status_code == 200


async def test_signing_out_everywhere_from_the_page_and_the_api(web: Any) -> None:  # noqa: F811
    here = await web["browser"]("viewer@acme.example")
    there = await web["browser"]("viewer@acme.example")
    token = bearer(web["tokens"]["viewer@acme.example"])
    kept = await here.post(
        "/account/sign-out-everywhere",
        data={"csrf": await field(here, "/account"), "keep_current": "1"},
    )
    assert kept.status_code == 303
    assert await _signed_in(here) and not await _signed_in(there)
    assert (await web["client"]().get("/api/account", headers=token)).status_code == 200
    again = await web["browser"]("viewer@acme.example")
    answer = await here.post(
        "/api/account/sign-out-everywhere",
        json={"keep_current": False, "revoke_tokens": True},
        headers={"X-CSRF-Token": await field(here, "/account")},
    )
    assert answer.json() == {"sessions_ended": 2, "tokens_revoked": 1}
    assert not await _signed_in(here) and not await _signed_in(again)
    assert (await web["client"]().get("/api/account", headers=token)).status_code == 401
    odd = await web["client"]().post(
        "/api/account/sign-out-everywhere",
        json={"everything": True},
        headers=bearer(web["tokens"]["admin@acme.example"]),
    )
    assert odd.status_code == 422


async def test_signing_out_everywhere_from_the_page_without_keeping_this_browser(
    web: Any,  # noqa: F811
) -> None:
    here = await web["browser"]("viewer@acme.example")
    out = await here.post(
        "/account/sign-out-everywhere", data={"csrf": await field(here, "/account")}
    )
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert not await _signed_in(here)


async def test_an_admin_signs_a_member_out_here_and_nowhere_else(web: Any) -> None:  # noqa: F811
    _join_other(web, "viewer@acme.example")
    client, tokens = web["client"](), web["tokens"]
    admin = bearer(tokens["admin@acme.example"])
    here = await web["browser"]("viewer@acme.example")  # the first organisation: acme
    there = await web["browser"]("viewer@acme.example")
    csrf = await field(there, "/account")
    switched = await there.put(
        "/api/account/org", json={"org": "other"}, headers={"X-CSRF-Token": csrf}
    )
    assert switched.status_code == 200
    members = (await client.get("/api/orgs/current/members", headers=admin)).json()
    viewer_id = next(m["user_id"] for m in members if m["email"] == "viewer@acme.example")
    url = f"/api/orgs/current/members/{viewer_id}"
    seen = await client.get(f"{url}/sessions", headers=admin)
    assert seen.json()["sessions"] == 1 and seen.json()["tokens"] == 1
    # a non-admin: 403; another organisation's admin: 404 (the member is not theirs)
    viewer_token = bearer(tokens["viewer@acme.example"])
    assert (await client.get(f"{url}/sessions", headers=viewer_token)).status_code == 403
    denied = await client.post(f"{url}/sign-out", json={}, headers=viewer_token)
    assert denied.status_code == 403
    stranger = bearer(tokens["admin@other.example"])
    tester_id = next(m["user_id"] for m in members if m["email"] == "tester@lab.example")
    tester_url = f"/api/orgs/current/members/{tester_id}"
    for_other = await client.post(f"{tester_url}/sign-out", json={}, headers=stranger)
    assert for_other.status_code == 404
    assert (await client.get(f"{tester_url}/sessions", headers=stranger)).status_code == 404
    assert await _signed_in(here) and await _signed_in(there)
    done = await client.post(f"{url}/sign-out", json={"revoke_tokens": True}, headers=admin)
    assert done.json() == {"sessions_ended": 1, "tokens_revoked": 1}
    assert not await _signed_in(here)
    assert await _signed_in(there)  # the session acting for the other organisation stays
    assert (await client.get("/api/account", headers=viewer_token)).status_code == 401
    events = (await client.get("/api/audit/events?action=member.sign_out", headers=admin)).json()[
        "items"
    ]
    assert events[0]["summary"] == {
        "email": "viewer@acme.example",
        "sessions_ended": 1,
        "tokens_revoked": 1,
    }
    # the other organisation's admin ends only the session acting for their organisation
    theirs = await client.post(f"{url}/sign-out", json={}, headers=stranger)
    assert theirs.json() == {"sessions_ended": 1, "tokens_revoked": 0}
    assert not await _signed_in(there)


async def test_the_organisation_page_shows_session_counts_and_signs_a_member_out(
    web: Any,  # noqa: F811
) -> None:
    member = await web["browser"]("viewer@acme.example")
    admin = await web["browser"]("admin@acme.example")
    page = soup(await admin.get("/org"))
    members = (await admin.get("/api/orgs/current/members")).json()
    viewer_id = next(m["user_id"] for m in members if m["email"] == "viewer@acme.example")
    row = page.select_one(f'tr[data-member="{viewer_id}"]')
    assert row is not None and row.select_one("td.sessions").get_text() == "1"
    form = row.select_one("form.sign-out-member")
    assert form is not None and form.select_one('input[name="revoke_tokens"]').has_attr("checked")
    out = await admin.post(
        f"/org/members/{viewer_id}/sign-out", data={"csrf": await field(admin, "/org")}
    )
    assert out.status_code == 303
    assert not await _signed_in(member)
    token = bearer(web["tokens"]["viewer@acme.example"])
    assert (await web["client"]().get("/api/account", headers=token)).status_code == 200
    viewer_page = soup(await (await web["browser"]("viewer@acme.example")).get("/org"))
    assert viewer_page.select("form.sign-out-member") == []
    assert viewer_page.select("td.sessions") == []


async def test_sign_ins_and_failures_reach_the_audit_log_without_secrets(web: Any) -> None:  # noqa: F811
    attacker = web["client"]("203.0.113.9")
    failed = await signin(attacker, "viewer@acme.example", "a wrong secret guess")
    assert failed.status_code == 401
    here = await web["browser"]("viewer@acme.example")
    admin = bearer(web["tokens"]["admin@acme.example"])
    client = web["client"]()
    events = (await client.get("/api/audit/events?limit=200", headers=admin)).json()["items"]
    actions = [e["action"] for e in events]
    assert "signin.fail" in actions and "session.start" in actions
    failure = next(e for e in events if e["action"] == "signin.fail")
    assert failure["summary"]["address"] == "203.0.113.9" and failure["actor"] == "anonymous"
    text = str(events)
    assert "a wrong secret guess" not in text and PASSWORD not in text
    cookie = here.cookies.get("tekisei_session")
    assert cookie and cookie not in text
