"""Energy records through the JSON API and the page: figures as exact decimals, limits
and rules refused with their field (in Japanese too), roles and other organisations, the
public switch with its version, and the environmental section of the public notice and
governance statement — there when the switch is on, absent when it is off."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.systems import SystemFacts
from tekisei.services import notices, orgs, statements, systems, users
from tekisei.services.database import Database
from tekisei.services.demo import load_demo
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
RECORD = {
    "phase": "inference",
    "start": "2026-04-01",
    "end": "2026-09-30",
    "kwh": "1200",
    "basis": "estimated",
    "factor": "0.441",
    "factor_source": "東西電力 2025年度 基礎排出係数",
    "source": "GPU 2基 × 0.4 kW × 24時間 × 183日 × PUE 1.5",
    "compute": "クラウドGPU（L4）2基 <script>alert(1)</script>",
}


@pytest.fixture
async def site(
    settings: Settings, loaded_db: Database, tmp_path: Path
) -> AsyncIterator[dict[str, Any]]:
    tokens: dict[str, str] = {}
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session,
                OrgCreate(name=f"{slug.title()} 市", slug=slug, actors=[OrgActor.LOCAL],
                          responsible_person="デジタル推進課長"),
                "cli",
            )  # fmt: skip
        for email, org, role in [
            ("admin@acme.example", "acme", Role.ADMIN),
            ("viewer@acme.example", "acme", Role.VIEWER),
            ("admin@other.example", "other", Role.ADMIN),
        ]:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role, "cli",
                must_change_password=False,
            )  # fmt: skip
            tokens[email] = users.create_token(session, email, org)[0]
        acme = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate(
            {"name": "住民問い合わせチャットボット", "org_role": "user",
             "purpose": "住民の問い合わせに答える。", "deployment": "public",
             "contact_window": "市民課", "responsible_person": "市民課長"}
        )  # fmt: skip
        system_id = systems.register_system(session, acme, facts).id
        version = notices.draft_notice(session, acme, system_id).version
    with loaded_db.transaction() as session:
        notices.publish_notice(session, acme, system_id, version,
                               files_dir=tmp_path / "files", max_bytes=1024 * 1024)  # fmt: skip
        public_id = notices.get_notice(session, acme, system_id).public_id
        statements.publish_statement(session, acme)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield {"client": client, "tokens": tokens, "system": system_id, "public_id": public_id}
    app.state.database.close()


def pdf_text(content: bytes) -> str:
    """The PDF's text, lines joined (a table cell may be broken over lines)."""
    pages = PdfReader(io.BytesIO(content)).pages
    return "".join(page.extract_text() or "" for page in pages).replace("\n", "")


def bearer(site: dict[str, Any], email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site['tokens'][email]}"}


async def signed_in(client: httpx.AsyncClient, email: str = "admin@acme.example") -> str:
    page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
    login = page.select_one('input[name="login_csrf"]')
    assert login is not None
    response = await client.post(
        "/signin",
        data={"email": email, "password": PASSWORD, "next": "/systems",
              "login_csrf": str(login["value"])},
    )  # fmt: skip
    assert response.status_code == 303, response.text
    return client.cookies.get("tekisei_session") or ""


async def csrf_of(client: httpx.AsyncClient, url: str) -> tuple[BeautifulSoup, str]:
    page = BeautifulSoup((await client.get(url)).text, "html.parser")
    token = page.select_one('input[name="csrf"]')
    assert token is not None
    return page, str(token["value"])


