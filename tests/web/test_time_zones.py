"""Times in the organisation's time zone (issue 12 item 8): one stored instant reads on each
organisation's clock, with the zone named, on pages, in reports and in exports; the API
gives it in ISO 8601 with its offset; admins choose the zone (audited); an unknown zone
is refused in the reader's language."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.risks import RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.services import assessments, orgs, risks, systems, users
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.web.test_workspace_pages import login_token, soup

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
MOMENT = datetime(2026, 12, 2, 10, 13, tzinfo=UTC)
"""The stored instant: 19:13 in Tokyo, 10:13 in London, 05:13 in New York."""


@pytest.fixture
async def zones(settings: Settings, loaded_db: Database) -> AsyncIterator[dict[str, Any]]:
    """Two organisations, Acme on the deployment's zone (Asia/Tokyo) and Thames in
    Europe/London, each with an admin, a token, a system, an assessment and a risk
    accepted at ``MOMENT``."""
    found: dict[str, Any] = {}
    with loaded_db.transaction() as session:
        for slug, zone in (("acme", None), ("thames", "Europe/London")):
            orgs.create_org(
                session,
                OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS], time_zone=zone),
                "cli",
            )
            email = f"admin@{slug}.example"
            users.create_user(
                session,
                users.UserCreate(email=email, password=PASSWORD),
                slug,
                Role.ADMIN,
                "cli",
                must_change_password=False,
            )
            token, _ = users.create_token(session, email, slug)
            who = orgs.cli_principal(session, slug)
            facts = SystemFacts.model_validate({"name": "窓口チャットボット", "org_role": "user"})
            system = systems.register_system(session, who, facts)
            assessments.start_assessment(session, who, system.id)
            fields = RiskFields(
                title="誤回答", taxonomy=["technical.hallucination"], likelihood=2, impact=2
            )
            risk = risks.add_risk(session, who, system.id, fields)
            risk.accepted_at = MOMENT
            risk.acceptance_note = "受容"
            risk.updated_at = MOMENT
            found[slug] = {"token": token, "system": system.id, "risk": risk.id, "email": email}
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        found["client"] = client
        found["db"] = loaded_db
        yield found
    app.state.database.close()


async def signed_in(zones: dict[str, Any], slug: str) -> httpx.AsyncClient:
    client: httpx.AsyncClient = zones["client"]
    client.cookies.clear()
    response = await client.post(
        "/signin",
        data={
            "email": zones[slug]["email"],
            "password": PASSWORD,
            "next": "/systems",
            "login_csrf": await login_token(client),
        },
    )
    assert response.status_code == 303, response.text
    return client


def bearer(zones: dict[str, Any], slug: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {zones[slug]['token']}"}


async def test_one_stored_instant_reads_on_each_organisations_clock_with_the_zone_named(
    zones: dict[str, Any],
) -> None:
    expected = {
        "acme": ("2026-12-02 19:13 JST", "2026-12-02T19:13:00+09:00"),
        "thames": ("2026-12-02 10:13 GMT", "2026-12-02T10:13:00+00:00"),
    }
    for slug, (on_page, in_export) in expected.items():
        client = await signed_in(zones, slug)
        page = soup(await client.get(f"/risks/{zones[slug]['risk']}"))
        accepted = page.select_one("#accepted-at")
        assert accepted is not None and accepted.get_text() == on_page
        assert datetime.fromisoformat(str(accepted["datetime"])) == MOMENT
        exported = await client.get("/api/risks/export", params={"format": "csv", "lang": "en"})
        table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert table[0]["Updated"] == in_export
        client.cookies.clear()
        api = (
            await client.get(f"/api/risks/{zones[slug]['risk']}", headers=bearer(zones, slug))
        ).json()
        for name in ("accepted_at", "updated_at"):
            stamp = datetime.fromisoformat(api[name])
            assert stamp.utcoffset() is not None and stamp == MOMENT, api[name]


async def test_reports_are_dated_on_the_organisations_clock(zones: dict[str, Any]) -> None:
    for slug, zone in (("acme", "JST"), ("thames", ("GMT", "BST"))):
        report = await zones["client"].get(
            f"/api/systems/{zones[slug]['system']}/assessment/report",
            params={"format": "html", "lang": "en"},
            headers=bearer(zones, slug),
        )
        assert report.status_code == 200, report.text
        line = soup(report).select_one("p.muted")
        assert line is not None
        generated = line.get_text().rsplit("Generated:", 1)[1].strip()
        assert generated.endswith(zone), generated


async def test_an_admin_chooses_the_zone_on_the_settings_page_and_the_change_is_audited(
    zones: dict[str, Any],
) -> None:
    client = await signed_in(zones, "acme")
    page = soup(await client.get("/org"))
    field = page.select_one("input#time_zone")
    assert field is not None and field["value"] == "" and field["placeholder"] == "Asia/Tokyo"
    assert page.select_one('datalist#time-zones option[value="America/New_York"]') is not None
    hint = [code.get_text() for code in page.select("#time-zone-hint code")]
    assert hint == ["Asia/Tokyo", "Europe/London", "Asia/Tokyo"]  # examples, then the default
    form = {
        "csrf": str(page.select_one('input[name="csrf"]')["value"]),  # type: ignore[index]
        "version": "1",
        "name": "Acme",
        "actors": "business",
        "time_zone": "America/New_York",
    }
    saved = await client.post("/org", data=form)
    assert saved.status_code == 303, saved.text
    field = soup(await client.get("/org")).select_one("input#time_zone")
    assert field is not None and field["value"] == "America/New_York"
    risk = soup(await client.get(f"/risks/{zones['acme']['risk']}")).select_one("#accepted-at")
    assert risk is not None and risk.get_text() == "2026-12-02 05:13 EST"
    client.cookies.clear()
    api = (await client.get("/api/orgs/current", headers=bearer(zones, "acme"))).json()
    assert (api["time_zone"], api["time_zone_is_default"]) == ("America/New_York", False)
    # an empty field goes back to the deployment's zone
    back = await client.patch(
        "/api/orgs/current", headers=bearer(zones, "acme"), json={"version": 2, "time_zone": ""}
    )
    assert back.status_code == 200, back.text
    assert (back.json()["time_zone"], back.json()["time_zone_is_default"]) == ("Asia/Tokyo", True)
    with zones["db"].reading() as session:
        changes = [
            (e.summary["before"]["time_zone"], e.summary["after"]["time_zone"], e.actor)
            for e in session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.action == "org.update")
                .order_by(AuditEventRow.seq)
            )
        ]
    assert changes == [
        (None, "America/New_York", "admin@acme.example"),
        ("America/New_York", None, "admin@acme.example"),
    ]
    # the other organisation's clock did not move
    thames = (await client.get("/api/orgs/current", headers=bearer(zones, "thames"))).json()
    assert thames["time_zone"] == "Europe/London"


@pytest.mark.parametrize(
    ("lang", "words"),
    [("ja", "タイムゾーン「Asia/Tokio」は存在しません"), ("en", "unknown time zone 'Asia/Tokio'")],
)
async def test_an_unknown_zone_is_refused_in_the_readers_language(
    zones: dict[str, Any], lang: str, words: str
) -> None:
    client = await signed_in(zones, "acme")
    page = soup(await client.get("/org", params={"lang": lang}))
    form = {
        "csrf": str(page.select_one('input[name="csrf"]')["value"]),  # type: ignore[index]
        "version": "1",
        "name": "Acme",
        "actors": "business",
        "time_zone": "Asia/Tokio",
    }
    refused = await client.post("/org", data=form, params={"lang": lang})
    assert refused.status_code == 422
    alert = soup(refused).select_one('[role="alert"]')
    assert alert is not None and words in alert.get_text() and "Asia/Tokyo" in alert.get_text()
    client.cookies.clear()
    api = await client.patch(
        "/api/orgs/current",
        headers=bearer(zones, "acme"),
        json={"version": 1, "time_zone": "Asia/Tokio"},
    )
    assert api.status_code == 422
    body = api.json()
    assert "unknown time zone 'Asia/Tokio'" in body["detail"]
    assert "タイムゾーン「Asia/Tokio」は存在しません" in body["detail_ja"]
    with zones["db"].reading() as session:
        assert orgs.get_org(session, "acme").time_zone is None  # nothing was changed
