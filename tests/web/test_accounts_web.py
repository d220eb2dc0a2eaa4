"""Accounts through the web: invitations instead of adding accounts by email, the
organisation chooser and switch, passwords, removing members, and who sees emails."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
from bs4 import BeautifulSoup

from tekisei.config import Settings
from tekisei.core.orgs import Role
from tekisei.services.database import Database
from tekisei.services.passwords import HASHING_SLOTS
from tekisei.web.app import create_app
from tekisei.web.threads import use_threads
from tests.organisations import PASSWORD, two_organisations

pytestmark = pytest.mark.anyio
ACCOUNTS = [
    ("admin@acme.example", "acme", Role.ADMIN),
    ("viewer@acme.example", "acme", Role.VIEWER),
    ("tester@lab.example", "acme", Role.EXTERNAL_TESTER),
    ("admin@other.example", "other", Role.ADMIN),
    ("temp@acme.example", "acme", Role.EXECUTIVE),
]


@pytest.fixture
async def web(settings: Settings, empty_db: Database) -> AsyncIterator[Any]:
    tokens = two_organisations(empty_db, ACCOUNTS, temporary_passwords=["temp@acme.example"])
    app = create_app(settings)
    clients: list[httpx.AsyncClient] = []

    def client(address: str = "127.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 4000))
        made = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(made)
        return made

    async def browser(
        email: str, address: str = "127.0.0.1", password: str = PASSWORD
    ) -> httpx.AsyncClient:
        made = client(address)
        response = await signin(made, email, password)
        assert response.status_code == 303, response.text
        return made

    yield {"client": client, "browser": browser, "tokens": tokens, "db": empty_db, "app": app}
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


async def signin(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    token = await field(client, "/signin", "login_csrf")
    return await client.post(
        "/signin", data={"email": email, "password": password, "login_csrf": token}
    )


async def test_an_admin_cannot_pull_another_organisations_account_in(web: Any) -> None:
    client, tokens = web["client"](), web["tokens"]
    intruder = bearer(tokens["admin@other.example"])
    old_way = await client.post(
        "/api/orgs/current/members",
        headers=intruder,
        json={"email": "admin@acme.example", "role": "admin", "password": "ignored anyway!"},
    )
    assert old_way.status_code == 405
    answers = []
    for email in ("admin@acme.example", "nobody@nowhere.example"):
        answer = await client.post(
            "/api/orgs/current/invitations",
            headers=intruder,
            json={"email": email, "role": "admin"},
        )
        assert answer.status_code == 201, answer.text
        answers.append(answer.json())
    shape = [
        {
            k: v
            for k, v in a.items()
            if k not in {"id", "email", "code", "url", "created_at", "expires_at"}
        }
        for a in answers
    ]
    assert shape[0] == shape[1] and len(answers[0]["code"]) == len(answers[1]["code"])
    victim = await web["browser"]("admin@acme.example")
    assert (await victim.get("/api/account")).json()["orgs"] == [
        {"slug": "acme", "name": "Acme", "role": "admin", "current": True}
    ]
    stolen = await client.post(
        "/api/invitations/accept", headers=intruder, json={"code": answers[0]["code"]}
    )
    assert stolen.status_code == 403


async def test_an_invited_account_accepts_then_picks_and_switches_its_organisation(
    web: Any,
) -> None:
    admin = await web["browser"]("admin@other.example")
    invited = await admin.post(
        "/org/invitations",
        data={"csrf": await field(admin, "/org"), "email": "viewer@acme.example", "role": "editor"},
    )
    code = soup(invited).select_one("#invitation-code").get_text()
    person = await web["browser"]("viewer@acme.example")
    page = soup(await person.get(f"/invitations/{code}"))
    assert page.select_one("#register-form") is None  # signed in: just accept or decline
    accepted = await person.post(
        f"/invitations/{code}/accept",
        data={"login_csrf": page.select_one('input[name="login_csrf"]')["value"]},
    )
    assert accepted.status_code == 303
    assert (await person.get("/api/account")).json()["org"] == "other"
    again = web["client"]()
    signed = await signin(again, "viewer@acme.example", PASSWORD)
    assert signed.headers["location"].startswith("/account/orgs?next=")
    chooser = soup(await again.get(signed.headers["location"]))
    assert {r["data-org"] for r in chooser.select("tr[data-org]")} == {"acme", "other"}
    header = soup(await again.get("/systems")).select_one("#org-switch")
    assert header is not None and header.get_text() == "Acme"  # the name, not the slug
    switched = await again.post(
        "/account/orgs",
        data={"csrf": await field(again, "/account/orgs"), "org": "other", "next": "/systems"},
    )
    assert switched.status_code == 303
    assert soup(await again.get("/systems")).select_one("#org-switch").get_text() == "Other"
    api = await again.put(
        "/api/account/org",
        json={"org": "acme"},
        headers={"X-CSRF-Token": await field(again, "/systems")},
    )
    assert api.status_code == 200 and api.json()["org"] == "acme"
    token_switch = await again.put(
        "/api/account/org",
        json={"org": "other"},
        headers=bearer(web["tokens"]["viewer@acme.example"]),
    )
    assert token_switch.status_code == 422
    audit = (
        await web["client"]().get(
            "/api/audit/events",
            params={"action": "session.switch_org"},
            headers=bearer(web["tokens"]["admin@other.example"]),
        )
    ).json()
    assert audit["total"] == 3  # in (accepting), in (chooser), out (API)
    assert not any("acme" in str(item["summary"]) for item in audit["items"])


async def test_a_new_person_registers_through_the_api_and_the_code_works_once(web: Any) -> None:
    client, admin = web["client"](), bearer(web["tokens"]["admin@acme.example"])
    issued = (
        await client.post(
            "/api/orgs/current/invitations",
            headers=admin,
            json={"email": "new@acme.example", "role": "assessor"},
        )
    ).json()
    assert issued["url"] == f"/invitations/{issued['code']}"
    listed = (await client.get("/api/orgs/current/invitations", headers=admin)).json()
    assert issued["code"] not in str(listed)
    looked = await client.post("/api/invitations/lookup", json={"code": issued["code"]})
    assert looked.json()["org"] == "acme" and looked.json()["role"] == "assessor"
    weak = await client.post(
        "/api/invitations/register", json={"code": issued["code"], "password": "x" * 300}
    )
    assert weak.status_code == 422
    ok = await client.post(
        "/api/invitations/register",
        json={"code": issued["code"], "name": "新人", "password": "my own chosen words"},
    )
    assert ok.status_code == 201 and ok.json()["role"] == "assessor"
    assert (
        await signin(web["client"](), "new@acme.example", "my own chosen words")
    ).status_code == 303
    reused = await client.post(
        "/api/invitations/register",
        json={"code": issued["code"], "password": "another long sentence"},
    )
    assert reused.status_code == 404
    revoked = await client.post(
        "/api/orgs/current/invitations",
        headers=admin,
        json={"email": "x@y.example", "role": "viewer"},
    )
    gone = await client.delete(
        f"/api/orgs/current/invitations/{revoked.json()['id']}", headers=admin
    )
    assert gone.json()["status"] == "revoked"
    declined = await client.post("/api/invitations/decline", json={"code": revoked.json()["code"]})
    assert declined.status_code == 404


async def test_an_account_created_by_the_operator_must_first_choose_its_password(
    web: Any,
) -> None:
    client = web["client"]()
    signed = await signin(client, "temp@acme.example", PASSWORD)
    assert signed.headers["location"] == "/account/password?next=%2Fsystems"
    blocked = await client.get("/risks")
    assert blocked.status_code == 303 and blocked.headers["location"].startswith(
        "/account/password"
    )
    api = await client.get("/api/systems")
    assert api.status_code == 403 and "password" in api.json()["detail"]
    # nothing a caller sends lets such a session past the password page
    for sneak in ({"allow_password_change": "true"}, {"allow_password_change": "1"}):
        assert (await client.get("/api/systems", params=sneak)).status_code == 403
        page = await client.get("/risks", params=sneak)
        assert page.status_code == 303 and page.headers["location"].startswith("/account/password")
    form = soup(await client.get("/account/password?next=/risks"))
    changed = await client.post(
        "/account/password",
        data={
            "csrf": form.select_one('input[name="csrf"]')["value"],
            "next": "/risks",
            "current_password": PASSWORD,
            "new_password": "the executive's own words",
            "new_password_again": "the executive's own words",
        },
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/risks"
    assert (await client.get("/risks")).status_code == 200


async def test_changing_ones_password_over_the_api_ends_other_sessions(web: Any) -> None:
    here = await web["browser"]("viewer@acme.example")
    there = await web["browser"]("viewer@acme.example")
    csrf = await field(here, "/account")
    wrong = await here.put(
        "/api/account/password",
        json={"current_password": "not it at all", "new_password": "a fresh long sentence"},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 401
    too_long = await here.put(
        "/api/account/password",
        json={"current_password": PASSWORD, "new_password": "y" * 100_000},
        headers={"X-CSRF-Token": csrf},
    )
    assert too_long.status_code == 422
    ok = await here.put(
        "/api/account/password",
        json={"current_password": PASSWORD, "new_password": "a fresh long sentence"},
        headers={"X-CSRF-Token": csrf},
    )
    assert ok.json() == {"sessions_ended": 1}
    assert (await here.get("/systems")).status_code == 200
    assert (await there.get("/systems")).status_code == 303


async def test_failures_from_an_attackers_address_never_stop_the_owner_signing_in(
    web: Any,
) -> None:
    attacker = web["client"]("203.0.113.9")
    statuses = [
        (await signin(attacker, "admin@acme.example", f"guess number {n}")).status_code
        for n in range(8)
    ]
    assert statuses[:3] == [401, 401, 401] and statuses[-1] == 429
    refused = await signin(attacker, "admin@acme.example", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    message = soup(refused).select_one('[role="alert"]').get_text()
    assert re.search(r"\d+(秒|分)待って", message)
    owner = web["client"]("198.51.100.7")
    assert (await signin(owner, "admin@acme.example", PASSWORD)).status_code == 303


@pytest.mark.usefixtures("real_password_hashing")  # hashing's real cost is the point
async def test_a_burst_of_sign_ins_waits_for_hashing_without_holding_up_other_requests(
    web: Any,
) -> None:
    use_threads(4)  # the request threads of this event loop, as TEKISEI_THREADS=4 would
    done: list[str] = []

    async def sign_in(n: int) -> None:
        browser = web["client"](f"198.51.100.{n + 1}")
        token = await field(browser, "/signin", "login_csrf")
        response = await browser.post(
            "/signin",
            data={"email": "viewer@acme.example", "password": PASSWORD, "login_csrf": token},
        )
        assert response.status_code == 303, response.text
        done.append("sign-in")

    async def read() -> None:
        await anyio.sleep(0.05)  # after the sign-ins have all been sent
        response = await web["client"]().get(
            "/api/systems", headers=bearer(web["tokens"]["viewer@acme.example"])
        )
        assert response.status_code == 200, response.text
        done.append("read")

    async with anyio.create_task_group() as group:
        for n in range(4 * HASHING_SLOTS):
            group.start_soon(sign_in, n)
        group.start_soon(read)
    assert done.count("sign-in") == 4 * HASHING_SLOTS
    # Hashing queues on its own threads: the read never waits behind the sign-ins.
    assert done.index("read") < HASHING_SLOTS, done


async def test_members_emails_only_for_admins_and_no_list_for_external_testers(
    web: Any,
) -> None:
    client, tokens = web["client"](), web["tokens"]
    as_admin = (
        await client.get("/api/orgs/current/members", headers=bearer(tokens["admin@acme.example"]))
    ).json()
    assert "viewer@acme.example" in {m["email"] for m in as_admin}
    as_viewer = (
        await client.get("/api/orgs/current/members", headers=bearer(tokens["viewer@acme.example"]))
    ).json()
    assert {m["email"] for m in as_viewer} == {None} and len(as_viewer) == len(as_admin)
    as_tester = await client.get(
        "/api/orgs/current/members", headers=bearer(tokens["tester@lab.example"])
    )
    assert as_tester.status_code == 403
    viewer = await web["browser"]("viewer@acme.example")
    assert (
        "@acme.example" not in soup(await viewer.get("/org")).select_one("table.members").get_text()
    )
    tester = await web["browser"]("tester@lab.example")
    page = await tester.get("/org")
    assert page.status_code == 200 and "viewer@acme.example" not in page.text
    assert soup(page).select_one("table.members") is None


async def test_an_admin_removes_a_member_but_never_the_last_admin(web: Any) -> None:
    client, tokens = web["client"](), web["tokens"]
    admin = bearer(tokens["admin@acme.example"])
    members = (await client.get("/api/orgs/current/members", headers=admin)).json()
    ids = {m["email"]: m["user_id"] for m in members}
    refused = await client.delete(
        f"/api/orgs/current/members/{ids['admin@acme.example']}", headers=admin
    )
    assert refused.status_code == 409
    viewer_browser = await web["browser"]("viewer@acme.example")
    gone = await client.delete(
        f"/api/orgs/current/members/{ids['viewer@acme.example']}", headers=admin
    )
    assert gone.status_code == 204
    assert (
        await client.get("/api/systems", headers=bearer(tokens["viewer@acme.example"]))
    ).status_code == 401
    assert (await viewer_browser.get("/systems")).status_code == 303
    page = await web["browser"]("admin@acme.example")
    removed = await page.post(
        f"/org/members/{ids['tester@lab.example']}/remove",
        data={"csrf": await field(page, "/org")},
    )
    assert removed.status_code == 303
    left = soup(await page.get("/org")).select("table.members tr[data-member]")
    assert len(left) == 2
    huge = await client.delete("/api/orgs/current/members/99999999999999999999", headers=admin)
    assert huge.status_code == 422


async def test_the_audit_log_flags_an_acceptance_by_a_new_executive_the_admin_brought_in(
    web: Any, loaded_db: Database
) -> None:
    client, admin = web["client"](), bearer(web["tokens"]["admin@acme.example"])
    issued = await client.post(
        "/api/orgs/current/invitations",
        headers=admin,
        json={"email": "boss@acme.example", "role": "executive"},
    )
    registered = await client.post(
        "/api/invitations/register",
        json={"code": issued.json()["code"], "password": "an executive's own words"},
    )
    assert registered.status_code == 201, registered.text
    system = await client.post(
        "/api/systems", headers=admin, json={"name": "窓口案内", "org_role": "user"}
    )
    risk = await client.post(
        f"/api/systems/{system.json()['id']}/risks",
        headers=admin,
        json={
            "title": "誤案内",
            "taxonomy": ["technical.misjudgement"],
            "likelihood": 3,
            "impact": 3,
            "residual_likelihood": 1,
            "residual_impact": 2,
        },
    )
    assert risk.status_code == 201, risk.text
    boss = await web["browser"]("boss@acme.example", password="an executive's own words")
    accepted = await boss.post(
        f"/api/risks/{risk.json()['id']}/accept",
        json={"version": risk.json()["version"], "note": "暫定的に受容"},
        headers={"X-CSRF-Token": await field(boss, "/account")},
    )
    assert accepted.status_code == 200, accepted.text
    added_by = accepted.json()["acceptor_added_by"]
    assert added_by and "@" not in added_by  # a name: executives manage no one
    seen_by_admin = await client.get(f"/api/risks/{risk.json()['id']}", headers=admin)
    assert seen_by_admin.json()["acceptor_added_by"] == "admin@acme.example"
    events = (
        await client.get("/api/audit/events", headers=admin, params={"action": "risk.accept"})
    ).json()["items"]
    assert events[0]["flags"] == ["young_approver", "approver_added_by_requester"]
    others = (await client.get("/api/audit/events", headers=admin)).json()["items"]
    assert all(e["flags"] == [] for e in others if e["action"] != "risk.accept")
    page = soup(await (await web["browser"]("admin@acme.example")).get("/audit"))
    flagged = {f["data-flag"] for f in page.select("span.flag")}
    assert flagged == {"young_approver", "approver_added_by_requester"}


async def test_no_operation_takes_a_parameter_it_does_not_declare_for_callers(web: Any) -> None:
    # Every query parameter in the OpenAPI document is one an operation means callers to
    # send; a dependency's keyword argument must never surface there.
    schema = web["app"].openapi()
    internal = {"allow_password_change", "request", "principal", "session", "database"}
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            names = {p["name"] for p in operation.get("parameters", [])}
            assert not names & internal, (path, names & internal)