async def test_the_api_records_figures_exactly_and_refuses_what_cannot_be_right(
    site: dict[str, Any],
) -> None:
    client, admin, system = site["client"], bearer(site, "admin@acme.example"), site["system"]
    url = f"/api/systems/{system}/energy"
    added = await client.post(url, headers=admin, json=RECORD)
    assert added.status_code == 201, added.text
    assert (added.json()["kwh"], added.json()["emissions_kg"]) == ("1200.000", "529.200")
    as_number = await client.post(url, headers=admin, json=RECORD | {"kwh": 0.1, "factor": 0.2})
    assert as_number.json()["emissions_kg"] == "0.020"
    for bad, field in [({"kwh": "-1"}, "kwh"), ({"kwh": "1e11"}, "kwh"),
                       ({"factor": "3"}, "factor"), ({"factor_source": ""}, "factor_source"),
                       ({"end": "2026-03-01"}, "end"), ({"source": "x" * 1001}, "source"),
                       ({"colour": "green"}, "colour")]:  # fmt: skip
        refused = await client.post(url, headers=admin, json=RECORD | bad)
        assert refused.status_code == 422, bad
        assert field in str(refused.json()["detail"]), bad
    japanese = await client.post(url, headers=admin, json=RECORD | {"factor_source": ""})
    assert "出典" in japanese.json()["detail_ja"]
    summary = (await client.get(f"{url}/summary", headers=admin)).json()
    assert summary["summary"]["kwh"] == "1200.100" and summary["summary"]["estimated_share"] == 1.0
    assert summary["publication"] == {"published": False, "show_sources": False,
                                      "own_choice": False, "version": 0,
                                      "updated_at": None, "updated_by": None}  # fmt: skip
    viewer = bearer(site, "viewer@acme.example")
    assert len((await client.get(url, headers=viewer)).json()) == 2
    assert (await client.post(url, headers=viewer, json=RECORD)).status_code == 403
    record = f"{url}/{added.json()['id']}"
    assert (await client.delete(record, headers=viewer)).status_code == 403
    other = bearer(site, "admin@other.example")
    for method, target in [("GET", url), ("GET", record), ("DELETE", record),
                           ("GET", f"{url}/summary")]:  # fmt: skip
        assert (await client.request(method, target, headers=other)).status_code == 404
    assert (await client.post(url, headers=other, json=RECORD)).status_code == 404
    switch = await client.put(f"{url}/publication", headers=other,
                              json={"published": True, "version": 0})  # fmt: skip
    assert switch.status_code == 404
    assert (await client.delete(record, headers=admin)).status_code == 204
    assert (await client.get(record, headers=admin)).status_code == 404


async def test_the_public_notice_and_statement_show_the_figures_only_when_switched_on(
    site: dict[str, Any],
) -> None:
    client, admin, system = site["client"], bearer(site, "admin@acme.example"), site["system"]
    url = f"/api/systems/{system}/energy"
    await client.post(url, headers=admin, json=RECORD)
    notice_url, statement_url = f"/notices/{site['public_id']}", "/orgs/acme/statement"

    async def sections() -> list[Any]:
        found = []
        for page in (notice_url, statement_url):
            response = await client.get(page, params={"lang": "ja"})
            assert response.status_code == 200, response.text
            found.append(BeautifulSoup(response.text, "html.parser").select_one("#energy"))
        return found

    assert await sections() == [None, None]
    api = f"/api/public/notices/{site['public_id']}/energy"
    assert (await client.get(api)).status_code == 404
    # an organisation that shows nothing answers as one that does not exist
    nothing = await client.get("/api/public/orgs/acme/energy")
    unknown = await client.get("/api/public/orgs/no-such-org/energy")
    assert nothing.status_code == unknown.status_code == 404
    assert nothing.json() == unknown.json()
    stale = await client.put(f"{url}/publication", headers=admin,
                             json={"published": True, "version": 3})  # fmt: skip
    assert stale.status_code == 409
    on = await client.put(f"{url}/publication", headers=admin,
                          json={"published": True, "version": 0})  # fmt: skip
    assert on.status_code == 200 and on.json()["version"] == 1
    notice, statement = await sections()
    assert notice is not None and statement is not None
    text = notice.get_text(" ", strip=True)
    assert "1,200 kWh" in text and "529.2 kg-CO2e" in text and "推計値" in text
    assert "0.441 kg-CO2e/kWh" in text and "東西電力 2025年度 基礎排出係数" in text
    assert "GPU 2基" not in text and "クラウドGPU" not in text  # no compute, no figure source
    assert "住民問い合わせチャットボット" in statement.get_text()
    public = (await client.get(api)).json()
    assert public["emissions_kg"] == "529.200" and "source" not in public
    assert [e["system_name"] for e in (await client.get("/api/public/orgs/acme/energy")).json()] \
        == ["住民問い合わせチャットボット"]  # fmt: skip
    english = await client.get(notice_url, params={"lang": "en"})
    assert "Estimate" in BeautifulSoup(english.text, "html.parser").select_one("#energy").get_text()  # type: ignore[union-attr]
    off = await client.put(f"{url}/publication", headers=admin,
                           json={"published": False, "version": 1})  # fmt: skip
    assert off.status_code == 200
    assert await sections() == [None, None]
    assert (await client.get(api)).status_code == 404


