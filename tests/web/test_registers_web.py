"""The public register of AI use through the real app: listing and publishing by role,
another organisation's systems, the public JSON (checked against its JSON Schema), CSV and
page, hostile text, and the demo city's register."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from bs4 import BeautifulSoup

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, registers, users
from tekisei.services.database import Database
from tekisei.services.demo import load_demo
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
SCRIPT = '<script>alert("x")</script>'
MEMBERS = [
    ("admin@city.example", "city", Role.ADMIN),
    ("editor@city.example", "city", Role.EDITOR),
    ("viewer@city.example", "city", Role.VIEWER),
    ("tester@lab.example", "city", Role.EXTERNAL_TESTER),
    ("admin@other.example", "other", Role.ADMIN),
]


@pytest.fixture
async def api(settings: Settings, loaded_db: Database) -> AsyncIterator[Any]:
    with loaded_db.transaction() as session:
        for slug in ("city", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.LOCAL]), "cli"
            )
        for email, org, role in MEMBERS:
            users.create_user(
                session, users.UserCreate(email=email, password="correct horse battery"), org,
                role, "cli", must_change_password=False,
            )  # fmt: skip
    tokens = {}
    for email, org, _ in MEMBERS:
        with loaded_db.transaction() as session:
            tokens[email] = users.create_token(session, email, org)[0]
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client, tokens
    app.state.database.close()


def _auth(tokens: dict[str, str], email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[email]}"}


async def _system(client: httpx.AsyncClient, headers: dict[str, str], name: str) -> int:
    created = await client.post(
        "/api/systems",
        json={"name": name, "org_role": "user", "purpose": f"{name}の目的",
              "domain": "public_services", "deployment": "public", "autonomy": "assistive",
              "responsible_person": "secret-person@city.example"},
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def test_an_unpublished_register_is_not_found_and_only_listed_systems_appear(
    api: Any,
) -> None:
    client, tokens = api
    admin = _auth(tokens, "admin@city.example")
    listed = await _system(client, admin, f'=HYPERLINK("http://x"){SCRIPT}')
    hidden = await _system(client, admin, "内部の試作")
    assert (await client.get("/api/public/orgs/city/register")).status_code == 404
    assert (await client.get("/orgs/city/register")).status_code == 404
    refused = await client.post("/api/register/publish", headers=admin)
    assert refused.status_code == 422  # nothing listed yet
    put = await client.put(
        f"/api/register/systems/{listed}", json={"division": "市民課"}, headers=admin
    )
    assert put.status_code == 200, put.text
    assert (await client.get("/api/public/orgs/city/register")).status_code == 404
    assert (await client.post("/api/register/publish", headers=admin)).status_code == 200
    public = await client.get("/api/public/orgs/city/register")
    assert public.status_code == 200
    body = public.json()
    schema = (await client.get("/api/public/register.schema.json")).json()
    jsonschema.validate(body, schema)
    assert body["version"] == 1
    assert [s["division"] for s in body["systems"]] == ["市民課"]
    assert body["systems"][0]["contribution"] == "recommends"
    assert body["systems"][0]["tier"] == "limited" and body["systems"][0]["tier_reasons"]
    assert "内部の試作" not in public.text and "secret-person" not in public.text
    assert str(hidden) not in [str(s) for s in body["systems"]]
    page = await client.get("/orgs/city/register")
    assert SCRIPT not in page.text
    names = [h.get_text() for h in BeautifulSoup(page.text, "html.parser").select("h2")]
    assert any(SCRIPT in name for name in names)
    exported = await client.get("/api/public/orgs/city/register.csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][0] == "name" and rows[1][0].startswith("'=HYPERLINK")
    assert (await client.post("/api/register/unpublish", headers=admin)).status_code == 200
    assert (await client.get("/api/public/orgs/city/register")).status_code == 404
    assert (await client.get("/api/public/orgs/city/register.csv")).status_code == 404


async def test_other_organisations_systems_cannot_be_listed_and_only_admins_publish(
    api: Any,
) -> None:
    client, tokens = api
    admin = _auth(tokens, "admin@city.example")
    mine = await _system(client, admin, "窓口案内")
    theirs = await _system(client, _auth(tokens, "admin@other.example"), "他組織の仕組み")
    stolen = await client.put(f"/api/register/systems/{theirs}", json={}, headers=admin)
    assert stolen.status_code == 404
    for email in ("editor@city.example", "viewer@city.example"):
        who = _auth(tokens, email)
        denied = await client.put(f"/api/register/systems/{mine}", json={}, headers=who)
        assert denied.status_code == 403, email
        assert (await client.post("/api/register/publish", headers=who)).status_code == 403
    tester = _auth(tokens, "tester@lab.example")
    unseen = await client.put(f"/api/register/systems/{mine}", json={}, headers=tester)
    assert unseen.status_code == 404
    assert "窓口案内" not in (await client.get("/api/register", headers=tester)).text
    long = await client.put(
        f"/api/register/systems/{mine}", json={"division": "課" * 201}, headers=admin
    )
    assert long.status_code == 422
    wrong = await client.put(
        f"/api/register/systems/{mine}", json={"contribution": "rules"}, headers=admin
    )
    assert wrong.status_code == 422
    audit = await client.get("/api/audit", headers=admin)
    assert "register.list" not in audit.text


async def test_the_demo_citys_register_lists_its_chatbot_with_tier_and_notice(
    settings: Settings, loaded_db: Database, tmp_path: Path
) -> None:
    load_demo(loaded_db, tmp_path)
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        found = await client.get("/api/public/orgs/demo-city/register")
        assert found.status_code == 200, found.text
        chatbot = found.json()["systems"][0]
        assert chatbot["name"] == "住民問い合わせチャットボット"
        assert chatbot["tier"] == "high" and chatbot["notice_url"].startswith("/notices/")
        notice = await client.get(chatbot["notice_url"])
        assert notice.status_code == 200
        page = await client.get("/orgs/demo-city/register")
        assert "住民問い合わせチャットボット" in page.text and "@" not in page.text
        # the city's public statement (the demo publishes it) leads to its register while
        # both are published
        statement = await client.get("/orgs/demo-city/statement")
        assert statement.status_code == 200, statement.text
        link = BeautifulSoup(statement.text, "html.parser").select_one("#register-link")
        assert link is not None and link["href"] == "/orgs/demo-city/register"
        with loaded_db.transaction() as session:
            registers.unpublish_register(session, orgs.cli_principal(session, "demo-city"))
        hidden = BeautifulSoup((await client.get("/orgs/demo-city/statement")).text, "html.parser")
        assert hidden.select_one("#register-link") is None
    app.state.database.close()
