"""Business continuity through the real app: the JSON API for every role and for strangers,
limits and stale versions, the gate into operation refused through the API until a plan
and a recent drill exist, the pages in Japanese and English, and the dashboard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup

from tekisei.config import Settings
from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import assessments, orgs, systems, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
SCRIPT = '<script>alert("x")</script>'
MEMBERS = [
    ("admin@acme.example", "acme", Role.ADMIN),
    ("editor@acme.example", "acme", Role.EDITOR),
    ("ceo@acme.example", "acme", Role.EXECUTIVE),
    ("viewer@acme.example", "acme", Role.VIEWER),
    ("audit@acme.example", "acme", Role.AUDITOR),
    ("tester@lab.example", "acme", Role.EXTERNAL_TESTER),
    ("admin@other.example", "other", Role.ADMIN),
]
SYSTEM = {"name": "与信審査", "org_role": "developer", "domain": "finance", "stage": "deploy",
          "models": ["gpt-x"], "vendors": ["Example LLM"]}  # fmt: skip
PLAN = {
    "version": 0,
    "scenarios": [{"kind": "outage", "procedure": "手作業の審査に切り替える",
                   "rto": {"value": 4, "unit": "hours"}, "rpo": {"value": 1, "unit": "days"}}],
    "contacts": [{"name": "山田", "role": "審査部長", "reach": "内線 1234"}],
}  # fmt: skip


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
    browser.app = app  # type: ignore[attr-defined]
    browser.db = loaded_db  # type: ignore[attr-defined]
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


async def _system(site: Any, client: httpx.AsyncClient, **facts: Any) -> int:
    made = await client.post(
        "/api/systems", headers=auth(site, "admin@acme.example"), json=SYSTEM | facts
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _answer_everything(site: Any, system_id: int) -> None:
    database: Database = site.app.state.database
    with database.transaction() as session:
        admin = orgs.cli_principal(session, "acme")
        assessment = assessments.start_assessment(session, admin, system_id)
        report = assessments.assessment_report(session, admin, assessment.id)
        for item in report.items:
            assessments.answer_requirement(
                session, admin, assessment.id, item.urn, AnswerFields(state=AnswerState.IMPLEMENTED)
            )


async def test_strangers_testers_and_readers_cannot_write_or_see(site: Any) -> None:
    client = await site("admin@acme.example")
    system_id = await _system(site, client)
    admin = auth(site, "admin@acme.example")
    saved = await client.put(f"/api/systems/{system_id}/continuity", headers=admin, json=PLAN)
    assert saved.status_code == 200, saved.text
    base = f"/api/systems/{system_id}/continuity"
    for email in ("admin@other.example", "tester@lab.example"):
        headers = auth(site, email)
        assert (await client.get(base, headers=headers)).status_code == 404
        assert (await client.get(f"{base}/drills", headers=headers)).status_code == 404
        stolen = await client.put(base, headers=headers, json={"version": 1, "notes": "x"})
        assert stolen.status_code == 404
    assert (
        await client.get("/api/continuity", headers=auth(site, "tester@lab.example"))
    ).status_code == 404
    other = await client.get("/api/continuity", headers=auth(site, "admin@other.example"))
    assert other.status_code == 200 and other.json() == []
    for email in ("viewer@acme.example", "audit@acme.example"):
        headers = auth(site, email)
        assert (await client.get(base, headers=headers)).json()["exists"] is True
        refused = await client.put(base, headers=headers, json={"version": 1, "notes": "x"})
        assert refused.status_code == 403
        drill = await client.post(
            f"{base}/drills", headers=headers,
            json={"held_on": "2026-01-01", "scenario": "outage", "outcome": "passed"},
        )  # fmt: skip
        assert drill.status_code == 403
    assert (await client.get(base, headers=admin)).json()["version"] == 1


async def test_a_tester_assigned_to_a_system_does_not_learn_whether_it_has_a_plan(
    site: Any,
) -> None:
    client = await site("admin@acme.example")
    system_id = await _system(site, client)  # a high tier system in deployment
    database: Database = site.app.state.database
    with database.transaction() as session:
        systems.assign_tester(
            session, orgs.cli_principal(session, "acme"), system_id, "tester@lab.example"
        )
    admin, tester = auth(site, "admin@acme.example"), auth(site, "tester@lab.example")
    query = ""
    seen = (await client.get(f"/api/systems/{system_id}/check{query}", headers=admin)).json()
    assert "no-continuity-plan" in [m["code"] for m in seen["missing"]]
    checked = await client.get(f"/api/systems/{system_id}/check{query}", headers=tester)
    assert checked.status_code == 200, checked.text
    assert not {m["code"] for m in checked.json()["missing"]} & {
        "no-continuity-plan", "no-recent-drill",
    }  # fmt: skip
    gate = await client.get(f"/api/systems/{system_id}/gate", headers=tester)
    assert gate.status_code == 200
    assert "continuity" not in [item["code"] for item in gate.json()["items"]]
    page = await (await site("tester@lab.example")).get(f"/systems/{system_id}")
    assert page.status_code == 200 and "/continuity" not in str(soup(page).select_one("main"))


async def test_limits_and_stale_versions_are_refused_with_reasons_in_both_languages(
    site: Any,
) -> None:
    client = await site("admin@acme.example")
    system_id = await _system(site, client)
    admin, base = auth(site, "admin@acme.example"), f"/api/systems/{system_id}/continuity"
    bad = [
        {"version": 0, "scenarios": [{"kind": "outage", "rto": {"value": -5, "unit": "hours"}}]},
        {"version": 0, "scenarios": [{"kind": "outage", "rto": {"value": 10**12}}]},
        {"version": 0, "dependencies": [{"name": f"d{i}"} for i in range(51)]},
        {"version": 0, "contacts": [{"name": "x", "reach": "y" * 201}]},
        {"version": 0, "notes": "x" * 4001},
        {"version": -1},
    ]
    for body in bad:
        refused = await client.put(base, headers=admin, json=body)
        assert refused.status_code == 422, body
        assert refused.json().get("detail_ja"), refused.text
    assert (await client.get(base, headers=admin)).json()["exists"] is False
    too_long = {
        "version": 0,
        "scenarios": [{"kind": "outage", "rpo": {"value": 400, "unit": "days"}}],
    }
    refused = await client.put(base, headers=admin, json=too_long)
    assert refused.status_code == 422 and "366日以内" in refused.json()["detail_ja"]
    assert (await client.put(base, headers=admin, json=PLAN)).status_code == 200
    stale = await client.put(base, headers=admin, json=PLAN | {"notes": "後から"})
    assert stale.status_code == 409 and stale.json()["detail_ja"]
    assert (await client.get(base, headers=admin)).json()["notes"] == ""
    future = (date.today() + timedelta(days=3)).isoformat()
    drill = await client.post(
        f"{base}/drills", headers=admin,
        json={"held_on": future, "scenario": "outage", "outcome": "passed"},
    )  # fmt: skip
    assert drill.status_code == 422 and "未来" in drill.json()["detail_ja"]


async def test_the_api_refuses_the_move_into_operation_until_a_plan_and_a_recent_drill(
    site: Any,
) -> None:
    client = await site("admin@acme.example")
    system_id = await _system(site, client)
    _answer_everything(site, system_id)
    admin, ceo = auth(site, "admin@acme.example"), auth(site, "ceo@acme.example")
    check = await client.get(f"/api/systems/{system_id}/check", headers=admin)
    assert [m["code"] for m in check.json()["missing"]] == ["no-continuity-plan", "no-recent-drill"]
    assert "事業継続計画" in check.json()["missing"][0]["ja"]
    direct = await client.patch(
        f"/api/systems/{system_id}", headers=admin, json={"version": 1, "stage": "operate"}
    )
    assert direct.status_code == 409
    request = await client.post(
        f"/api/systems/{system_id}/stage-requests", headers=admin, json={"to_stage": "operate"}
    )
    assert request.status_code == 201, request.text
    decision = f"/api/approvals/{request.json()['id']}/decision"
    refused = await client.post(decision, headers=ceo, json={"approve": True, "reason": "ok"})
    assert refused.status_code == 409 and "事業継続" in refused.json()["detail_ja"]
    executive = await site("ceo@acme.example")  # the approvals page refuses it the same way
    inbox = soup(await executive.get("/approvals"))
    page = await executive.post(
        f"/approvals/{request.json()['id']}",
        data={"csrf": csrf(inbox), "decision": "approve", "reason": "ok"},
    )
    assert page.status_code == 409 and "事業継続計画" in page.text
    base = f"/api/systems/{system_id}/continuity"
    assert (await client.put(base, headers=admin, json=PLAN)).status_code == 200
    old = (date.today() - timedelta(days=400)).isoformat()
    recorded = await client.post(
        f"{base}/drills", headers=admin,
        json={"held_on": old, "scenario": "outage", "outcome": "partial", "findings": SCRIPT},
    )  # fmt: skip
    assert recorded.status_code == 201, recorded.text
    still = await client.post(decision, headers=ceo, json={"approve": True, "reason": "ok"})
    assert still.status_code == 409 and "no-recent-drill" not in still.text
    assert "365" in still.json()["detail"]
    recent = (date.today() - timedelta(days=20)).isoformat()
    await client.post(
        f"{base}/drills", headers=admin,
        json={"held_on": recent, "scenario": "outage", "outcome": "passed"},
    )  # fmt: skip
    drills = (await client.get(f"{base}/drills", headers=admin)).json()
    assert [d["held_on"] for d in drills] == [recent, old]  # latest first
    approved = await client.post(decision, headers=ceo, json={"approve": True, "reason": "確認"})
    assert approved.status_code == 200, approved.text
    system = (await client.get(f"/api/systems/{system_id}", headers=admin)).json()
    assert system["stage"] == "operate"


async def test_the_pages_write_a_plan_record_a_drill_and_show_the_gate(site: Any) -> None:
    client = await site("admin@acme.example")
    system_id = await _system(site, client)
    page = await client.get(f"/systems/{system_id}/continuity")
    assert page.status_code == 200
    html = soup(page)
    assert html.select_one("#continuity-gate")["data-state"] == "missing"  # type: ignore[index]
    assert html.select_one("#dep-name-0")["value"] == "gpt-x"  # type: ignore[index]
    form = {"csrf": csrf(html), "version": "0", "dep-name-0": "gpt-x", "dep-kind-0": "model",
            "dep-name-1": SCRIPT, "dep-kind-1": "people", "sc-outage": "on",
            "sc-outage-procedure": "手作業に切り替える", "sc-outage-rto-value": "-3",
            "sc-outage-rto-unit": "hours", "ct-name-0": "山田", "notes": ""}  # fmt: skip
    refused = await client.post(f"/systems/{system_id}/continuity", data=form)
    assert refused.status_code == 422 and soup(refused).select_one("#plan-errors")
    kept = soup(refused)  # what was typed stays in the form
    assert kept.select_one("#sc-outage-rto-value")["value"] == "-3"  # type: ignore[index]
    assert kept.select_one("#sc-outage").has_attr("checked")  # type: ignore[union-attr]
    assert kept.select_one("#ct-name-0")["value"] == "山田"  # type: ignore[index]
    form["sc-outage-rto-value"] = "4"
    saved = await client.post(f"/systems/{system_id}/continuity", data=form)
    assert saved.status_code == 303, saved.text
    html = soup(await client.get(f"/systems/{system_id}/continuity"))
    assert html.select_one("#dep-name-1")["value"] == SCRIPT  # type: ignore[index]
    assert not any("alert" in (tag.string or "") for tag in html.select("script"))
    assert html.select_one("#sc-outage-rto-value")["value"] == "4"  # type: ignore[index]
    future = {"csrf": csrf(html), "held_on": "2999-01-01", "scenario": "outage",
              "outcome": "partial", "findings": "未来の訓練"}  # fmt: skip
    refused = await client.post(f"/systems/{system_id}/continuity/drills", data=future)
    assert refused.status_code == 422
    kept = soup(refused)  # the drill form keeps the choices that were made
    assert kept.select_one("#drill-outcome option[selected]")["value"] == "partial"  # type: ignore[index]
    assert kept.select_one("#drill-scenario option[selected]")["value"] == "outage"  # type: ignore[index]
    assert kept.select_one("#drill-findings").get_text() == "未来の訓練"  # type: ignore[union-attr]
    drill = {"csrf": csrf(html), "held_on": date.today().isoformat(), "scenario": "outage",
             "outcome": "passed", "findings": "4時間で復旧"}  # fmt: skip
    assert (
        await client.post(f"/systems/{system_id}/continuity/drills", data=drill)
    ).status_code == 303
    html = soup(await client.get(f"/systems/{system_id}/continuity"))
    assert html.select_one("#continuity-gate")["data-state"] == "met"  # type: ignore[index]
    assert len(html.select("#drill-list li")) == 1
    stale = await client.post(f"/systems/{system_id}/continuity", data=form)  # version 0 again
    assert stale.status_code == 409
    english = await client.get(
        f"/systems/{system_id}/continuity", headers={"Accept-Language": "en"}
    )
    assert english.status_code == 200
    overview = soup(await client.get("/continuity"))
    row = overview.select_one(f'li[data-system="{system_id}"]')
    assert row is not None and row.select_one("[data-missing]") is None
    system_page = soup(await client.get(f"/systems/{system_id}"))
    assert system_page.select_one("#continuity-link") is not None
    tester = await site("tester@lab.example")
    assert (await tester.get(f"/systems/{system_id}/continuity")).status_code == 404
    assert (await tester.get("/continuity")).status_code == 404
    viewer = await site("viewer@acme.example")
    shown = soup(await viewer.get(f"/systems/{system_id}/continuity"))
    assert shown.select_one("#plan-form") is None and shown.select_one("#scenario-list")


async def test_the_dashboard_names_high_tier_systems_without_a_plan_or_a_recent_drill(
    site: Any,
) -> None:
    client = await site("admin@acme.example")
    without = await _system(site, client)
    drilled = await _system(site, client, name="与信審査 2")
    admin = auth(site, "admin@acme.example")
    await client.put(f"/api/systems/{drilled}/continuity", headers=admin, json=PLAN)
    await client.post(
        f"/api/systems/{drilled}/continuity/drills", headers=admin,
        json={"held_on": date.today().isoformat(), "scenario": "outage", "outcome": "passed"},
    )  # fmt: skip
    data = (await client.get("/api/dashboard", headers=admin)).json()["continuity"]
    assert data["required"] == 2
    assert [r["system_id"] for r in data["without_plan"]] == [without]
    section = soup(await client.get("/dashboard")).select_one("#continuity-summary")
    assert section is not None and section["data-without-plan"] == "1"
    assert section.select_one(f'li[data-system="{without}"]') is not None
    assert section.select_one(f'li[data-system="{drilled}"]') is None