async def test_the_page_adds_shows_errors_switches_and_removes(site: dict[str, Any]) -> None:
    client, system = site["client"], site["system"]
    await signed_in(client)
    page_url = f"/systems/{system}/energy"
    page, csrf = await csrf_of(client, page_url)
    assert page.select_one("#no-energy") is not None and page.select_one("#energy-form")
    form = RECORD | {"csrf": csrf}
    bad = await client.post(page_url, data=form | {"kwh": "12,5", "factor_source": ""},
                            params={"lang": "ja"})  # fmt: skip
    assert bad.status_code == 422
    shown = BeautifulSoup(bad.text, "html.parser")
    assert shown.select_one("#err-kwh") is not None
    assert "出典" in shown.select_one("#err-factor_source").get_text()  # type: ignore[union-attr]
    assert shown.select_one("#kwh")["aria-invalid"] == "true"  # type: ignore[index]
    assert shown.select_one("#source").get_text() == RECORD["source"]  # type: ignore[union-attr]
    saved = await client.post(page_url, data=form | {"factor": "", "factor_source": ""})
    assert saved.status_code == 303
    page = BeautifulSoup((await client.get(page_url, params={"lang": "ja"})).text, "html.parser")
    assert page.select_one("#flash") is not None
    assert page.select_one("#total-kwh").get_text() == "1,200 kWh"  # type: ignore[union-attr]
    assert page.select_one("#without-factor") is not None
    assert "<script>" not in str(page.select_one("#energy-records"))
    switch = page.select_one("#publication-form")
    assert switch is not None
    fields = {str(i["name"]): str(i.get("value", "")) for i in switch.select("input")}
    assert (await client.post(f"{page_url}/publication", data=fields)).status_code == 303
    again = await client.post(f"{page_url}/publication", data=fields)  # the same stale form
    assert again.status_code == 409
    assert BeautifulSoup(again.text, "html.parser").select_one("#err-publication") is not None
    page = BeautifulSoup((await client.get(page_url)).text, "html.parser")
    assert "お知らせ" in page.select_one("#publication-state").get_text()  # type: ignore[union-attr]
    remove = page.select_one("#energy-records form")
    assert remove is not None
    done = await client.post(str(remove["action"]), data={"csrf": csrf})
    assert done.status_code == 303
    page = BeautifulSoup((await client.get(page_url)).text, "html.parser")
    assert page.select_one("#energy-records") is None
    system_page = BeautifulSoup((await client.get(f"/systems/{system}")).text, "html.parser")
    assert system_page.select_one("#energy-link")["href"] == page_url  # type: ignore[index]


async def test_viewers_see_the_page_without_forms(site: dict[str, Any]) -> None:
    client, system = site["client"], site["system"]
    await client.post(f"/api/systems/{system}/energy",
                      headers=bearer(site, "admin@acme.example"), json=RECORD)  # fmt: skip
    await signed_in(client, "viewer@acme.example")
    page = BeautifulSoup((await client.get(f"/systems/{system}/energy")).text, "html.parser")
    assert page.select_one("#energy-records li") is not None
    assert [f for f in page.select("form") if "/energy" in str(f.get("action"))] == []
    assert page.select_one("#energy-form") is None


async def test_the_demo_citys_chatbot_shows_its_inference_estimate_publicly(
    settings: Settings, loaded_db: Database, tmp_path: Path
) -> None:
    load_demo(loaded_db, tmp_path)
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        figures = (await client.get("/api/public/orgs/demo-city/energy")).json()
        assert [f["system_name"] for f in figures] == ["住民問い合わせチャットボット"]
        assert figures[0]["phases"][0]["phase"] == "inference"
        assert figures[0]["phases"][0]["basis"] == "estimated"
        register = (await client.get("/api/public/orgs/demo-city/register")).json()
        notice = await client.get(register["systems"][0]["notice_url"], params={"lang": "ja"})
        section = BeautifulSoup(notice.text, "html.parser").select_one("#energy")
        assert section is not None and "推計値" in section.get_text()
        assert "711.5 kg-CO2e" in section.get_text()  # 1,581 kWh × 0.45
    app.state.database.close()


