"""The stakeholder register through the real app: the JSON API for every role, the pages
in Japanese and English (forms, errors next to their fields, stale edits, the engagement
log, the section on the system page), and hostile text shown as text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MEMBERS = [
    ("admin@acme.example", "acme", Role.ADMIN),
    ("editor@acme.example", "acme", Role.EDITOR),
    ("ceo@acme.example", "acme", Role.EXECUTIVE),
    ("viewer@acme.example", "acme", Role.VIEWER),
    ("assessor@acme.example", "acme", Role.ASSESSOR),
    ("audit@acme.example", "acme", Role.AUDITOR),
    ("tester@lab.example", "acme", Role.EXTERNAL_TESTER),
    ("admin@other.example", "other", Role.ADMIN),
]
SYSTEM = {"name": "採用書類スクリーニング", "org_role": "provider", "purpose": "書類を選別する。"}


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[Any]:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        for email, org, role in MEMBERS:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role, "cli",
                must_change_password=False,
            )  # fmt: skip
    tokens = {}
    for email, org, _ in MEMBERS:
        with loaded_db.transaction() as session:
            tokens[email] = users.create_token(session, email, org)[0]
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    clients: list[httpx.AsyncClient] = []

    async def browser(email: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
        token = page.select_one('input[name="login_csrf"]')["value"]  # type: ignore[index]
        signed = await client.post(
            "/signin",
            data={"email": email, "password": PASSWORD, "next": "/dashboard", "login_csrf": token},
        )
        assert signed.status_code == 303, signed.text
        return client

    browser.tokens = tokens  # type: ignore[attr-defined]
    yield browser
    for client in clients:
        await client.aclose()
    app.state.database.close()


def auth(site: Any, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens[email]}"}


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf(page: BeautifulSoup) -> str:
    return str(page.select_one('input[name="csrf"]')["value"])  # type: ignore[index]


async def _system(site: Any, client: httpx.AsyncClient) -> int:
    made = await client.post("/api/systems", headers=auth(site, "admin@acme.example"), json=SYSTEM)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def test_the_api_writes_for_admins_and_editors_and_reads_for_the_rest(site: Any) -> None:
    client = await site("admin@acme.example")
    system_id = await _system(site, client)
    added = await client.post(
        "/api/stakeholders",
        headers=auth(site, "editor@acme.example"),
        json={"name": "応募者", "kind": "affected", "relation": "direct",
              "contact": "hr@acme.example", "systems": [system_id]},
    )  # fmt: skip
    assert added.status_code == 201, added.text
    sid = added.json()["id"]
    assert added.json()["contact"] == "hr@acme.example" and added.json()["version"] == 1
    for email in ("ceo@acme.example", "viewer@acme.example", "assessor@acme.example",
                  "audit@acme.example"):  # fmt: skip
        headers = auth(site, email)
        read = await client.get(f"/api/stakeholders/{sid}", headers=headers)
        assert read.status_code == 200 and read.json()["contact"] is None, email
        assert (
            "hr@acme.example" not in (await client.get("/api/stakeholders", headers=headers)).text
        )
        refused = await client.post("/api/stakeholders", headers=headers, json={"name": "x"})
        assert refused.status_code == 403, email
        engaged = await client.post(
            f"/api/stakeholders/{sid}/engagements", headers=headers, json={"summary": "x"}
        )
        assert engaged.status_code == 403, email
    tester = auth(site, "tester@lab.example")
    assert (await client.get("/api/stakeholders", headers=tester)).status_code == 404
    assert (await client.get(f"/api/stakeholders/{sid}", headers=tester)).status_code == 404
    other = auth(site, "admin@other.example")
    assert (await client.get(f"/api/stakeholders/{sid}", headers=other)).status_code == 404
    assert (await client.get("/api/stakeholders", headers=other)).json() == []
    admin = auth(site, "admin@acme.example")
    stale = await client.patch(
        f"/api/stakeholders/{sid}", headers=admin, json={"version": 1, "interests": "公平な選考"}
    )
    assert stale.status_code == 200 and stale.json()["version"] == 2
    again = await client.patch(
        f"/api/stakeholders/{sid}", headers=admin, json={"version": 1, "name": "上書き"}
    )
    assert again.status_code == 409
    future = await client.post(
        f"/api/stakeholders/{sid}/engagements", headers=admin,
        json={"summary": "x", "happened_on": "2999-01-01"},
    )  # fmt: skip
    assert future.status_code == 422
    logged = await client.post(
        f"/api/stakeholders/{sid}/engagements", headers=admin,
        json={"summary": "面談", "kind": "consultation", "outcome": "評価基準を公開した"},
    )  # fmt: skip
    assert logged.status_code == 201, logged.text
    log = (await client.get(f"/api/stakeholders/{sid}/engagements", headers=admin)).json()
    assert [(e["kind"], e["outcome"]) for e in log] == [("consultation", "評価基準を公開した")]
    archived = await client.post(
        f"/api/stakeholders/{sid}/archive", headers=admin, json={"version": 2}
    )
    assert archived.status_code == 200 and archived.json()["archived_at"]
    assert (await client.get("/api/stakeholders", headers=admin)).json() == []
    listed = await client.get("/api/stakeholders?archived=true", headers=admin)
    assert [s["id"] for s in listed.json()] == [sid]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "x" * 201}, 422),
        ({"name": "x", "kind": "journalists"}, 422),
        ({"name": "x", "contact": "x" * 501}, 422),
        ({"name": "x", "systems": list(range(1, 60))}, 422),
        ({"name": "x", "systems": [2**31 - 1]}, 404),
        ({"name": "x", "org_id": 2}, 422),
    ],
)
async def test_the_api_refuses_what_is_out_of_bounds(
    site: Any, body: dict[str, Any], status: int
) -> None:
    client = await site("admin@acme.example")
    response = await client.post(
        "/api/stakeholders", headers=auth(site, "admin@acme.example"), json=body
    )
    assert response.status_code == status, response.text
    listed = await client.get("/api/stakeholders", headers=auth(site, "admin@acme.example"))
    assert listed.json() == []


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_adding_a_stakeholder_and_logging_an_engagement_through_the_pages(
    site: Any, lang: str
) -> None:
    editor = await site("editor@acme.example")
    system_id = await _system(site, editor)
    page = soup(await editor.get(f"/stakeholders?lang={lang}"))
    assert page.select_one('nav a[href="/stakeholders"][aria-current="page"]')
    refused = await editor.post(
        f"/stakeholders/new?lang={lang}", data={"csrf": csrf(page), "name": ""}
    )
    assert refused.status_code == 422
    error = soup(refused).select_one("#err-name")
    assert error is not None and error.get_text(strip=True)
    made = await editor.post(
        f"/stakeholders/new?lang={lang}",
        data={"csrf": csrf(page), "name": SCRIPT, "kind": "output_handlers",
              "relation": "indirect", "interests": "出力の誤り", "contact": "090-0000-0000",
              "systems": str(system_id)},
    )  # fmt: skip
    assert made.status_code == 303
    url = made.headers["location"]
    shown = await editor.get(f"{url}?lang={lang}")
    detail = soup(shown)
    assert SCRIPT not in shown.text and detail.select_one("h1").get_text().startswith("<script>")  # type: ignore[union-attr]
    assert detail.select_one("#flash") is not None
    kind_word = "生成物を扱う人" if lang == "ja" else "People who handle outputs"
    assert kind_word in detail.select_one("#stakeholder-facts").get_text()  # type: ignore[union-attr]
    assert detail.select_one("#stakeholder-contact").get_text(strip=True) == "090-0000-0000"  # type: ignore[union-attr]
    form = detail.select_one("#engagement-form")
    assert form is not None
    future = await editor.post(
        f"{url}/engagements?lang={lang}",
        data={"csrf": csrf(detail), "happened_on": "2999-01-01", "summary": "説明"},
    )
    assert future.status_code == 422
    said = soup(future).select_one("#err-engagement-happened_on")
    assert said is not None
    assert ("今日" in said.get_text()) == (lang == "ja")
    logged = await editor.post(
        f"{url}/engagements?lang={lang}",
        data={"csrf": csrf(detail), "happened_on": "2026-11-02", "kind": "survey",
              "summary": "利用者アンケート", "outcome": "注意書きを追記した"},
    )  # fmt: skip
    assert logged.status_code == 303
    detail = soup(await editor.get(f"{url}?lang={lang}"))
    entries = detail.select("#engagement-log li[data-engagement]")
    assert len(entries) == 1 and "注意書きを追記した" in entries[0].get_text()
    assert ("アンケート" if lang == "ja" else "Survey") in entries[0].get_text()
    # the system page lists its stakeholders; the register filters by system and kind
    system_page = soup(await editor.get(f"/systems/{system_id}?lang={lang}"))
    assert len(system_page.select("#system-stakeholders li")) == 1
    filtered = soup(await editor.get(f"/stakeholders?system={system_id}&kind=users"))
    assert not filtered.select("#stakeholders-table tr[data-stakeholder]")
    filtered = soup(await editor.get(f"/stakeholders?system={system_id}&kind=output_handlers"))
    assert len(filtered.select("#stakeholders-table tr[data-stakeholder]")) == 1


async def test_a_stale_edit_is_shown_as_a_conflict_and_readers_get_no_forms(site: Any) -> None:
    admin = await site("admin@acme.example")
    added = await admin.post(
        "/api/stakeholders", headers=auth(site, "admin@acme.example"),
        json={"name": "地域住民", "kind": "communities", "contact": "自治会長 090-1111-2222"},
    )  # fmt: skip
    sid = added.json()["id"]
    page = soup(await admin.get(f"/stakeholders/{sid}?lang=ja"))
    first = await admin.post(
        f"/stakeholders/{sid}",
        data={"csrf": csrf(page), "version": "1", "name": "地域住民", "interests": "騒音"},
    )
    assert first.status_code == 303
    stale = await admin.post(
        f"/stakeholders/{sid}?lang=ja",
        data={"csrf": csrf(page), "version": "1", "name": "上書き"},
    )
    assert stale.status_code == 409
    assert "読み込み直して" in soup(stale).select_one(".error-message").get_text()  # type: ignore[union-attr]
    viewer = await site("viewer@acme.example")
    seen = await viewer.get(f"/stakeholders/{sid}")
    assert seen.status_code == 200 and "090-1111-2222" not in seen.text
    assert not soup(seen).select("form#engagement-form, form#stakeholder-form, #archive-form")
    tester = await site("tester@lab.example")
    assert (await tester.get("/stakeholders")).status_code == 404
    assert (await tester.get(f"/stakeholders/{sid}")).status_code == 404
    assert not soup(await tester.get("/dashboard")).select('nav a[href="/stakeholders"]')
    archived = await admin.post(
        f"/stakeholders/{sid}/archive", data={"csrf": csrf(page), "version": "2"}
    )
    assert archived.status_code == 303
    after = soup(await admin.get(f"/stakeholders/{sid}?lang=en"))
    assert "Archived" in after.select_one("h1").get_text()  # type: ignore[union-attr]
    assert not after.select("#engagement-form")


async def test_the_assessment_links_the_evidence_and_a_tester_sees_no_stakeholders(
    site: Any,
) -> None:
    admin = await site("admin@acme.example")
    system_id = await _system(site, admin)
    headers = auth(site, "admin@acme.example")
    started = await admin.post(f"/api/systems/{system_id}/assessments", headers=headers)
    assert started.status_code == 201, started.text
    sid = (
        await admin.post(
            "/api/stakeholders", headers=headers,
            json={"name": "応募者", "kind": "affected", "systems": [system_id]},
        )
    ).json()["id"]  # fmt: skip
    engaged = await admin.post(
        f"/api/stakeholders/{sid}/engagements", headers=headers, json={"summary": "面談"}
    )
    assert engaged.status_code == 201
    page = soup(await admin.get(f"/systems/{system_id}/assessment?lang=en"))
    links = {a["href"] for a in page.select("a[data-evidence]")}
    assert f"/stakeholders/{sid}" in links and f"/stakeholders/{sid}#log" in links
    assigned = await admin.post(
        f"/api/systems/{system_id}/testers", headers=headers, json={"email": "tester@lab.example"}
    )
    assert assigned.status_code < 300, assigned.text
    tester = await site("tester@lab.example")
    shown = await tester.get(f"/systems/{system_id}")
    assert shown.status_code == 200
    assert soup(shown).select_one("#stakeholders") is None
