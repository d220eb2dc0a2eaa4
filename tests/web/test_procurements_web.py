"""Procurements through the JSON API and the pages: the checklist, recording one, filling
its checklist (a reason for "not applicable", a stale version refused), the CSV annex with
formulas kept as text, the readable annex, the links from the system and vendor pages,
and what other roles and organisations get."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.procurements import CHECKLIST
from tekisei.core.systems import SystemFacts
from tekisei.core.vendors import VendorFields
from tekisei.services import orgs, systems, users, vendors
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


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
            ("auditor@acme.example", "acme", Role.AUDITOR),
            ("tester@acme.example", "acme", Role.EXTERNAL_TESTER),
            ("admin@other.example", "other", Role.ADMIN),
        ]:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role, "cli",
                must_change_password=False,
            )  # fmt: skip
            tokens[email] = users.create_token(session, email, org)[0]
        acme = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate({"name": "窓口案内AI", "org_role": "user"})
        system_id = systems.register_system(session, acme, facts).id
        vendor_id = vendors.add_vendor(session, acme, VendorFields(name="クラウドAI社")).id
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield {"client": client, "tokens": tokens, "system": system_id, "vendor": vendor_id}
    app.state.database.close()


def bearer(site: dict[str, Any], email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site['tokens'][email]}"}


async def signed_in(client: httpx.AsyncClient, email: str = "admin@acme.example") -> None:
    page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
    login = page.select_one('input[name="login_csrf"]')
    assert login is not None
    response = await client.post(
        "/signin",
        data={"email": email, "password": PASSWORD, "next": "/systems",
              "login_csrf": str(login["value"])},
    )  # fmt: skip
    assert response.status_code == 303, response.text


def csrf_of(html: str, form: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one(f'#{form} input[name="csrf"]')
    assert found is not None, form
    return str(found["value"])


async def test_the_api_records_fills_and_exports_a_procurement(site: dict[str, Any]) -> None:
    client, admin, system = site["client"], bearer(site, "admin@acme.example"), site["system"]
    url = f"/api/systems/{system}/procurements"
    sheet = (await client.get("/api/procurements/checklist", headers=admin)).json()
    assert len(sheet["items"]) == len(CHECKLIST) and "tekisei" in sheet["wording_ja"]
    too_long = await client.post(url, headers=admin, json={"title": "x" * 201})
    assert too_long.status_code == 422
    unsigned = await client.post(url, headers=admin, json={"title": "t", "phase": "contracted"})
    assert unsigned.status_code == 422
    made = await client.post(
        url, headers=admin,
        json={"title": "=cmd|' /C calc'!A0", "kind": "service", "vendor_id": site["vendor"],
              "reference": "R8-001", "tender_on": "2026-02-01"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["completeness"]["settled"] == 0 and body["vendor_name"] == "クラウドAI社"
    item = f"{url}/{body['id']}"
    no_reason = await client.put(
        f"{item}/checklist", headers=admin,
        json={"version": 1, "items": {"personal-abroad": {"status": "not_applicable"}}},
    )  # fmt: skip
    assert no_reason.status_code == 422
    unknown = await client.put(
        f"{item}/checklist", headers=admin,
        json={"version": 1, "items": {"no-such": {"status": "open"}}},
    )  # fmt: skip
    assert unknown.status_code == 422 and unknown.json()["detail_ja"]
    filled = await client.put(
        f"{item}/checklist", headers=admin,
        json={"version": 1, "items": {
            "personal-abroad": {"status": "not_applicable", "note": "国内のみ"},
            "data-location": {"status": "in_contract", "note": "+SUM(1)"}}},
    )  # fmt: skip
    assert filled.status_code == 200 and filled.json()["completeness"]["settled"] == 2
    stale = await client.put(
        f"{item}/checklist", headers=admin,
        json={"version": 1, "items": {"data-location": {"status": "open"}}},
    )  # fmt: skip
    assert stale.status_code == 409
    moved = await client.patch(item, headers=admin, json={"version": 2, "phase": "contracted"})
    assert moved.status_code == 200 and "eval-results" in moved.json()["completeness"]["gaps"]
    exported = await client.get(f"{item}/checklist.csv", headers=admin, params={"lang": "en"})
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["Procurement", "'=cmd|' /C calc'!A0"]
    cells = {r[0]: r for r in rows if r and r[0] == "data-location"}
    assert cells["data-location"][4:] == ["In the contract", "'+SUM(1)"]
    assert (await client.get(f"{item}/checklist.csv", headers=admin,
                             params={"lang": "fr"})).status_code == 422  # fmt: skip
    # readers read; they write nothing
    for email in ("viewer@acme.example", "auditor@acme.example"):
        reader = bearer(site, email)
        assert (await client.get(item, headers=reader)).status_code == 200
        assert (await client.post(url, headers=reader, json={"title": "t"})).status_code == 403
        put = await client.put(
            f"{item}/checklist", headers=reader,
            json={"version": 3, "items": {"data-location": {"status": "open"}}},
        )  # fmt: skip
        assert put.status_code == 403
    # testers and other organisations: not found
    for email in ("tester@acme.example", "admin@other.example"):
        outsider = bearer(site, email)
        assert (await client.get(url, headers=outsider)).status_code == 404
        assert (await client.get(item, headers=outsider)).status_code == 404
        assert (await client.get(f"{item}/checklist.csv", headers=outsider)).status_code == 404
    other = bearer(site, "admin@other.example")
    foreign_vendor = await client.post(
        url, headers=admin, json={"title": "t", "vendor_id": 2**31 - 1}
    )
    assert foreign_vendor.status_code == 404
    assert (await client.post(url, headers=other, json={"title": "t"})).status_code == 404


async def test_the_pages_record_and_fill_a_procurement(site: dict[str, Any]) -> None:
    client, system, vendor = site["client"], site["system"], site["vendor"]
    await signed_in(client)
    listing = await client.get(f"/systems/{system}/procurements")
    assert listing.status_code == 200 and "no-procurements" in listing.text
    token = csrf_of(listing.text, "procurement-form")
    refused = await client.post(
        f"/systems/{system}/procurements/new?lang=ja",
        data={"csrf": token, "title": "住民向けAI", "phase": "contracted", "vendor_id": ""},
    )
    assert refused.status_code == 422
    assert "契約した事業者を指定してください" in refused.text
    made = await client.post(
        f"/systems/{system}/procurements/new",
        data={"csrf": token, "title": "住民向けAI", "kind": "system", "phase": "tender",
              "vendor_id": str(vendor), "reference": "R8-002"},
    )  # fmt: skip
    assert made.status_code == 303
    page_url = made.headers["location"]
    page = await client.get(page_url + "?lang=ja")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#our-wording") is not None
    areas = [s["data-area"] for s in soup.select("section.procurement-area")]
    assert areas[0] == "data" and "subcontractors" in areas
    assert soup.select_one('[data-item="rights-deliverables"]') is not None  # a system item
    assert soup.select_one('[data-item="data-no-training"]') is None  # a service item
    token = csrf_of(page.text, "checklist-form")
    bad = await client.post(
        page_url + "/checklist?lang=ja",
        data={"csrf": token, "version": "1", "status-personal-abroad": "not_applicable",
              "note-personal-abroad": "", "status-data-location": "in_tender",
              "note-data-location": "仕様書3.2"},
    )  # fmt: skip
    assert bad.status_code == 422
    shown = BeautifulSoup(bad.text, "html.parser")
    assert "理由を書いてください" in shown.select_one("#err-item-personal-abroad").text  # type: ignore[union-attr]
    kept = shown.select_one("#note-data-location")
    assert kept is not None and kept.text == "仕様書3.2"  # what was typed is kept
    saved = await client.post(
        page_url + "/checklist",
        data={"csrf": token, "version": "1", "status-personal-abroad": "not_applicable",
              "note-personal-abroad": "国内のみ", "status-data-location": "in_tender",
              "note-data-location": "<script>x</script>"},
    )  # fmt: skip
    assert saved.status_code == 303
    again = await client.get(page_url)
    assert "<script>x</script>" not in again.text and "&lt;script&gt;" in again.text
    assert (
        BeautifulSoup(again.text, "html.parser")
        .select_one("#procurement-settled")
        .text.startswith("2 /")
    )  # type: ignore[union-attr]
    stale = await client.post(
        page_url + "/checklist",
        data={"csrf": token, "version": "1", "status-data-location": "open"},
    )
    assert stale.status_code == 409
    annex = await client.get(page_url + "/annex?lang=en")
    assert annex.status_code == 200 and "Written by tekisei" in annex.text
    assert "In the tender" in annex.text
    system_page = await client.get(f"/systems/{system}")
    assert f"/systems/{system}/procurements" in system_page.text
    vendor_page = BeautifulSoup((await client.get(f"/vendors/{vendor}")).text, "html.parser")
    assert vendor_page.select_one("#vendor-procurements a")["href"] == page_url  # type: ignore[index]


async def test_a_viewer_sees_the_checklist_without_forms(site: dict[str, Any]) -> None:
    client, system = site["client"], site["system"]
    admin = bearer(site, "admin@acme.example")
    made = await client.post(
        f"/api/systems/{system}/procurements", headers=admin, json={"title": "閲覧用"}
    )
    await signed_in(client, "viewer@acme.example")
    page = await client.get(f"/systems/{system}/procurements/{made.json()['id']}")
    assert page.status_code == 200 and "checklist-form" not in page.text
    assert "procurement-form" not in (await client.get(f"/systems/{system}/procurements")).text