async def test_the_pdfs_and_json_twins_carry_the_figures_and_follow_every_change(
    site: dict[str, Any],
) -> None:
    """The notice's and statement's PDFs (kept per process) and JSON show what the pages
    show: after the switch is turned on, a record added, the switch turned off, each PDF
    read again says so, in Japanese and English."""
    client, admin, system = site["client"], bearer(site, "admin@acme.example"), site["system"]
    url = f"/api/systems/{system}/energy"
    await client.post(url, headers=admin, json=RECORD)
    notice_pdf, statement_pdf = f"/notices/{site['public_id']}/pdf", "/orgs/acme/statement/pdf"
    notice_json = f"/api/public/notices/{site['public_id']}"
    statement_json = "/api/public/orgs/acme/statement"

    async def printed(lang: str = "ja") -> list[str]:
        found = []
        for address in (notice_pdf, statement_pdf):
            response = await client.get(address, params={"lang": lang})
            assert response.headers["content-type"] == "application/pdf", response.text
            found.append(pdf_text(response.content))
        return found

    before = await printed()
    assert all("環境負荷" not in text and "kWh" not in text for text in before)
    assert (await client.get(notice_json)).json()["energy"] is None
    assert (await client.get(statement_json)).json()["energy"] == []
    on = await client.put(f"{url}/publication", headers=admin,
                          json={"published": True, "version": 0})  # fmt: skip
    assert on.status_code == 200
    notice, statement = await printed()
    for text in (notice, statement):
        assert "環境負荷" in text and "1,200 kWh" in text and "529.2 kg-CO2e" in text
        assert "0.441 kg-CO2e/kWh" in text and "東西電力 2025年度 基礎排出係数" in text
        assert "推計値" in text and "推論（運用）" in text
        assert "GPU 2基" not in text and "クラウドGPU" not in text  # never public
    assert "住民問い合わせチャットボット" in statement
    english = await printed("en")
    assert all("Environmental load" in t and "Estimate" in t for t in english)
    twin = (await client.get(notice_json)).json()["energy"]
    assert (twin["kwh"], twin["emissions_kg"]) == ("1200.000", "529.200")
    assert twin["factors"] == [{"factor": "0.441", "source": "東西電力 2025年度 基礎排出係数"}]
    assert (await client.get(f"{notice_json}/versions/1")).json()["energy"] == twin
    listed = (await client.get(statement_json)).json()["energy"]
    assert [e["system_name"] for e in listed] == ["住民問い合わせチャットボット"]
    assert listed[0] == twin | {"system_name": "住民問い合わせチャットボット"}
    measured = RECORD | {"kwh": "100.5", "basis": "measured", "factor": None,
                         "factor_source": ""}  # fmt: skip
    assert (await client.post(url, headers=admin, json=measured)).status_code == 201
    notice, statement = await printed()
    for text in (notice, statement):
        assert "1,300.5 kWh" in text and "1,200 kWh" not in text
        assert "100.5 kWh" in text  # has no emission factor: left out of the emissions
    assert (await client.get(notice_json)).json()["energy"]["kwh"] == "1300.500"
    off = await client.put(f"{url}/publication", headers=admin,
                           json={"published": False, "version": 1})  # fmt: skip
    assert off.status_code == 200
    assert all("環境負荷" not in t and "kWh" not in t for t in await printed())
    assert all("Environmental load" not in t for t in await printed("en"))
    assert (await client.get(notice_json)).json()["energy"] is None
    assert (await client.get(statement_json)).json()["energy"] == []


