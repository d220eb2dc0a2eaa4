"""The Statement of Applicability through the real app: the JSON API and the pages, for
every role, in Japanese and English, with stale versions, invalid and hostile input and
another organisation's members."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

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
    ("assessor@acme.example", "acme", Role.ASSESSOR),
    ("ceo@acme.example", "acme", Role.EXECUTIVE),
    ("auditor@acme.example", "acme", Role.AUDITOR),
    ("viewer@acme.example", "acme", Role.VIEWER),
    ("tester@lab.example", "acme", Role.EXTERNAL_TESTER),
    ("admin@other.example", "other", Role.ADMIN),
]
READERS = ["admin", "editor", "assessor", "ceo", "auditor", "viewer"]
WRITERS = ["admin", "editor", "assessor"]


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[Any]:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session,
                OrgCreate(name=f"{slug.title()} 株式会社", slug=slug, actors=[OrgActor.BUSINESS]),
                "cli",
            )
        for email, org, role in MEMBERS:
            users.create_user(
                session,
                users.UserCreate(email=email, password=PASSWORD, name=email.split("@")[0]),
                org,
                role,
                "cli",
                must_change_password=False,
            )
    tokens = {}
    for email, org, _ in MEMBERS:
        with loaded_db.transaction() as session:
            name = email.split("@")[0] + ("-other" if org == "other" else "")
            tokens[name] = users.create_token(session, email, org)[0]
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    clients: list[httpx.AsyncClient] = []

    async def browser(email: str | None = None, org: str = "acme") -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        if email:
            page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
            token = page.select_one('input[name="login_csrf"]')["value"]  # type: ignore[index]
            signed = await client.post(
                "/signin",
                data={"email": email, "password": PASSWORD, "next": "/soa", "login_csrf": token},
            )
            assert signed.status_code == 303, signed.text
        return client

    browser.tokens = tokens  # type: ignore[attr-defined]
    browser.api = httpx.AsyncClient(transport=transport, base_url="http://testserver")  # type: ignore[attr-defined]
    clients.append(browser.api)  # type: ignore[attr-defined]
    yield browser
    for client in clients:
        await client.aclose()
    app.state.database.close()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def csrf(client: httpx.AsyncClient, url: str) -> str:
    field = soup(await client.get(url)).select_one('input[name="csrf"]')
    assert field is not None, url
    return str(field["value"])


async def patch(site: Any, who: str, control: str, **body: Any) -> httpx.Response:
    response: httpx.Response = await site.api.patch(
        f"/api/soa/controls/{control}", json=body, headers=auth(site.tokens[who])
    )
    return response


# ----------------------------------------------------------------------------- API


async def test_the_api_reads_filters_and_changes_controls_with_versions(site: Any) -> None:
    api, admin = site.api, auth(site.tokens["admin"])
    whole = (await api.get("/api/soa", headers=admin)).json()
    assert len(whole["controls"]) == 38 and whole["total"] == 38 and whole["version"] == 0
    assert whole["counts"]["not_started"] == 38 and whole["counts"]["applicable"] == 38
    first = await patch(site, "admin", "A.7.5", version=0, applicable=False, justification="不要")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["soa_version"] == 1 and body["control"]["version"] == 1
    assert body["control"]["state"] == "not_applicable" and len(body["history"]) == 1
    stale = await patch(site, "admin", "A.7.5", version=0, notes="上書き")
    assert stale.status_code == 409 and "読み込み直して" in stale.json()["detail_ja"]
    # only the fields given change; null leaves a text as it is
    kept = await patch(
        site, "admin", "A.7.5", version=1, notes="データの来歴は扱わない", justification=None
    )
    assert kept.status_code == 200
    assert kept.json()["control"]["justification"] == "不要"
    excluded = await api.get("/api/soa", params={"applicable": "false"}, headers=admin)
    assert [c["ref"] for c in excluded.json()["controls"]] == ["A.7.5"]
    states = await api.get("/api/soa", params={"state": "not_applicable"}, headers=admin)
    assert [c["ref"] for c in states.json()["controls"]] == ["A.7.5"]
    assert states.json()["counts"]["not_applicable"] == 1 and states.json()["total"] == 38
    history = (await api.get("/api/soa/history", headers=admin)).json()
    assert [(h["soa_version"], h["control"]) for h in history] == [(2, "A.7.5"), (1, "A.7.5")]
    one = (await api.get("/api/soa/controls/A.7.5", headers=admin)).json()
    assert one["control"]["notes"] == "データの来歴は扱わない"


async def test_the_api_refuses_invalid_input_before_any_work(site: Any) -> None:
    api, admin = site.api, auth(site.tokens["admin"])
    refused = {
        "no reason": await patch(site, "admin", "A.7.5", version=0, applicable=False),
        "too long": await patch(site, "admin", "A.7.5", version=0, notes="あ" * 4001),
        "unknown field": await patch(site, "admin", "A.7.5", version=0, state="implemented"),
        "no version": await patch(site, "admin", "A.7.5", notes="x"),
        "negative version": await patch(site, "admin", "A.7.5", version=-1, notes="x"),
        "owner of no one": await patch(site, "admin", "A.7.5", version=0, owner_id=0),
    }
    assert {k: r.status_code for k, r in refused.items()} == dict.fromkeys(refused, 422)
    assert "理由" in refused["no reason"].json()["detail_ja"]
    for control, status in (("A.99.9", 404), ("A.6.2", 404), ("B.2.2", 422), ("A.2.2.2.2", 422)):
        response = await api.get(f"/api/soa/controls/{control}", headers=admin)
        assert response.status_code == status, control
    assert (await api.get("/api/soa", params={"state": "done"}, headers=admin)).status_code == 422
    unknown = await api.get("/api/soa/export", params={"format": "csv"}, headers=admin)
    assert unknown.status_code == 422
    assert (await api.get("/api/soa")).status_code == 401
    assert (await api.get("/api/soa", headers=auth("tkn_not-a-token"))).status_code == 401
    assert (await api.get("/api/soa/history", headers=admin)).json() == []


async def test_every_role_gets_what_it_may_and_nothing_more(site: Any) -> None:
    api = site.api
    for who in READERS:
        headers = auth(site.tokens[who])
        assert (await api.get("/api/soa", headers=headers)).status_code == 200, who
        export = await api.get("/api/soa/export", params={"format": "xlsx"}, headers=headers)
        assert export.status_code == 200, who
        assert re.search(
            r'filename="soa-acme-v\d+-ja\.xlsx"', export.headers["content-disposition"]
        )
    tester = auth(site.tokens["tester"])
    for url in ("/api/soa", "/api/soa/controls/A.2.2", "/api/soa/history", "/api/soa/approvals",
                "/api/soa/approvals/1", "/api/soa/export"):  # fmt: skip
        response = await api.get(url, headers=tester)
        assert response.status_code == 403, url
        assert "外部テスター" in response.json()["detail_ja"]
    version = 0
    for who in WRITERS:
        changed = await patch(site, who, "A.4.6", version=version, notes=f"{who}の記載")
        assert changed.status_code == 200, (who, changed.text)
        version += 1
    for who in ("ceo", "auditor", "viewer", "tester"):
        assert (await patch(site, who, "A.4.6", version=version, notes="x")).status_code == 403
    for who in ("admin", "editor", "assessor", "auditor", "viewer", "tester"):
        refused = await api.post(
            "/api/soa/approvals", json={"version": 3}, headers=auth(site.tokens[who])
        )
        assert refused.status_code == 403, who
    approved = await api.post(
        "/api/soa/approvals",
        json={"version": 3, "note": "確認しました"},
        headers=auth(site.tokens["ceo"]),
    )
    assert approved.status_code == 201, approved.text
    body = approved.json()
    assert body["number"] == 1 and body["approved_by"] == "ceo" and body["note"] == "確認しました"
    assert len(body["statement"]["controls"]) == 38
    again = await api.post(
        "/api/soa/approvals", json={"version": 3}, headers=auth(site.tokens["ceo"])
    )
    assert again.status_code == 409
    listed = await api.get("/api/soa/approvals", headers=auth(site.tokens["viewer"]))
    assert [a["number"] for a in listed.json()] == [1]
    shown = (await api.get("/api/soa", headers=auth(site.tokens["auditor"]))).json()
    assert shown["approved_as_it_stands"] is True
    # readers who do not manage people see names, never members' emails
    for who in ("assessor", "ceo", "auditor", "viewer"):
        for url in ("/api/soa", "/api/soa/controls/A.4.6", "/api/soa/history",
                    "/api/soa/approvals/1"):  # fmt: skip
            text = (await api.get(url, headers=auth(site.tokens[who]))).text
            assert "@acme.example" not in text, (who, url)


async def test_another_organisation_sees_its_own_statement_only(site: Any) -> None:
    api = site.api
    changed = await patch(site, "admin", "A.3.3", version=0, notes="社外秘の通報窓口")
    assert changed.status_code == 200
    other = auth(site.tokens["admin-other"])
    for url in ("/api/soa", "/api/soa/controls/A.3.3", "/api/soa/history", "/api/soa/approvals"):
        response = await api.get(url, headers=other)
        assert response.status_code == 200 and "社外秘" not in response.text, url
    assert (await api.get("/api/soa/approvals/1", headers=other)).status_code == 404
    book = await api.get("/api/soa/export", headers=other)
    cells = [
        c.value for row in load_workbook(io.BytesIO(book.content)).worksheets[0].rows for c in row
    ]
    assert "社外秘の通報窓口" not in cells and "Other 株式会社" in cells
    # their change of the same control is theirs alone
    theirs = await api.patch(
        "/api/soa/controls/A.3.3", json={"version": 0, "notes": "当社"}, headers=other
    )
    assert theirs.status_code == 200 and theirs.json()["soa_version"] == 1
    mine = (await api.get("/api/soa/controls/A.3.3", headers=auth(site.tokens["admin"]))).json()
    assert mine["control"]["notes"] == "社外秘の通報窓口"


async def test_the_export_is_in_the_readers_language_or_the_one_asked(site: Any) -> None:
    api, auditor = site.api, auth(site.tokens["auditor"])
    english = await api.get(
        "/api/soa/export", params={"format": "xlsx", "lang": "en"}, headers=auditor
    )
    sheet = load_workbook(io.BytesIO(english.content)).worksheets[0]
    assert sheet.title == "Statement of Applicability" and sheet["A9"].value == "Control"
    assert english.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    pdf = await api.get("/api/soa/export", params={"format": "pdf"}, headers=auditor)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert 'filename="soa-acme-v0-ja.pdf"' in pdf.headers["content-disposition"]


# ----------------------------------------------------------------------------- pages


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_the_pages_show_every_control_in_each_language(site: Any, lang: str) -> None:
    client = await site("viewer@acme.example")
    page = await client.get("/soa", params={"lang": lang})
    assert page.status_code == 200
    html = soup(page)
    assert html.select_one("html")["lang"] == lang  # type: ignore[index]
    rows = html.select("#soa-controls tr[data-control]")
    assert len(rows) == 38
    title = (
        "適用宣言書（ISO/IEC 42001）"
        if lang == "ja"
        else "Statement of Applicability (ISO/IEC 42001)"
    )
    assert html.select_one("h1").get_text() == title  # type: ignore[union-attr]
    assert html.select_one('nav a[href="/soa"][aria-current="page"]') is not None
    assert html.select_one("form#approve") is None  # a viewer approves nothing
    filtered = soup(await client.get("/soa", params={"lang": lang, "applicable": "no"}))
    assert filtered.select("#soa-controls tr[data-control]") == []
    control = soup(await client.get("/soa/controls/A.6.2.4", params={"lang": lang}))
    assert control.select_one("#read-only") is not None
    assert control.select_one("#control-form fieldset[disabled]") is not None
    for url in ("/soa/history", "/soa/controls/A.10.4"):
        assert (await client.get(url, params={"lang": lang})).status_code == 200


async def test_an_editor_saves_a_control_and_errors_keep_what_was_typed(site: Any) -> None:
    client = await site("editor@acme.example")
    token = await csrf(client, "/soa/controls/A.7.2")
    form = soup(await client.get("/soa/controls/A.7.2"))
    assert form.select_one("#control-form fieldset[disabled]") is None
    members = {o.get_text(): o["value"] for o in form.select("#owner_id option")}
    assert "assessor" in members and not any("other" in name for name in members)
    refused = await client.post(
        "/soa/controls/A.7.2",
        data={"csrf": token, "version": "0", "applicable": "no", "justification": "",
              "notes": SCRIPT, "owner_id": ""},
    )  # fmt: skip
    assert refused.status_code == 422
    page = soup(refused)
    assert page.select_one("#err-justification") is not None
    assert page.select_one("#notes").get_text() == SCRIPT  # type: ignore[union-attr]
    assert page.select_one("#applicable-no").has_attr("checked")  # type: ignore[union-attr]
    saved = await client.post(
        "/soa/controls/A.7.2",
        data={"csrf": token, "version": "0", "applicable": "no", "justification": SCRIPT,
              "notes": "", "owner_id": members["assessor"]},
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"] == "/soa/controls/A.7.2"
    shown = await client.get("/soa/controls/A.7.2")
    page = soup(shown)
    assert page.select_one("#flash") is not None
    assert page.select_one("#state").get_text() == "該当しない"  # type: ignore[union-attr]
    assert page.select("main script") == [] and page.select("main img") == []
    assert "&lt;script&gt;" in shown.text
    assert page.select_one("#owner_id option[selected]").get_text() == "assessor"  # type: ignore[union-attr]
    assert len(page.select("#control-history li[data-version]")) == 1
    stale = await client.post(
        "/soa/controls/A.7.2",
        data={"csrf": token, "version": "0", "applicable": "yes", "justification": "",
              "notes": "古い版から", "owner_id": ""},
    )  # fmt: skip
    assert stale.status_code == 409
    assert "読み込み直して" in soup(stale).select_one("#control-error").get_text()  # type: ignore[union-attr]
    stranger = await client.post(
        "/soa/controls/A.7.2",
        data={"csrf": token, "version": "1", "applicable": "yes", "justification": "x",
              "owner_id": "99999"},
    )  # fmt: skip
    assert stranger.status_code == 422 and soup(stranger).select_one("#err-owner") is not None
    forged = await client.post(
        "/soa/controls/A.7.2", data={"csrf": "forged", "version": "1", "applicable": "yes"}
    )
    assert forged.status_code == 403


async def test_an_executive_approves_on_the_page_and_the_version_is_kept(site: Any) -> None:
    assert (await patch(site, "admin", "A.2.2", version=0, notes="方針を定めた")).status_code == 200
    viewer = await site("viewer@acme.example")
    assert (await viewer.post("/soa/approve", data={"version": "1"})).status_code == 403
    ceo = await site("ceo@acme.example")
    token = await csrf(ceo, "/soa")
    page = soup(await ceo.get("/soa"))
    assert page.select_one("form#approve input[name=version]")["value"] == "1"  # type: ignore[index]
    assert "まだ承認されていません" in page.select_one("#soa-approval-status").get_text()  # type: ignore[union-attr]
    stale = await ceo.post("/soa/approve", data={"csrf": token, "version": "0", "note": ""})
    assert stale.status_code == 409 and soup(stale).select_one("#approval-error") is not None
    approved = await ceo.post("/soa/approve", data={"csrf": token, "version": "1", "note": "承認"})
    assert approved.status_code == 303 and approved.headers["location"] == "/soa#approval"
    page = soup(await ceo.get("/soa"))
    assert "現在の内容で承認済み" in page.select_one("#soa-approval-status").get_text()  # type: ignore[union-attr]
    assert [li["data-number"] for li in page.select("#soa-approvals li[data-number]")] == ["1"]
    kept = soup(await ceo.get("/soa/approvals/1"))
    assert len(kept.select("#approved-controls tr[data-control]")) == 38
    assert "ceo" in kept.select_one("#approved-by").get_text()  # type: ignore[union-attr]
    assert kept.select_one('a#approval-xlsx[href*="approval=1"]') is not None
    assert (await ceo.get("/soa/approvals/2")).status_code == 404
    tester = await site("tester@lab.example")
    assert (await tester.get("/soa")).status_code == 403
    assert soup(await tester.get("/systems")).select_one('nav a[href="/soa"]') is None


async def test_an_owner_who_left_stays_the_owner_shown_as_a_former_member(
    site: Any, loaded_db: Database
) -> None:
    members = await site.api.get("/api/orgs/current/members", headers=auth(site.tokens["admin"]))
    assessor = next(m["user_id"] for m in members.json() if m["email"] == "assessor@acme.example")
    assert (await patch(site, "admin", "A.3.2", version=0, owner_id=assessor)).status_code == 200
    with loaded_db.transaction() as session:
        orgs.remove_member(session, orgs.cli_principal(session, "acme"), assessor)
    client = await site("editor@acme.example")
    page = soup(await client.get("/soa/controls/A.3.2"))
    chosen = page.select_one("#owner_id option[selected]")
    assert chosen is not None and chosen["value"] == str(assessor)
    assert "元メンバー" in chosen.get_text()
    # keeping them is allowed; choosing them anew elsewhere is not
    kept = await patch(site, "admin", "A.3.2", version=1, notes="担当者は退職", owner_id=assessor)
    assert kept.status_code == 200
    refused = await patch(site, "admin", "A.3.3", version=0, owner_id=assessor)
    assert refused.status_code == 422


async def test_a_controls_page_shows_which_systems_items_and_answers_its_state_comes_from(
    site: Any,
) -> None:
    api, admin = site.api, auth(site.tokens["admin"])
    created = await api.post(
        "/api/systems", json={"name": "応答AI", "org_role": "provider"}, headers=admin
    )
    system_id = created.json()["id"]
    started = await api.post(f"/api/systems/{system_id}/assessments", headers=admin)
    assessment = started.json()["id"]
    requirement = "jp-ai-appropriateness-2025:2(1)"
    answered = await api.put(
        f"/api/assessments/{assessment}/answers",
        params={"requirement": requirement},
        json={"state": "implemented"},
        headers=admin,
    )
    assert answered.status_code == 200, answered.text
    link = await api.post(
        "/api/evidence/links", json={"url": "https://acme.example/policy", "title": "AI方針"},
        headers=admin,
    )  # fmt: skip
    attached = await api.post(
        f"/api/assessments/{assessment}/evidence",
        json={"requirement": requirement, "evidence_id": link.json()["id"]},
        headers=admin,
    )
    assert attached.status_code < 300, attached.text
    editor = await site("editor@acme.example")
    page = soup(await editor.get("/soa/controls/A.2.2"))
    row = page.select_one(f'#derivation tr[data-system="{system_id}"]')
    assert row is not None and row["data-state"] == "partial" and row["data-origin"] == "derived"
    assert "2(1)" in row.get_text() and "重なり" in row.get_text() and "実施済み" in row.get_text()
    direct = row.select_one("a.answer-directly")
    assert direct is not None and "A.2.2" in str(direct["href"])
    assert page.select_one('#evidence a[href="https://acme.example/policy"]') is not None
    assert page.select_one("#state").get_text() == "一部実施"  # type: ignore[union-attr]
    viewer = await site("viewer@acme.example")
    seen = soup(await viewer.get("/soa/controls/A.2.2?lang=en"))
    assert seen.select_one("#derivation a.answer-directly") is None
    assert "intersect" in seen.select_one("#derivation").get_text()  # type: ignore[union-attr]
