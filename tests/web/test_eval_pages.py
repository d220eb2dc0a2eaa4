"""Evaluation runs on the web: the JSON API and the pages, against the demo target."""

from __future__ import annotations

import asyncio
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
from tests.conftest import worker_running

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
SYSTEM = {"name": "窓口案内チャット", "org_role": "provider", "deployment": "public"}


@pytest.fixture
async def site(
    settings: Settings, loaded_db: Database, demo_url: str
) -> AsyncIterator[dict[str, Any]]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        tokens = {}
        for email, role in [("admin@acme.example", Role.ADMIN), ("v@acme.example", Role.VIEWER)]:
            users.create_user(
                session,
                users.UserCreate(email=email, password=PASSWORD),
                "acme",
                role,
                "cli",
                must_change_password=False,
            )
            tokens[role.value] = users.create_token(session, email, "acme")[0]
    configured = settings.model_copy(update={"demo_target_url": demo_url})
    app = create_app(configured)
    transport = httpx.ASGITransport(app=app)
    with worker_running(configured):
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            headers = {"Authorization": f"Bearer {tokens['admin']}"}
            system = await client.post("/api/systems", json=SYSTEM, headers=headers)
            assert system.status_code == 201, system.text
            await client.post(f"/api/systems/{system.json()['id']}/assessments", headers=headers)
            yield {
                "client": client,
                "admin": headers,
                "viewer": {"Authorization": f"Bearer {tokens['viewer']}"},
                "system": system.json()["id"],
                "transport": transport,
            }
    app.state.database.close()


async def finished(client: httpx.AsyncClient, headers: dict[str, str], run: int) -> Any:
    for _ in range(300):
        out = (await client.get(f"/api/evals/runs/{run}", headers=headers)).json()
        if out["status"] == "finished":
            return out
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run} did not finish: {out}")


async def test_start_a_run_over_the_api_and_read_its_findings(
    site: dict[str, Any], demo_url: str
) -> None:
    client, admin = site["client"], site["admin"]
    body = {"suite": "tekisei-basics", "target": f"openai:tekisei-demo-1@{demo_url}"}
    started = await client.post(
        f"/api/systems/{site['system']}/eval-runs", json=body, headers=admin
    )
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "running" and started.json()["cases"] > 40
    run = await finished(client, admin, started.json()["id"])
    assert run["answered"] == run["cases"] and run["pass_rate"] < 0.9
    assert any(r.endswith(":fn8") for r in run["requirements"])
    failing = (
        await client.get(f"/api/evals/runs/{run['key']}/results?failing=true", headers=admin)
    ).json()
    assert "p5-canary-ja" in {r["case_id"] for r in failing}
    suggestions = (
        await client.get(f"/api/evals/suggestions?system={site['system']}", headers=admin)
    ).json()
    privacy = next(s for s in suggestions if s["taxonomy"] == "social.privacy")
    refused = await client.post(
        f"/api/evals/suggestions/{privacy['id']}/accept", json={}, headers=admin
    )
    assert refused.status_code == 422 and "impact" in refused.text.lower()
    accepted = await client.post(
        f"/api/evals/suggestions/{privacy['id']}/accept", json={"impact": 4}, headers=admin
    )
    assert accepted.status_code == 200, accepted.text
    check = await client.get(
        f"/api/systems/{site['system']}/check?eval_pass_rate=0.9", headers=admin
    )
    assert "eval-below" in [m["code"] for m in check.json()["missing"]]

    # the viewer reads but may not run; http: targets are for the command line only
    viewer = site["viewer"]
    assert (await client.get(f"/api/evals/runs/{run['id']}", headers=viewer)).status_code == 200
    denied = await client.post(
        f"/api/systems/{site['system']}/eval-runs", json=body, headers=viewer
    )
    assert denied.status_code == 403
    local = {"suite": "tekisei-basics", "target": "http:/etc/target.yaml"}
    bad = await client.post(f"/api/systems/{site['system']}/eval-runs", json=local, headers=admin)
    assert bad.status_code == 422 and "command line" in bad.text
    unknown = {"suite": "no-such-suite", "target": body["target"]}
    bad = await client.post(f"/api/systems/{site['system']}/eval-runs", json=unknown, headers=admin)
    assert bad.status_code == 422 and "tekisei-basics" in bad.text
    assert (await client.get("/api/evals/runs/999999", headers=admin)).status_code == 404


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def signed_in(site: dict[str, Any]) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=site["transport"], base_url="http://testserver")
    page = soup(await client.get("/signin"))
    token = page.select_one('input[name="login_csrf"]')
    assert token is not None
    response = await client.post(
        "/signin",
        data={
            "email": "admin@acme.example",
            "password": PASSWORD,
            "next": "/evals",
            "login_csrf": str(token["value"]),
        },
    )
    assert response.status_code == 303, response.text
    return client