async def test_the_organisation_default_shows_systems_that_have_not_chosen(
    site: dict[str, Any], loaded_db: Database
) -> None:
    """Off until an administrator turns it on; then every system without its own choice
    (also one registered later) is shown, a system switched off itself is not; viewers and
    stale versions are refused; another organisation's default changes nothing here."""
    client, system = site["client"], site["system"]
    admin, viewer = bearer(site, "admin@acme.example"), bearer(site, "viewer@acme.example")
    other = bearer(site, "admin@other.example")
    default_url = "/api/orgs/current/energy-default"
    await client.post(f"/api/systems/{system}/energy", headers=admin, json=RECORD)
    read = (await client.get(default_url, headers=viewer)).json()
    assert (read["published"], read["version"], read["following"]) == (False, 0, 1)
    denied = await client.put(default_url, headers=viewer, json={"published": True, "version": 0})
    assert denied.status_code == 403
    there = await client.put(default_url, headers=other, json={"published": True, "version": 0})
    assert there.status_code == 200 and there.json()["following"] == 0
    assert (await client.get("/api/public/orgs/acme/energy")).status_code == 404
    assert (await client.get(default_url, headers=admin)).json()["published"] is False
    for bad in ({"published": True, "version": 5}, {"published": True, "version": -1},
                {"published": "yes please", "version": 0}, {"published": True}):  # fmt: skip
        refused = await client.put(default_url, headers=admin, json=bad)
        assert refused.status_code in (409, 422), bad
    on = await client.put(default_url, headers=admin, json={"published": True, "version": 0})
    assert on.status_code == 200 and on.json()["version"] == 1
    notice_json = f"/api/public/notices/{site['public_id']}"
    assert (await client.get(notice_json)).json()["energy"]["kwh"] == "1200.000"
    summary = (await client.get(f"/api/systems/{system}/energy/summary", headers=admin)).json()
    assert summary["publication"] | {"updated_at": None} == {
        "published": True, "show_sources": False, "own_choice": False, "version": 0,
        "updated_at": None, "updated_by": None,
    }  # fmt: skip
    later = await client.post("/api/systems", headers=admin,
                              json={"name": "議事録要約", "org_role": "user"})  # fmt: skip
    assert later.status_code == 201, later.text
    later_id = later.json()["id"]
    await client.post(f"/api/systems/{later_id}/energy", headers=admin,
                      json=RECORD | {"kwh": "7"})  # fmt: skip
    shown = (await client.get("/api/public/orgs/acme/energy")).json()
    assert sorted(e["system_name"] for e in shown) == ["住民問い合わせチャットボット", "議事録要約"]
    await client.put(f"/api/systems/{system}/energy/publication", headers=admin,
                     json={"published": False, "version": 0})  # fmt: skip
    assert (await client.get(notice_json)).json()["energy"] is None
    statement = (await client.get("/api/public/orgs/acme/statement")).json()
    assert [e["system_name"] for e in statement["energy"]] == ["議事録要約"]
    pdf = pdf_text((await client.get("/orgs/acme/statement/pdf?lang=ja")).content)
    assert "議事録要約" in pdf and "7 kWh" in pdf and "1,200 kWh" not in pdf
    assert (await client.get(default_url, headers=admin)).json()["following"] == 1
    await client.put(f"/api/systems/{later_id}/energy/publication", headers=admin,
                     json={"published": True, "version": 0})  # fmt: skip
    off = await client.put(default_url, headers=admin, json={"published": False, "version": 1})
    assert off.status_code == 200 and off.json()["following"] == 0
    shown = (await client.get("/api/public/orgs/acme/energy")).json()
    assert [e["system_name"] for e in shown] == ["議事録要約"]  # its own choice holds
    events = (await client.get("/api/audit/events", headers=admin,
                               params={"action": "energy.default"})).json()  # fmt: skip
    assert [e["summary"]["published"] for e in events["items"]] == [False, True]
    theirs = (await client.get("/api/audit/events", headers=other,
                               params={"action": "energy.default"})).json()  # fmt: skip
    assert theirs["total"] == 1


