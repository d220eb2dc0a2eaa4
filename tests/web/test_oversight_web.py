"""Oversight across organisations through the JSON API and the pages: grant, read,
share a system, revoke; every organisation that did not grant is 404 (never 403, never
counts); roles; hostile input; the pages in Japanese with their headings and labels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
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


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[dict[str, Any]]:
    tokens: dict[str, str] = {}
    with loaded_db.transaction() as session:
        for slug, name in (("city", "みどり市"), ("pref", "みどり県"), ("town", "あおば町")):
            orgs.create_org(
                session, OrgCreate(name=name, slug=slug, actors=[OrgActor.LOCAL]), "cli"
            )
        for email, org, role in [
            ("admin@city.example", "city", Role.ADMIN),
            ("viewer@city.example", "city", Role.VIEWER),
            ("admin@pref.example", "pref", Role.ADMIN),
            ("audit@pref.example", "pref", Role.AUDITOR),
            ("editor@pref.example", "pref", Role.EDITOR),
            ("admin@town.example", "town", Role.ADMIN),
        ]:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role, "cli",
                must_change_password=False,
            )  # fmt: skip
            tokens[email] = users.create_token(session, email, org)[0]
        ids = {}
        for slug, name in (("city", "住民問い合わせチャットボット"), ("town", "町の秘密の翻訳AI")):
            facts = SystemFacts.model_validate({"name": name, "org_role": "user"})
            ids[slug] = systems.register_system(
                session, orgs.cli_principal(session, slug), facts
            ).id
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield {"client": client, "tokens": tokens, "systems": ids}
    app.state.database.close()


def bearer(site: dict[str, Any], email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site['tokens'][email]}"}


async def test_grant_read_share_and_revoke_through_the_api(site: dict[str, Any]) -> None:
    client = site["client"]
    city, pref = bearer(site, "admin@city.example"), bearer(site, "audit@pref.example")
    chatbot = site["systems"]["city"]
    assert (await client.get("/api/oversight/orgs/city", headers=pref)).status_code == 404
    assert (await client.get("/api/oversight", headers=pref)).json()["orgs"] == []
    viewer = bearer(site, "viewer@city.example")
    refused = await client.post(
        "/api/oversight/grants", headers=viewer, json={"supervisor": "pref"}
    )
    assert refused.status_code == 403 and "detail_ja" in refused.json()
    # typed as people type it: full-width, capitals, spaces around
    made = await client.post(
        "/api/oversight/grants", headers=city, json={"supervisor": " ＰＲＥＦ "}
    )
    assert made.status_code == 201, made.text
    assert made.json()["supervisor"] == "pref"
    again = await client.post("/api/oversight/grants", headers=city, json={"supervisor": "pref"})
    assert again.status_code == 409
    seen = await client.get("/api/oversight/orgs/city", headers=pref)
    assert seen.status_code == 200 and seen.json()["aggregates"]["systems"] == 1
    assert "チャットボット" not in seen.text and seen.json()["systems"] == []
    version = made.json()["version"]
    shared = await client.put("/api/oversight/grants/pref", headers=city,
                              json={"systems": [chatbot], "version": version})  # fmt: skip
    assert shared.status_code == 200, shared.text
    stale = await client.put("/api/oversight/grants/pref", headers=city,
                             json={"systems": [], "version": version})  # fmt: skip
    assert stale.status_code == 409
    seen = await client.get("/api/oversight/orgs/city", headers=pref)
    assert [s["name"] for s in seen.json()["systems"]] == ["住民問い合わせチャットボット"]
    overview = (await client.get("/api/oversight", headers=pref)).json()
    assert [o["slug"] for o in overview["orgs"]] == ["city"] and overview["totals"]["systems"] == 1
    assert len(overview["trend"]) == 1
    editor = bearer(site, "editor@pref.example")
    assert (await client.get("/api/oversight/orgs/city", headers=editor)).status_code == 403
    # The city's audit log shows the supervisor's reads.
    log = (
        await client.get("/api/audit/events", headers=city, params={"action": "oversight.read"})
    ).json()
    assert log["total"] >= 3
    revoked = await client.delete("/api/oversight/grants/pref", headers=city)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    gone = await client.get("/api/oversight/orgs/city", headers=pref)
    assert gone.status_code == 404 and "住民" not in gone.text
    assert (await client.get("/api/oversight", headers=pref)).json()["orgs"] == []


async def test_an_organisation_that_did_not_grant_is_404_with_nothing_of_it(
    site: dict[str, Any],
) -> None:
    client = site["client"]
    town = bearer(site, "admin@town.example")
    city, pref = bearer(site, "admin@city.example"), bearer(site, "admin@pref.example")
    await client.post("/api/oversight/grants", headers=city, json={"supervisor": "pref"})
    for slug in ("town", "nobody", "pref"):
        response = await client.get(f"/api/oversight/orgs/{slug}", headers=pref)
        assert response.status_code == 404 and "翻訳" not in response.text
    # A third organisation sees nothing of the city, and cannot change the city's grant.
    assert (await client.get("/api/oversight/orgs/city", headers=town)).status_code == 404
    assert (await client.delete("/api/oversight/grants/pref", headers=town)).status_code == 404
    stolen = await client.post(
        "/api/oversight/grants", headers=town,
        json={"supervisor": "pref", "systems": [site["systems"]["city"]]},
    )  # fmt: skip
    assert stolen.status_code == 404
    overview = await client.get("/api/oversight", headers=pref)
    assert [o["slug"] for o in overview.json()["orgs"]] == [
        "city"
    ] and "あおば" not in overview.text


@pytest.mark.parametrize(
    "body",
    [
        {"supervisor": "x" * 65},
        {"supervisor": "Pref; DROP"},
        {"supervisor": 12345},
        {"supervisor": "pr\u200bef"},
        {"supervisor": "pref", "systems": [0]},
        {"supervisor": "pref", "systems": list(range(1, 202))},
        {"supervisor": "pref", "extra": 1},
    ],
)
async def test_hostile_grant_bodies_are_refused_with_422(
    site: dict[str, Any], body: dict[str, Any]
) -> None:
    response = await site["client"].post(
        "/api/oversight/grants", headers=bearer(site, "admin@city.example"), json=body
    )
    assert response.status_code == 422


async def signed_in(client: httpx.AsyncClient, email: str) -> None:
    page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
    login = page.select_one('input[name="login_csrf"]')
    assert login is not None
    response = await client.post(
        "/signin",
        data={"email": email, "password": PASSWORD, "next": "/oversight",
              "login_csrf": str(login["value"])},
    )  # fmt: skip
    assert response.status_code == 303, response.text


def csrf_of(html: str, form: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one(f'{form} input[name="csrf"]')
    assert found is not None
    return str(found["value"])


async def test_the_pages_grant_show_aggregates_and_revoke(site: dict[str, Any]) -> None:
    client = site["client"]
    await signed_in(client, "admin@city.example")
    page = await client.get("/oversight/grants")
    soup = BeautifulSoup(page.text, "html.parser")
    assert page.status_code == 200 and soup.select_one("h1").get_text() == "監督の許可"
    assert soup.select_one('label[for="supervisor"]') is not None
    token = csrf_of(page.text, "#grant-form")
    unknown = await client.post("/oversight/grants", data={"csrf": token, "supervisor": "nobody"})
    assert unknown.status_code == 404
    assert BeautifulSoup(unknown.text, "html.parser").select_one("#grant-error") is not None
    chatbot = str(site["systems"]["city"])
    made = await client.post(
        "/oversight/grants", data={"csrf": token, "supervisor": "pref", "systems": chatbot}
    )
    assert made.status_code == 303
    listed = BeautifulSoup((await client.get("/oversight/grants")).text, "html.parser")
    row = listed.select_one('tr[data-supervisor="pref"]')
    assert row is not None and row["data-active"] == "yes" and "チャットボット" in row.get_text()

    client.cookies.clear()
    await signed_in(client, "admin@pref.example")
    board = BeautifulSoup((await client.get("/oversight")).text, "html.parser")
    assert board.select_one('tr[data-org="city"] a').get_text() == "みどり市"
    assert board.select_one("#oversight-totals") is not None
    detail = await client.get("/oversight/orgs/city")
    soup = BeautifulSoup(detail.text, "html.parser")
    assert soup.select_one("h1").get_text() == "みどり市"
    assert (
        soup.select_one("#shared-systems tr[data-system] th").get_text()
        == "住民問い合わせチャットボット"
    )
    assert (await client.get("/oversight/orgs/town")).status_code == 404

    client.cookies.clear()
    await signed_in(client, "admin@city.example")
    page = await client.get("/oversight/grants")
    token = csrf_of(page.text, "form.revoke")
    assert (
        await client.post("/oversight/grants/pref/revoke", data={"csrf": token})
    ).status_code == 303

    client.cookies.clear()
    await signed_in(client, "admin@pref.example")
    assert (await client.get("/oversight/orgs/city")).status_code == 404
    empty = BeautifulSoup((await client.get("/oversight")).text, "html.parser")
    assert empty.select_one("#no-grants") is not None and "みどり市" not in empty.get_text()


async def test_the_trend_shows_completeness_and_a_month_without_a_snapshot_as_no_data(
    site: dict[str, Any], loaded_db: Database
) -> None:
    from datetime import UTC, datetime, timedelta

    from tekisei.services import oversight

    client = site["client"]
    city = bearer(site, "admin@city.example")
    assert (
        await client.post("/api/oversight/grants", headers=city, json={"supervisor": "pref"})
    ).status_code == 201
    today = datetime.now(UTC).date()
    back = (today.replace(day=1) - timedelta(days=40)).replace(day=10)  # two months back
    with loaded_db.transaction() as session:
        oversight.take_snapshots(session, "cli", back)
    pref = bearer(site, "admin@pref.example")
    trend = (await client.get("/api/oversight", headers=pref)).json()["trend"]
    assert [(p["data"], p["organisations"]) for p in trend] == [(True, 1), (False, 0), (True, 1)]
    assert trend[1]["systems"] is None and "assessment_completeness" in trend[0]
    await signed_in(client, "admin@pref.example")
    board = BeautifulSoup((await client.get("/oversight")).text, "html.parser")
    headers = [th.get_text() for th in board.select("#oversight-trend thead th")]
    assert "アセスメントの回答率" in headers
    gap = board.select("#oversight-trend tr[data-no-data]")
    assert len(gap) == 1 and "データなし" in gap[0].get_text()
    detail = BeautifulSoup((await client.get("/oversight/orgs/city")).text, "html.parser")
    assert len(detail.select("#org-trend tr[data-no-data]")) == 1