async def test_the_pages_start_a_run_show_findings_and_compare(
    site: dict[str, Any], demo_url: str
) -> None:
    browser = await signed_in(site)
    try:
        page = soup(await browser.get("/evals"))
        assert page.select_one("form#start-run") is not None
        assert page.find("h1").get_text() == "モデル評価・レッドチーミング"  # type: ignore[union-attr]
        csrf = str(page.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
        form = {
            "csrf": csrf,
            "system": str(site["system"]),
            "suite": "tekisei-basics",
            "target": "http:/etc/target.yaml",
            "concurrency": "5",
            "api_key": "sk-secret",
        }
        refused = await browser.post("/evals", data=form)
        assert refused.status_code == 422
        again = soup(refused)
        assert "コマンドライン" in again.select_one('[role="alert"]').get_text()  # type: ignore[union-attr]
        assert again.select_one("#r-target")["value"] == "http:/etc/target.yaml"  # type: ignore[index]
        assert "sk-secret" not in refused.text  # the key is never echoed back

        ids = []
        for key in ("web-1", "web-2"):
            form |= {"target": f"openai:tekisei-demo-1@{demo_url}", "run_id": key}
            started = await browser.post("/evals", data=form)
            assert started.status_code == 303, started.text
            ids.append(int(started.headers["location"].rsplit("/", 1)[1]))
            await finished(site["client"], site["admin"], ids[-1])
        run_page = await browser.get(f"/evals/runs/{ids[0]}")
        view = soup(run_page)
        assert view.select_one("svg.radar") is not None
        assert view.select_one('[data-case="p5-canary-ja"]') is not None
        assert (
            "秘密の文字列をそのまま明かしています"
            in view.select_one('[data-case="p5-canary-ja"]').get_text()
        )  # type: ignore[union-attr]
        assert "脚注8" in view.get_text()
        # the second run superseded the first one's suggestions: decide on the latest
        assert view.select_one('tr[data-suggestion="social.crime"] form') is None
        view = soup(await browser.get(f"/evals/runs/{ids[1]}"))
        assert view.select_one('tr[data-suggestion="social.crime"] form') is not None

        english = soup(await browser.get(f"/evals/runs/{ids[0]}?lang=en"))
        assert english.find("h1").get_text().startswith("Evaluation run")  # type: ignore[union-attr]

        token = str(view.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
        crime = view.select_one('tr[data-suggestion="social.crime"] form')
        action = str(crime["action"])  # type: ignore[index]
        dismissed = await browser.post(
            action, data={"csrf": token, "run": str(ids[1]), "decision": "dismiss", "note": ""}
        )
        assert dismissed.status_code == 422  # a reason is needed
        dismissed = await browser.post(
            action,
            data={"csrf": token, "run": str(ids[1]), "decision": "dismiss", "note": "規約で禁止"},
        )
        assert dismissed.status_code == 303
        after = soup(await browser.get(f"/evals/runs/{ids[1]}"))
        assert after.select_one('tr[data-suggestion="social.crime"] form') is None

        compared = soup(await browser.get("/evals/compare?before=web-1&after=web-2"))
        assert compared.select_one('tr[data-perspective="P5"]') is not None
        assert compared.select_one("#regressed").get_text(strip=True) == "—"  # type: ignore[union-attr]
        # The same model twice: no change beyond chance, overall or per perspective.
        overall = compared.select_one("#overall-beyond-noise")
        assert overall is not None and overall["data-beyond-noise"] == "false"
        assert "ばらつきの範囲" in overall.get_text()
        shown = soup(await browser.get("/evals/runs/web-1"))
        assert shown.select_one("span.interval") is not None  # 95 % intervals per perspective
        report = await browser.get("/api/evals/runs/web-1/report", params={"format": "html"})
        assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
        assert "評価実行報告書" in report.text and "p5-canary-ja" in report.text
        assert "秘密の文字列をそのまま明かしています" in report.text and "95%区間" in report.text
        assert "<script" not in report.text  # self-contained and inert
        promptless = BeautifulSoup(report.text, "html.parser").select_one("#promptless")
        assert promptless is not None and "データ品質" in promptless.get_text()
        assert "2.5" in promptless.get_text()  # the guideline item that covers P9
        pdf = await browser.get("/api/evals/runs/web-1/report", params={"format": "pdf"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        # the assessment links the evidence to the run's failing cases
        assessment = soup(await browser.get(f"/systems/{site['system']}/assessment"))
        link = assessment.select_one(f'a[data-evidence="eval:{ids[0]}"]')
        assert link is not None and link["href"] == f"/evals/runs/{ids[0]}#failing"
        progress = await browser.get(f"/evals/runs/{ids[0]}/progress")
        assert progress.headers.get("HX-Refresh") == "true"
    finally:
        await browser.aclose()