async def test_the_organisation_page_switches_the_default_for_administrators_only(
    site: dict[str, Any],
) -> None:
    client = site["client"]
    await signed_in(client, "viewer@acme.example")
    page = BeautifulSoup((await client.get("/org", params={"lang": "ja"})).text, "html.parser")
    assert "公開しません" in page.select_one("#energy-default-state").get_text()  # type: ignore[union-attr]
    assert page.select_one("#energy-default-form") is None
    client.cookies.clear()
    await signed_in(client)
    page, _ = await csrf_of(client, "/org")
    form = page.select_one("#energy-default-form")
    assert form is not None and form["action"] == "/org/energy-default"
    fields = {str(i["name"]): str(i.get("value", "")) for i in form.select("input")}
    assert fields["published"] == "1" and fields["version"] == "0"
    assert (await client.post("/org/energy-default", data=fields)).status_code == 303
    stale = await client.post("/org/energy-default", data=fields, params={"lang": "ja"})
    assert stale.status_code == 409
    assert (
        "変更されています"
        in BeautifulSoup(stale.text, "html.parser").select_one(".error-message").get_text()
    )  # type: ignore[union-attr]
    page = BeautifulSoup((await client.get("/org", params={"lang": "ja"})).text, "html.parser")
    assert "掲載します" in page.select_one("#energy-default-state").get_text()  # type: ignore[union-attr]
    assert "1件" in page.select_one("#energy-default-following").get_text()  # type: ignore[union-attr]
    energy = BeautifulSoup(
        (await client.get(f"/systems/{site['system']}/energy", params={"lang": "ja"})).text,
        "html.parser",
    )
    assert energy.select_one("#publication-default") is not None


async def test_the_source_of_each_figure_is_public_only_when_chosen(
    site: dict[str, Any],
) -> None:
    """Off by default (a source may name an invoice or a contract); chosen, each record's
    figure and source are on the notice, the statement, their JSON and PDFs, escaped;
    taking the figures down takes the choice with them; only the system's own switch
    shows sources, never the organisation's default."""
    client, admin, system = site["client"], bearer(site, "admin@acme.example"), site["system"]
    url = f"/api/systems/{system}/energy"
    hostile = RECORD | {"source": "請求書 <script>alert(1)</script> 第42号"}
    assert (await client.post(url, headers=admin, json=hostile)).status_code == 201
    notice_json = f"/api/public/notices/{site['public_id']}"
    notice_page = f"/notices/{site['public_id']}"
    on = await client.put(f"{url}/publication", headers=admin,
                          json={"published": True, "version": 0})  # fmt: skip
    assert on.json()["show_sources"] is False
    assert (await client.get(notice_json)).json()["energy"]["sources"] is None
    page = await client.get(notice_page, params={"lang": "ja"})
    assert "請求書" not in page.text and "energy-sources" not in page.text
    chosen = await client.put(
        f"{url}/publication", headers=admin,
        json={"published": True, "show_sources": True, "version": 1},
    )  # fmt: skip
    assert chosen.status_code == 200 and chosen.json()["show_sources"] is True
    [source] = (await client.get(notice_json)).json()["energy"]["sources"]
    assert source["source"] == hostile["source"] and source["kwh"] == "1200.000"
    assert source["phase"] == RECORD["phase"] and source["basis"] == "estimated"
    statement = (await client.get("/api/public/orgs/acme/statement")).json()["energy"]
    assert statement[0]["sources"] == [source]
    page = await client.get(notice_page, params={"lang": "ja"})
    listed = BeautifulSoup(page.text, "html.parser").select_one(".energy-sources")
    assert listed is not None and hostile["source"] in listed.get_text()
    assert "<script>alert(1)</script>" not in page.text
    for address in (f"{notice_page}/pdf", "/orgs/acme/statement/pdf"):
        text = pdf_text((await client.get(address, params={"lang": "ja"})).content)
        assert "数値の出典" in text and "第42号" in text, address
    viewer = bearer(site, "viewer@acme.example")
    refused = await client.put(
        f"{url}/publication", headers=viewer,
        json={"published": True, "show_sources": False, "version": 2},
    )  # fmt: skip
    assert refused.status_code == 403
    off = await client.put(
        f"{url}/publication", headers=admin,
        json={"published": False, "show_sources": True, "version": 2},
    )  # fmt: skip
    assert off.json()["show_sources"] is False  # nothing is shown, sources neither
    again = await client.put(f"{url}/publication", headers=admin,
                             json={"published": True, "version": 3})  # fmt: skip
    assert again.json()["show_sources"] is False
    assert (await client.get(notice_json)).json()["energy"]["sources"] is None
