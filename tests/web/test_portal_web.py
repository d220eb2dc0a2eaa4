"""The citizens' portal through the real app, without signing in: finding the demo city
and its chatbot, an organisation's page and every link on it, only published things
(an unpublished register, an unlisted system, a withdrawn notice never show), hostile
searches (too long, SQL wildcards, HTML), both languages, and a fixed number of queries
however many systems a register lists."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.portal import MAX_QUERY
from tekisei.core.registers import EntryChoice
from tekisei.core.systems import SystemFacts
from tekisei.services import notices, orgs, registers, systems, users
from tekisei.services.database import Database
from tekisei.services.demo import load_demo
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
SCRIPT = '<script>alert("x")</script>'


@pytest.fixture
async def client(settings: Settings, loaded_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client
    app.state.database.close()


def _page(response: httpx.Response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


def _org(database: Database, slug: str, name: str) -> None:
    with database.transaction() as session:
        orgs.create_org(session, OrgCreate(name=name, slug=slug, actors=[OrgActor.LOCAL]), "cli")


def _system(database: Database, slug: str, name: str, purpose: str, *, listed: bool) -> int:
    facts = {"name": name, "org_role": "user", "purpose": purpose, "deployment": "internal",
             "contact_window": "窓口", "responsible_person": "担当課"}  # fmt: skip
    with database.transaction() as session:
        operator = orgs.cli_principal(session, slug)
        system_id = systems.register_system(session, operator, SystemFacts.model_validate(facts)).id
        if listed:
            registers.list_system(session, operator, system_id, EntryChoice(division="情報課"))
    return system_id


def _publish_register(database: Database, slug: str) -> None:
    with database.transaction() as session:
        registers.publish_register(session, orgs.cli_principal(session, slug))


def _publish_notice(database: Database, slug: str, system_id: int, tmp_path: Path) -> None:
    with database.transaction() as session:
        notices.draft_notice(session, orgs.cli_principal(session, slug), system_id)
    with database.transaction() as session:
        operator = orgs.cli_principal(session, slug)
        version = notices.get_notice(session, operator, system_id).version
        notices.publish_notice(
            session, operator, system_id, version, files_dir=tmp_path / "files",
            max_bytes=1024 * 1024,
        )  # fmt: skip


async def _found(client: httpx.AsyncClient, query: str) -> list[str]:
    response = await client.get("/api/public/orgs", params={"q": query})
    assert response.status_code == 200, response.text
    return [r["slug"] for r in response.json()["results"]]


async def test_the_portal_finds_the_demo_city_and_its_chatbot_and_every_link_works(
    client: httpx.AsyncClient, loaded_db: Database, tmp_path: Path
) -> None:
    load_demo(loaded_db, tmp_path)
    front = _page(await client.get("/"))
    assert front.html is not None and front.html["lang"] == "ja"
    assert front.select_one("form[role=search] input#q") is not None
    assert [a["href"] for a in front.select("#portal-orgs a")] == ["/orgs/demo-city"]
    for link in ("#task-verify", "#task-learn", "#task-self-check", "#task-status"):
        assert front.select_one(link) is not None, link

    for query in ("チャットボット", "デモ市", "ごみ 手続き", "ﾁｬｯﾄﾎﾞｯﾄ"):  # half-width too
        page = _page(await client.get("/orgs", params={"q": query}))
        results = page.select("li.portal-result")
        assert [r["data-org"] for r in results] == ["demo-city"], query
    page = _page(await client.get("/orgs", params={"q": "チャットボット"}))
    system = page.select_one("ul.found-systems li")
    assert system is not None and "住民問い合わせチャットボット" in system.get_text()
    notice_link = system.select_one("a")
    assert notice_link is not None and str(notice_link["href"]).startswith("/notices/")
    # the demo company publishes nothing for the public: it is not found
    assert await _found(client, "デモ") == ["demo-city"]
    assert await _found(client, "") == ["demo-city"]

    hub = _page(await client.get("/orgs/demo-city"))
    heading = hub.select_one("h1#hub-org")
    assert heading is not None and heading.get_text(strip=True) == "デモ市役所"
    links = {
        name: str(hub.select_one(selector)["href"])  # type: ignore[index]
        for name, selector in [
            ("statement", "#hub-statement"), ("register", "#hub-register"),
            ("notice", "#hub-notices a"), ("incident", "#hub-incidents a"),
            ("inquiry", "#hub-inquiry"), ("status", "#hub-status"),
        ]
    }  # fmt: skip
    assert links["register"] == "/orgs/demo-city/register"
    assert links["inquiry"] == "/orgs/demo-city/inquiries/new"
    for name, href in links.items():
        response = await client.get(href)
        assert response.status_code == 200, (name, href, response.text[:300])
    # landmarks and headings: the register's main is named, the notice's title is its h1
    register = _page(await client.get(links["register"]))
    assert register.select_one("main[aria-labelledby=register-org]") is not None
    notice = _page(await client.get(links["notice"]))
    assert [h.get_text(strip=True) for h in notice.select("h1")] == [
        "「住民問い合わせチャットボット」でのAIの利用について"
    ]
    twin = (await client.get("/api/public/orgs/demo-city")).json()
    assert twin["register_systems"] == 1 and len(twin["incident_notices"]) == 1
    assert twin["statement_url"] == links["statement"]

    english = _page(await client.get("/orgs/demo-city", params={"lang": "en"}))
    assert english.html is not None and english.html["lang"] == "en"
    assert "Incident notices" in english.get_text()


async def test_only_what_is_published_is_ever_found(
    client: httpx.AsyncClient, loaded_db: Database, tmp_path: Path
) -> None:
    _org(loaded_db, "hidden-town", "非公開町")
    listed = _system(loaded_db, "hidden-town", "窓口案内ボット", "秘密の用途", listed=True)
    _system(loaded_db, "hidden-town", "内部審査AI", "掲載しない用途", listed=False)
    # an organisation that publishes nothing: not found by name or by system, no page
    for query in ("非公開", "窓口案内", "秘密", "内部審査", "hidden"):
        assert await _found(client, query) == [], query
    assert (await client.get("/orgs/hidden-town")).status_code == 404
    assert (await client.get("/api/public/orgs/hidden-town")).status_code == 404
    missing = await client.get("/api/public/orgs/no-such-org")
    assert missing.status_code == 404
    assert (
        missing.json()["detail"]
        == (await client.get("/api/public/orgs/hidden-town")).json()["detail"]
    )
    assert "非公開町" not in (await client.get("/")).text

    _publish_register(loaded_db, "hidden-town")
    assert await _found(client, "非公開") == ["hidden-town"]
    assert await _found(client, "秘密") == ["hidden-town"]
    # a system that is not listed on the register stays unseen, by name and by purpose
    assert await _found(client, "内部審査") == []
    assert await _found(client, "掲載しない") == []
    page = (await client.get("/orgs", params={"q": "非公開"})).text
    assert "内部審査AI" not in page
    hub = (await client.get("/api/public/orgs/hidden-town")).json()
    assert hub["register_systems"] == 1 and hub["notices"] == [] and hub["inquiry_url"] is None

    # a notice shows while published, and not once it is withdrawn
    _publish_notice(loaded_db, "hidden-town", listed, tmp_path)
    hub = (await client.get("/api/public/orgs/hidden-town")).json()
    assert len(hub["notices"]) == 1 and hub["inquiry_url"] == "/orgs/hidden-town/inquiries/new"
    with loaded_db.transaction() as session:
        notices.unpublish_notice(
            session, orgs.cli_principal(session, "hidden-town"), listed, "終了しました。"
        )
    hub = (await client.get("/api/public/orgs/hidden-town")).json()
    assert hub["notices"] == []
    found = (await client.get("/api/public/orgs", params={"q": "窓口案内"})).json()
    assert found["results"][0]["systems"][0]["notice_url"] is None

    # taken down: gone from the portal again
    with loaded_db.transaction() as session:
        registers.unpublish_register(session, orgs.cli_principal(session, "hidden-town"))
    assert await _found(client, "非公開") == []
    assert (await client.get("/orgs/hidden-town")).status_code == 404


async def test_hostile_searches_are_answered_plainly(
    client: httpx.AsyncClient, loaded_db: Database
) -> None:
    _org(loaded_db, "plain-city", "平凡市")
    _system(loaded_db, "plain-city", "翻訳支援", "文書を翻訳する", listed=True)
    _publish_register(loaded_db, "plain-city")
    # SQL wildcards are plain characters: they match nothing here rather than everything
    for query in ("%", "_", "%%", "平%市", "平_市", "\\", "'; DROP TABLE orgs; --"):
        assert await _found(client, query) == [], query
    assert await _found(client, "平凡市") == ["plain-city"]
    # HTML in the query is shown as text, never as markup
    page = _page(await client.get("/orgs", params={"q": SCRIPT}))
    assert page.select_one("main script") is None
    assert SCRIPT in page.get_text()
    assert SCRIPT not in (await client.get("/orgs", params={"q": SCRIPT})).text
    # the longest search allowed works; a longer one is refused with a message, not a crash
    assert await _found(client, "翻" * MAX_QUERY) == []
    long = _page(await client.get("/orgs", params={"q": "翻" * 5000}), 422)
    alert = long.select_one("[role=alert]")
    assert alert is not None and "100文字以内" in alert.get_text()
    english = _page(await client.get("/orgs", params={"q": "x" * 101, "lang": "en"}), 422)
    alert = english.select_one("[role=alert]")
    assert alert is not None and "at most 100 characters" in alert.get_text()
    refused = await client.get("/api/public/orgs", params={"q": "x" * (MAX_QUERY + 1)})
    assert refused.status_code == 422
    many = await client.get("/api/public/orgs", params={"q": "a b c d e f"})
    assert many.status_code == 422 and "5" in many.text
    # a malformed short id is refused before any lookup
    assert (await client.get("/orgs/..%2Fetc")).status_code in (404, 422)
    assert (await client.get("/api/public/orgs/A_B")).status_code == 422


async def test_the_portal_is_the_same_for_everyone_and_shows_members_their_workspace(
    client: httpx.AsyncClient, loaded_db: Database
) -> None:
    _org(loaded_db, "member-city", "会員市")
    with loaded_db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="admin@member.example", password="correct horse battery"),
            "member-city", Role.ADMIN, "cli", must_change_password=False,
        )  # fmt: skip
    visitor = _page(await client.get("/"))
    link = visitor.select_one("#workspace-link a")
    assert link is not None and link["href"] == "/dashboard"
    form = _page(await client.get("/signin"))
    token = form.select_one('input[name="login_csrf"]')["value"]  # type: ignore[index]
    signed = await client.post(
        "/signin",
        data={"email": "admin@member.example", "password": "correct horse battery",
              "next": "/", "login_csrf": token},
    )  # fmt: skip
    assert signed.status_code == 303
    member = _page(await client.get("/"))
    assert str(member.main) == str(visitor.main)  # nothing about who reads it
    assert (await client.get("/dashboard")).status_code == 200
    # a broken session cookie is only a visitor on the portal
    client.cookies.clear()
    client.cookies.set("tekisei_session", "not-a-session")
    assert _page(await client.get("/")).select_one("#workspace-link a") is not None


@contextmanager
def _counted(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


async def test_the_number_of_queries_does_not_grow_with_the_register(
    client: httpx.AsyncClient, loaded_db: Database
) -> None:
    _org(loaded_db, "big-city", "大規模市")
    app_db = client._transport.app.state.database  # type: ignore[attr-defined]
    counts: dict[str, list[int]] = {}
    made = 0
    for size in (3, 30):
        with loaded_db.transaction() as session:
            operator = orgs.cli_principal(session, "big-city")
            for n in range(made, size):
                facts = {"name": f"システム{n:04d}", "org_role": "user", "purpose": "窓口案内",
                         "vendors": [f"業者{n}"]}  # fmt: skip
                row = systems.register_system(session, operator, SystemFacts.model_validate(facts))
                registers.list_system(session, operator, row.id, EntryChoice())
        made = size
        if size == 3:
            _publish_register(loaded_db, "big-city")
        for url in (
            "/orgs/big-city/register", "/api/public/orgs/big-city/register",
            "/api/public/orgs/big-city/register.csv", "/orgs?q=窓口", "/api/public/orgs?q=窓口",
            "/orgs/big-city",
        ):  # fmt: skip
            with _counted(app_db) as statements:
                response = await client.get(url)
            assert response.status_code == 200, (url, response.text[:300])
            counts.setdefault(url, []).append(len(statements))
    for url, (small, large) in counts.items():
        assert 0 < large == small, (url, small, large)
