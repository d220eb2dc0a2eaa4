"""Owners chosen from members on the pages and through the API (issue 12 item 9): the
forms offer the organisation's own members only, another organisation's member is refused
with the message next to the field, the owner written as text before is kept, and a
former member stays shown as such."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.risks import RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.db.risks import RiskRow
from tekisei.services import assessments, orgs, risks, systems, users
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.web.test_workspace_pages import login_token

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
PEOPLE = [
    ("admin@acme.example", "青木 管理", "acme", Role.ADMIN),
    ("tanaka@acme.example", "田中 一郎", "acme", Role.EDITOR),
    ("viewer@acme.example", "閲覧 花子", "acme", Role.VIEWER),
    ("suzuki@other.example", "鈴木 別組織", "other", Role.ADMIN),
]


@pytest.fixture
async def owners_site(settings: Settings, loaded_db: Database) -> AsyncIterator[dict[str, Any]]:
    found: dict[str, Any] = {"db": loaded_db, "ids": {}, "tokens": {}}
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        for email, name, slug, role in PEOPLE:
            user = users.create_user(
                session,
                users.UserCreate(email=email, name=name, password=PASSWORD),
                slug,
                role,
                "cli",
                must_change_password=False,
            )
            found["ids"][email] = user.id
            found["tokens"][email] = users.create_token(session, email, slug)[0]
        admin = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate(
            {"name": "画像生成サービス", "org_role": "provider", "domain": "content_generation"}
        )
        found["system"] = systems.register_system(session, admin, facts).id
        found["assessment"] = assessments.start_assessment(session, admin, found["system"]).id
        fields = RiskFields(
            title="誤回答", taxonomy=["technical.hallucination"], likelihood=3, impact=3
        )
        row = risks.add_risk(session, admin, found["system"], fields)
        row.owner_text = "人事部 田中"  # recorded before owners were chosen from members
        found["risk"] = row.id
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        found["client"] = client
        yield found
    app.state.database.close()


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def sign_in(site: dict[str, Any], email: str) -> httpx.AsyncClient:
    client: httpx.AsyncClient = site["client"]
    client.cookies.clear()
    response = await client.post(
        "/signin",
        data={
            "email": email,
            "password": PASSWORD,
            "next": "/systems",
            "login_csrf": await login_token(client),
        },
    )
    assert response.status_code == 303, response.text
    return client


def bearer(site: dict[str, Any], email: str) -> dict[str, str]:
    site["client"].cookies.clear()
    return {"Authorization": f"Bearer {site['tokens'][email]}"}


def form_values(page: BeautifulSoup) -> dict[str, Any]:
    """What the risk form would send as it stands."""
    form = page.select_one("form.stacked")
    assert form is not None
    data: dict[str, Any] = {}
    for field in form.select("input[name], textarea[name]"):
        if field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data.setdefault(str(field["name"]), []).append(str(field["value"]))
            continue
        data[str(field["name"])] = field.get("value", "") if field.name == "input" else field.text
    for select_ in form.select("select[name]"):
        chosen = select_.select_one("option[selected]") or select_.select_one("option")
        data[str(select_["name"])] = str(chosen["value"]) if chosen else ""
    return data


async def test_the_risk_form_offers_only_the_organisations_own_members(
    owners_site: dict[str, Any],
) -> None:
    client = await sign_in(owners_site, "admin@acme.example")
    page = soup(await client.get("/risks/new", params={"system": owners_site["system"]}))
    options = {str(o["value"]): o.get_text() for o in page.select("#owner_id option")}
    ids = owners_site["ids"]
    assert options == {
        "": "担当者なし",
        str(ids["admin@acme.example"]): "青木 管理 <admin@acme.example>",
        str(ids["tanaka@acme.example"]): "田中 一郎 <tanaka@acme.example>",
        str(ids["viewer@acme.example"]): "閲覧 花子 <viewer@acme.example>",
    }
    assert "鈴木" not in page.get_text() and "other.example" not in str(page)
    answer = soup(
        await client.get(
            f"/systems/{owners_site['system']}/assessment/answer",
            params={"requirement": "jp-ai-appropriateness-2025:2(3)"},
        )
    )
    assert {str(o["value"]) for o in answer.select("#owner_id option")} == set(options)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("ja", "担当者は組織のメンバーから選んでください"), ("en", "the owner must be a member")],
)
async def test_another_organisations_member_is_refused_next_to_the_field(
    owners_site: dict[str, Any], lang: str, words: str
) -> None:
    client = await sign_in(owners_site, "tanaka@acme.example")
    url = f"/risks/new?system={owners_site['system']}&lang={lang}"
    data = form_values(soup(await client.get(url)))
    stranger = owners_site["ids"]["suzuki@other.example"]
    refused = await client.post(
        url,
        data=data
        | {"title": "画像の権利侵害", "taxonomy": "social.bias", "owner_id": str(stranger)},
    )
    assert refused.status_code == 422
    error = soup(refused).select_one("#err-owner")
    assert error is not None and words in error.get_text()
    assert soup(refused).select_one("#owner_id")["aria-invalid"] == "true"  # type: ignore[index]
    assert soup(refused).select_one("#title")["value"] == "画像の権利侵害"  # type: ignore[index]
    with owners_site["db"].reading() as session:
        assert session.scalars(select(RiskRow.title)).all() == ["誤回答"]


async def test_the_api_refuses_another_organisations_member_in_both_languages(
    owners_site: dict[str, Any],
) -> None:
    client, ids = owners_site["client"], owners_site["ids"]
    admin = bearer(owners_site, "admin@acme.example")
    stranger = ids["suzuki@other.example"]
    body = {"title": "x", "taxonomy": ["social.bias"], "likelihood": 2, "impact": 2}
    created = await client.post(
        f"/api/systems/{owners_site['system']}/risks",
        headers=admin,
        json=body | {"owner_id": stranger},
    )
    assert created.status_code == 422
    assert created.json()["detail"].startswith("the owner must be a member of the organisation")
    assert created.json()["detail_ja"].startswith("担当者は組織のメンバーから選んでください")
    patched = await client.patch(
        f"/api/risks/{owners_site['risk']}",
        headers=admin,
        json={"version": 1, "owner_id": stranger},
    )
    assert patched.status_code == 422
    answered = await client.put(
        f"/api/assessments/{owners_site['assessment']}/answers",
        headers=admin,
        params={"requirement": "jp-ai-appropriateness-2025:2(3)"},
        json={"state": "partial", "owner_id": stranger},
    )
    assert answered.status_code == 422 and "owner" in answered.json()["detail"]
    as_text = await client.patch(
        f"/api/risks/{owners_site['risk']}",
        headers=admin,
        json={"version": 1, "owner_text": "誰か"},
    )
    assert as_text.status_code == 422 and "owner_id" in as_text.json()["detail"]
    # a member is accepted, and readers get them by name only
    tanaka = ids["tanaka@acme.example"]
    chosen = await client.patch(
        f"/api/risks/{owners_site['risk']}", headers=admin, json={"version": 1, "owner_id": tanaka}
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["owner"] == {
        "user_id": tanaka,
        "name": "田中 一郎",
        "email": "tanaka@acme.example",
        "former_member": False,
    }
    assert (chosen.json()["owner_id"], chosen.json()["owner_text"]) == (tanaka, "")
    read = await client.get(
        f"/api/risks/{owners_site['risk']}", headers=bearer(owners_site, "viewer@acme.example")
    )
    assert read.json()["owner"]["email"] is None and read.json()["owner"]["name"] == "田中 一郎"


async def test_the_owner_written_as_text_before_is_shown_and_kept_until_a_member_is_chosen(
    owners_site: dict[str, Any],
) -> None:
    client = await sign_in(owners_site, "admin@acme.example")
    url = f"/risks/{owners_site['risk']}"
    page = soup(await client.get(url))
    kept = page.select_one('#owner_id option[value="text"]')
    assert kept is not None and kept.has_attr("selected")
    assert kept.get_text() == "人事部 田中（文字で記入）"
    assert page.select_one("#owner-hint") is not None
    saved = await client.post(url, data=form_values(page) | {"title": "誤回答（見直し）"})
    assert saved.status_code == 303, saved.text
    with owners_site["db"].reading() as session:
        row = session.get(RiskRow, owners_site["risk"])
        assert row is not None and (row.title, row.owner_id, row.owner_text) == (
            "誤回答（見直し）",
            None,
            "人事部 田中",
        )
    register = soup(await client.get("/risks"))
    assert "人事部 田中" in register.select_one("table").get_text()  # type: ignore[union-attr]
    viewer = await sign_in(owners_site, "viewer@acme.example")
    shown = soup(await viewer.get(url)).select_one("#risk-owner")
    assert shown is not None and shown.get_text() == "人事部 田中（文字で記入）"
    client = await sign_in(owners_site, "admin@acme.example")
    page = soup(await client.get(url))
    tanaka = str(owners_site["ids"]["tanaka@acme.example"])
    chosen = await client.post(url, data=form_values(page) | {"owner_id": tanaka})
    assert chosen.status_code == 303, chosen.text
    with owners_site["db"].reading() as session:
        row = session.get(RiskRow, owners_site["risk"])
        assert row is not None and (row.owner_id, row.owner_text) == (int(tanaka), "")
    page = soup(await client.get(url))
    assert page.select_one('#owner_id option[value="text"]') is None
    assert page.select_one(f'#owner_id option[value="{tanaka}"][selected]') is not None


async def test_a_member_who_leaves_is_shown_as_a_former_member(
    owners_site: dict[str, Any],
) -> None:
    client, ids = owners_site["client"], owners_site["ids"]
    admin = bearer(owners_site, "admin@acme.example")
    tanaka = ids["tanaka@acme.example"]
    chosen = await client.patch(
        f"/api/risks/{owners_site['risk']}", headers=admin, json={"version": 1, "owner_id": tanaka}
    )
    assert chosen.status_code == 200, chosen.text
    removed = await client.delete(f"/api/orgs/current/members/{tanaka}", headers=admin)
    assert removed.status_code == 204
    read = await client.get(f"/api/risks/{owners_site['risk']}", headers=admin)
    assert read.json()["owner"]["former_member"] is True
    exported = await client.get(
        "/api/risks/export", headers=admin, params={"format": "csv", "lang": "ja"}
    )
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    # the register names owners by the email an import finds them by; imported back, the
    # former member stays the owner (a new risk could not be given to them)
    assert table[0]["担当者"] == "tanaka@acme.example"
    back = await client.post(
        "/api/risks/import",
        headers=admin,
        params={"dry_run": "1"},
        files={"file": ("risks.csv", exported.content, "text/csv")},
    )
    assert back.status_code == 200, back.text
    assert (back.json()["updated"], back.json()["unchanged"]) == (0, 1)
    browser = await sign_in(owners_site, "admin@acme.example")
    page = soup(await browser.get(f"/risks/{owners_site['risk']}", params={"lang": "en"}))
    current = page.select_one(f'#owner_id option[value="{tanaka}"]')
    assert current is not None and current.has_attr("selected")
    assert current.get_text() == "田中 一郎 (former member)"
    # saving the risk again keeps them as its owner
    saved = await browser.post(
        f"/risks/{owners_site['risk']}", data=form_values(page) | {"impact": "4"}
    )
    assert saved.status_code == 303, saved.text
    register = soup(await browser.get("/risks", params={"lang": "en"}))
    cell = register.select_one("span.owner.former")
    assert cell is not None and cell.get_text() == "田中 一郎 <tanaka@acme.example> (former member)"


async def test_an_answer_put_without_the_owner_or_notes_keeps_them(
    owners_site: dict[str, Any],
) -> None:
    client, ids = owners_site["client"], owners_site["ids"]
    admin = bearer(owners_site, "admin@acme.example")
    url = f"/api/assessments/{owners_site['assessment']}/answers"
    params = {"requirement": "jp-ai-appropriateness-2025:2(3)"}
    tanaka = ids["tanaka@acme.example"]
    first = await client.put(
        url,
        headers=admin,
        params=params,
        json={"state": "partial", "notes": "監視を始めた", "owner_id": tanaka},
    )
    assert first.status_code == 200, first.text
    # a script that only moves the state on
    second = await client.put(
        url, headers=admin, params=params, json={"state": "implemented", "version": 1}
    )
    assert second.status_code == 200, second.text
    report = await client.get(f"/api/assessments/{owners_site['assessment']}", headers=admin)
    item = next(i for i in report.json()["items"] if i["urn"].endswith(":2.3"))
    assert (item["state"], item["notes"]) == ("implemented", "監視を始めた")
    assert item["owner"]["user_id"] == tanaka
    # sending the fields empty clears them
    cleared = await client.put(
        url,
        headers=admin,
        params=params,
        json={"state": "implemented", "version": 2, "notes": "", "owner_id": None},
    )
    assert cleared.status_code == 200, cleared.text
    report = await client.get(f"/api/assessments/{owners_site['assessment']}", headers=admin)
    item = next(i for i in report.json()["items"] if i["urn"].endswith(":2.3"))
    assert (item["notes"], item["owner"]) == ("", None)
    # "not applicable" still needs a reason
    refused = await client.put(
        url, headers=admin, params=params, json={"state": "not_applicable", "version": 3}
    )
    assert refused.status_code == 422 and "justification" in refused.text
