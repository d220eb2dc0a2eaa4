"""Decision records through the JSON API and the page: the import with every problem shown
and nothing written, statistics by month, the template, settings, purge, the public
statistics, and what other roles and organisations get."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest
from bs4 import BeautifulSoup

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.systems import SystemFacts
from tekisei.services import orgs, systems, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
HEADER = "案件番号,決定日,決定内容,根拠,AIの関与,AIの提案,審査結果,審査・決定者"
GOOD = "\n".join([
    HEADER,
    "R7-1,2026-04-01,支給,法第7条,決定案の提示,支給,採用,山田",
    "R7-2,2026-04-02,<script>alert(1)</script>,法第8条,決定案の提示,支給,修正,山田",
    "R7-3,2026-05-02,不支給,,check,,overridden,山田",
]) + "\n"  # fmt: skip


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[dict[str, Any]]:
    tokens: dict[str, str] = {}
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.LOCAL]), "cli"
            )
        for email, org, role in [
            ("admin@acme.example", "acme", Role.ADMIN),
            ("viewer@acme.example", "acme", Role.VIEWER),
            ("tester@acme.example", "acme", Role.EXTERNAL_TESTER),
            ("admin@other.example", "other", Role.ADMIN),
        ]:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role, "cli",
                must_change_password=False,
            )  # fmt: skip
            tokens[email] = users.create_token(session, email, org)[0]
        acme = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate({"name": "児童手当審査支援", "org_role": "user"})
        system_id = systems.register_system(session, acme, facts).id
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield {"client": client, "tokens": tokens, "system": system_id}
    app.state.database.close()


def bearer(site: dict[str, Any], email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site['tokens'][email]}"}


def upload(text: str, encoding: str = "utf-8") -> dict[str, Any]:
    return {"file": ("cases.csv", text.encode(encoding), "text/csv")}


async def signed_in(client: httpx.AsyncClient) -> str:
    page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
    login = page.select_one('input[name="login_csrf"]')
    assert login is not None
    response = await client.post(
        "/signin",
        data={"email": "admin@acme.example", "password": PASSWORD, "next": "/systems",
              "login_csrf": str(login["value"])},
    )  # fmt: skip
    assert response.status_code == 303, response.text
    return client.cookies.get("tekisei_session") or ""


async def test_the_api_imports_reports_problems_and_counts_by_month(site: dict[str, Any]) -> None:
    client, admin, system = site["client"], bearer(site, "admin@acme.example"), site["system"]
    url = f"/api/systems/{system}/decisions"
    hostile = GOOD + "R7-4,2026-04-31,=cmd|' /C calc'!A0,,check,,kept,x\n"
    bad = await client.post(f"{url}/import", headers=admin, files=upload(hostile))
    assert bad.status_code == 422
    assert {(e["row"], e["column"]) for e in bad.json()["errors"]} == {
        (5, "決定日"),
        (5, "決定内容"),
    }
    assert (await client.get(url, headers=admin)).json() == []
    done = await client.post(f"{url}/import", headers=admin, files=upload(GOOD, "cp932"))
    assert done.status_code == 200 and done.json()["created"] == 3
    stats = (await client.get(f"{url}/stats", headers=admin)).json()
    assert [(m["month"], m["count"]) for m in stats["months"]] == [("2026-04", 2), ("2026-05", 1)]
    assert stats["total"]["kept_share"] == 0.333
    period = await client.get(f"{url}/stats", headers=admin,
                              params={"start": "2026-05-01", "end": "2026-04-01"})  # fmt: skip
    assert period.status_code == 422
    viewer = bearer(site, "viewer@acme.example")
    assert len((await client.get(url, headers=viewer)).json()) == 3
    assert (
        await client.post(f"{url}/import", headers=viewer, files=upload(GOOD))
    ).status_code == 403
    tester = bearer(site, "tester@acme.example")
    assert (await client.get(url, headers=tester)).status_code == 404
    other = bearer(site, "admin@other.example")
    assert (await client.get(f"{url}/stats", headers=other)).status_code == 404
    assert (
        await client.post(f"{url}/import", headers=other, files=upload(GOOD))
    ).status_code == 404
    template = await client.get("/api/decisions/template.csv", headers=viewer,
                                params={"lang": "en"})  # fmt: skip
    assert template.content.decode("utf-8-sig").startswith("Case reference,Decided on")


async def test_published_statistics_are_public_and_name_no_case(site: dict[str, Any]) -> None:
    client, admin, system = site["client"], bearer(site, "admin@acme.example"), site["system"]
    await client.post(f"/api/systems/{system}/decisions/import", headers=admin, files=upload(GOOD))
    public = "/api/public/orgs/acme/decisions/stats"
    assert (await client.get(public)).status_code == 404  # no register published
    listed = await client.put(f"/api/register/systems/{system}", headers=admin, json={})
    assert listed.status_code == 200
    assert (await client.post("/api/register/publish", headers=admin)).status_code == 200
    assert (await client.get(public)).json() == []
    long_body = {"version": 0, "retention_days": 3650, "published": [system] * 1001}
    assert (
        await client.put("/api/decisions/settings", headers=admin, json=long_body)
    ).status_code == 422
    body = {"version": 0, "retention_days": 3650, "published": [system]}
    viewer = bearer(site, "viewer@acme.example")
    assert (
        await client.put("/api/decisions/settings", headers=viewer, json=body)
    ).status_code == 403
    saved = await client.put("/api/decisions/settings", headers=admin, json=body)
    assert saved.status_code == 200 and saved.json()["version"] == 1
    shown = await client.get(public)
    assert shown.json()[0]["total"]["count"] == 3 and "R7-" not in shown.text
    assert "山田" not in shown.text
    assert (await client.get("/api/public/orgs/nobody/decisions/stats")).status_code == 404
    assert (await client.post("/api/decisions/purge", headers=admin)).json() == {"deleted": 0}


async def test_the_page_shows_problems_then_the_statistics_and_escapes_text(
    site: dict[str, Any],
) -> None:
    client, system = site["client"], site["system"]
    await signed_in(client)
    page = await client.get(f"/systems/{system}/decisions")
    assert page.status_code == 200
    csrf = BeautifulSoup(page.text, "html.parser").select_one('#decision-import input[name="csrf"]')
    assert csrf is not None
    url = f"/systems/{system}/decisions/import"
    bad = await client.post(url, data={"csrf": str(csrf["value"])},
                            files=upload(GOOD + "R7-1,2026-06-01,x,,check,,kept,x\n"))  # fmt: skip
    assert bad.status_code == 422
    rows = BeautifulSoup(bad.text, "html.parser").select("table.import-errors tbody tr")
    assert [r["data-row"] for r in rows] == ["5"]
    checked = await client.post(url, data={"csrf": str(csrf["value"]), "dry_run": "1"},
                                files=upload(GOOD))  # fmt: skip
    assert "取り込みます" in checked.text or "would be added" in checked.text
    done = await client.post(url, data={"csrf": str(csrf["value"])}, files=upload(GOOD))
    html = BeautifulSoup(done.text, "html.parser")
    assert html.select_one("#import-result")["data-applied"] == "yes"  # type: ignore[index]
    months = [r["data-month"] for r in html.select("table.decision-stats tr[data-month]")]
    assert months == ["2026-04", "2026-05", "total"]
    assert "<script>alert(1)</script>" not in done.text and len(html.select("tr[data-case]")) == 3
    forged = await client.post(url, data={"csrf": "forged"}, files=upload(GOOD))
    assert forged.status_code == 403


async def sign_in_as(client: httpx.AsyncClient, email: str) -> None:
    client.cookies.clear()
    page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
    login = page.select_one('input[name="login_csrf"]')
    assert login is not None
    response = await client.post(
        "/signin",
        data={"email": email, "password": PASSWORD, "next": "/systems",
              "login_csrf": str(login["value"])},
    )  # fmt: skip
    assert response.status_code == 303, response.text


def page_csrf(text: str) -> str:
    found = BeautifulSoup(text, "html.parser").select_one('input[name="csrf"]')
    assert found is not None
    return str(found["value"])


async def test_the_settings_page_publishes_statistics_and_records_only_with_the_register(
    site: dict[str, Any],
) -> None:
    client, system = site["client"], site["system"]
    admin = bearer(site, "admin@acme.example")
    await client.post(f"/api/systems/{system}/decisions/import", headers=admin, files=upload(GOOD))
    await sign_in_as(client, "admin@acme.example")
    page = await client.get("/decisions/settings")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#decision-settings") is not None
    assert soup.select_one("#register-state")["data-published"] == "no"  # type: ignore[index]
    csrf = page_csrf(page.text)
    form = {"csrf": csrf, "version": "0", "retention_days": "3650", "published": str(system),
            "publish_records": "1"}  # fmt: skip
    assert (await client.post("/decisions/settings", data=form)).status_code == 303
    stale = await client.post("/decisions/settings", data=form)
    assert stale.status_code == 409 and "settings-error" in stale.text
    bad = await client.post("/decisions/settings", data=form | {"retention_days": "七日"})
    assert bad.status_code == 422

    # Opted in, but the register is not published: nothing is public.
    assert (await client.get("/api/public/orgs/acme/decisions/stats")).status_code == 404
    assert (await client.get("/orgs/acme/register")).status_code == 404
    await client.put(f"/api/register/systems/{system}", headers=admin, json={})
    await client.post("/api/register/publish", headers=admin)
    public = await client.get("/api/public/orgs/acme/register")
    schema = (await client.get("/api/public/register.schema.json")).json()
    jsonschema.validate(public.json(), schema)
    decisions = public.json()["systems"][0]["decisions"]
    assert decisions["total"] == {
        "count": 3, "kept": 1, "changed": 1, "overridden": 1,
        "kept_share": 0.333, "changed_share": 0.333, "overridden_share": 0.333,
    }  # fmt: skip
    assert sorted((r["month"], r["outcome"], r["changed"]) for r in decisions["records"]) == [
        ("2026-04", "changed", True), ("2026-04", "kept", False),
        ("2026-05", "overridden", True),
    ]  # fmt: skip
    for private in ("R7-", "山田", "法第", "script"):
        assert private not in public.text
    html = await client.get("/orgs/acme/register")
    soup = BeautifulSoup(html.text, "html.parser")
    assert soup.select_one(".register-decisions")["data-decisions"] == "3"  # type: ignore[index]
    assert len(soup.select(".register-records tbody tr")) == 3
    assert "R7-" not in html.text and "山田" not in html.text
    assert (await client.get("/api/public/orgs/acme/decisions/stats")).json()[0]["total"][
        "count"
    ] == 3
    sheet = await client.get("/api/public/orgs/acme/register.csv")
    header, row = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    counts = dict(zip(header, row, strict=True))
    assert [counts[f"decisions_{k}"] for k in ("total", "kept", "changed", "overridden")] == [
        "3", "1", "1", "1"
    ]  # fmt: skip

    # Records off: only the statistics; publication off: nothing.
    form = {"csrf": csrf, "version": "1", "retention_days": "3650", "published": str(system)}
    assert (await client.post("/decisions/settings", data=form)).status_code == 303
    entry = (await client.get("/api/public/orgs/acme/register")).json()["systems"][0]
    assert entry["decisions"]["records"] is None and entry["decisions"]["total"]["count"] == 3
    html = await client.get("/orgs/acme/register")
    assert BeautifulSoup(html.text, "html.parser").select_one(".register-records") is None
    form = {"csrf": csrf, "version": "2", "retention_days": "3650"}
    assert (await client.post("/decisions/settings", data=form)).status_code == 303
    entry = (await client.get("/api/public/orgs/acme/register")).json()["systems"][0]
    assert entry["decisions"] is None
    sheet = await client.get("/api/public/orgs/acme/register.csv")
    header, row = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert header[-4:] == ["decisions_total", "decisions_kept", "decisions_changed",
                           "decisions_overridden"] and row[-4:] == ["", "", "", ""]  # fmt: skip
    await client.post("/api/register/unpublish", headers=admin)
    assert (await client.get("/api/public/orgs/acme/decisions/stats")).status_code == 404

    purged = await client.post("/decisions/purge", data={"csrf": csrf})
    assert purged.status_code == 200 and 'data-deleted="0"' in purged.text


async def test_only_administrators_change_the_settings_and_only_their_own_systems(
    site: dict[str, Any],
) -> None:
    client, system = site["client"], site["system"]
    await sign_in_as(client, "viewer@acme.example")
    page = await client.get("/decisions/settings")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#decision-settings") is None
    assert soup.select_one("#settings-facts") is not None
    form = {"csrf": page_csrf(page.text), "version": "0", "retention_days": "3650"}
    assert (await client.post("/decisions/settings", data=form)).status_code == 403
    assert (await client.post("/decisions/purge", data={"csrf": form["csrf"]})).status_code == 403
    await sign_in_as(client, "tester@acme.example")
    assert (await client.get("/decisions/settings")).status_code == 404
    await sign_in_as(client, "admin@other.example")
    page = await client.get("/decisions/settings")
    assert "児童手当審査支援" not in page.text
    form = {"csrf": page_csrf(page.text), "version": "0", "retention_days": "3650",
            "published": str(system)}  # fmt: skip
    assert (await client.post("/decisions/settings", data=form)).status_code == 404
