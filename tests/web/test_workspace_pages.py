"""Workspace pages: sign-in, CSRF, forms with field errors, heat maps, roles, isolation."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from bs4 import BeautifulSoup

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[Any]:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        for email, org, role in [
            ("admin@acme.example", "acme", Role.ADMIN),
            ("ceo@acme.example", "acme", Role.EXECUTIVE),
            ("viewer@acme.example", "acme", Role.VIEWER),
            ("admin@other.example", "other", Role.ADMIN),
        ]:
            users.create_user(
                session,
                users.UserCreate(email=email, password=PASSWORD),
                org,
                role,
                "cli",
                must_change_password=False,
            )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    clients: list[httpx.AsyncClient] = []

    async def browser(email: str | None = None) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        if email:
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

    browser.app = app  # type: ignore[attr-defined]
    yield browser
    for client in clients:
        await client.aclose()
    app.state.database.close()


async def login_token(client: httpx.AsyncClient) -> str:
    field = BeautifulSoup((await client.get("/signin")).text, "html.parser").select_one(
        'input[name="login_csrf"]'
    )
    assert field is not None
    return str(field["value"])


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def csrf(client: httpx.AsyncClient, url: str = "/systems/new") -> str:
    field = soup(await client.get(url)).select_one('input[name="csrf"]')
    assert field is not None
    return str(field["value"])


async def create_system(client: httpx.AsyncClient, **fields: Any) -> int:
    data = {
        "name": "社内文書検索",
        "org_role": "user",
        "domain": "internal_operations",
        "stage": "operate",
        "autonomy": "assistive",
        "scale": "small",
        "deployment": "internal",
        "csrf": await csrf(client),
    } | fields
    response = await client.post("/systems/new", data=data)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def test_pages_need_a_sign_in(site: Any) -> None:
    client = await site()
    response = await client.get("/systems/1?tier=high")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Fsystems%2F1%3Ftier%3Dhigh"


async def test_wrong_password_shows_an_error_and_no_cookie(site: Any) -> None:
    client = await site()
    response = await client.post(
        "/signin",
        data={
            "email": "admin@acme.example",
            "password": "not the password",
            "login_csrf": await login_token(client),
        },
    )
    assert response.status_code == 401
    alert = soup(response).select_one('[role="alert"]')
    assert alert is not None and "パスワード" in alert.get_text()
    assert "tekisei_session" not in response.headers.get("set-cookie", "")


async def test_sign_in_needs_the_forms_own_token(site: Any) -> None:
    client = await site()
    forged = await client.post(
        "/signin", data={"email": "admin@acme.example", "password": PASSWORD}
    )
    assert forged.status_code == 403
    assert "tekisei_session" not in forged.headers.get("set-cookie", "")


async def test_a_form_without_the_csrf_token_is_refused(site: Any) -> None:
    client = await site("admin@acme.example")
    response = await client.post("/systems/new", data={"name": "x", "org_role": "user"})
    assert response.status_code == 403
    listing = soup(await client.get("/systems"))
    assert not listing.select("tr[data-system]")


async def test_api_calls_with_a_session_need_the_csrf_header(site: Any) -> None:
    client = await site("admin@acme.example")
    body = {"name": "x", "org_role": "user"}
    assert (await client.post("/api/systems", json=body)).status_code == 403
    token = await csrf(client)
    ok = await client.post("/api/systems", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201


async def test_create_shows_field_errors_and_keeps_the_input(site: Any) -> None:
    client = await site("admin@acme.example")
    response = await client.post(
        "/systems/new",
        data={
            "csrf": await csrf(client),
            "name": "",
            "purpose": "残しておく文章",
            "org_role": "user",
            "domain": "nonsense",
        },
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#err-name") is not None
    assert page.select_one("#err-domain") is not None
    assert page.select_one("#name")["aria-invalid"] == "true"  # type: ignore[index]
    purpose = page.select_one("#purpose")
    assert purpose is not None and purpose.get_text() == "残しておく文章"


async def test_system_detail_shows_tier_reasons_and_requirements(site: Any) -> None:
    client = await site("admin@acme.example")
    system_id = await create_system(client, domain="employment", data_categories="personal")
    page = soup(await client.get(f"/systems/{system_id}", params={"lang": "en"}))
    assert page.select_one(".tier-box .tier") is not None
    assert "High" in page.select_one(".tier-box .tier").get_text()  # type: ignore[union-attr]
    assert page.select('ul.reasons li[data-code="high-impact-domain"]')
    sections = [s.get_text() for s in page.select("ul.requirements .section")]
    assert "1(3)①" in sections


async def test_a_stale_edit_is_refused_with_a_message(site: Any) -> None:
    client = await site("admin@acme.example")
    system_id = await create_system(client)
    form = soup(await client.get(f"/systems/{system_id}/edit"))
    token = str(form.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
    base = {
        "csrf": token,
        "version": "1",
        "org_role": "user",
        "domain": "general",
        "stage": "plan",
        "autonomy": "assistive",
        "scale": "small",
        "deployment": "internal",
    }
    first = await client.post(f"/systems/{system_id}/edit", data=base | {"name": "一回目"})
    assert first.status_code == 303
    second = await client.post(f"/systems/{system_id}/edit", data=base | {"name": "二回目"})
    assert second.status_code == 409
    assert soup(second).select_one('[role="alert"]') is not None
    current = soup(await client.get(f"/systems/{system_id}"))
    assert current.h1 is not None and current.h1.get_text() == "一回目"


async def test_a_risk_lands_in_the_heat_map_and_an_executive_accepts_it(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await create_system(admin)
    token = await csrf(admin, f"/risks/new?system={system_id}")
    created = await admin.post(
        f"/risks/new?system={system_id}",
        data={
            "csrf": token,
            "title": "誤回答",
            "taxonomy": "technical.hallucination",
            "likelihood": "4",
            "impact": "2",
            "residual_likelihood": "2",
            "residual_impact": "1",
            "treatment": "mitigate",
            "due": "",
        },
    )
    assert created.status_code == 303, created.text
    risk_url = created.headers["location"]
    register = soup(await admin.get("/risks"))
    assert register.select_one("#risks-xlsx")["href"].startswith("/api/risks/export?format=xlsx")  # type: ignore[index]
    cell = register.select_one('#heatmap-inherent g[data-likelihood="4"][data-impact="2"]')
    assert cell is not None and cell["data-count"] == "1"
    residual = register.select_one('#heatmap-residual g[data-likelihood="2"][data-impact="1"]')
    assert residual is not None and residual["data-count"] == "1"
    assert not soup(await admin.get(risk_url)).select('form[action$="/accept"]')
    executive = await site("ceo@acme.example")
    page = soup(await executive.get(risk_url))
    accept = page.select_one('form[action$="/accept"]')
    assert accept is not None
    token = str(accept.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
    version = str(accept.select_one('input[name="version"]')["value"])  # type: ignore[index]
    done = await executive.post(
        risk_url + "/accept",
        data={"csrf": token, "version": version, "note": "影響が小さく受容可能"},
    )
    assert done.status_code == 303
    assert "受容済み" in (await executive.get(risk_url)).text
    audit = soup(await admin.get("/audit", params={"action": "risk.accept"}))
    assert audit.select_one(".chain-ok") is not None
    assert "ceo@acme.example" in audit.select_one("table.audit tbody").get_text()  # type: ignore[union-attr]


async def test_viewers_see_no_write_buttons(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await create_system(admin)
    viewer = await site("viewer@acme.example")
    page = soup(await viewer.get(f"/systems/{system_id}"))
    assert not page.select('a[href$="/edit"]') and not page.select('a[href^="/risks/new"]')
    response = await viewer.post(
        "/systems/new",
        data={"csrf": await csrf(viewer, "/systems"), "name": "x", "org_role": "user"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_workspace_pages_render_in_both_languages(site: Any, lang: str) -> None:
    client = await site("admin@acme.example")
    system_id = await create_system(client)
    for url in (
        "/systems",
        f"/systems/{system_id}",
        "/systems/new",
        "/risks",
        "/org",
        "/audit",
        f"/risks/new?system={system_id}",
    ):
        response = await client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert response.status_code == 200, url
        page = soup(response)
        assert page.html is not None and page.html["lang"] == lang
        assert not page.select("[style]")
        for script in page.find_all("script"):
            assert script.get("src", "").startswith("/static/")


def _routes(routes: list[Any]) -> list[Any]:
    """Every route, including those of included routers (however FastAPI wraps them)."""
    out: list[Any] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out.extend(_routes(list(inner.routes)) if inner is not None else [route])
    return out


async def test_another_organisation_gets_404_on_every_page(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await create_system(admin, name="秘密のシステム")
    token = await csrf(admin, f"/risks/new?system={system_id}")
    created = await admin.post(
        f"/risks/new?system={system_id}",
        data={
            "csrf": token,
            "title": "秘密のリスク",
            "taxonomy": "social.bias",
            "likelihood": "3",
            "impact": "3",
        },
    )
    risk_id = created.headers["location"].rsplit("/", 1)[1]
    other = await site("admin@other.example")
    ids = {"system_id": str(system_id), "risk_id": risk_id}
    walked = []
    for route in _routes(site.app.routes):
        path = getattr(route, "path", "")
        if "GET" not in getattr(route, "methods", set()) or path.startswith(("/api", "/static")):
            continue
        names = re.findall(r"\{(\w+)\}", path)
        if not names or not set(names) <= set(ids):
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
        if url.endswith("/answer"):
            url += "?requirement=jp-ai-appropriateness-2025:2(3)"
        response = await other.get(url)
        assert response.status_code == 404, url
        assert "秘密" not in response.text
        walked.append(url)
    assert len(walked) >= 3, walked
    response = await other.get(f"/risks/new?system={system_id}")
    assert response.status_code == 404
    assert "秘密" not in response.text
    for url in ("/systems", "/risks", "/audit", "/org"):
        assert "秘密" not in (await other.get(url)).text
    token = await csrf(other, "/systems")
    post = await other.post(
        f"/systems/{system_id}/edit",
        data={"csrf": token, "version": "1", "name": "乗っ取り", "org_role": "user"},
    )
    assert post.status_code == 404


async def test_an_admin_invites_a_member_who_chooses_a_password_and_signs_in(
    site: Any,
) -> None:
    admin = await site("admin@acme.example")
    invited = await admin.post(
        "/org/invitations",
        data={"csrf": await csrf(admin, "/org"), "email": "new@acme.example", "role": "assessor"},
    )
    assert invited.status_code == 201
    assert invited.headers["cache-control"] == "no-store"
    link = soup(invited).select_one("#invitation-link")
    assert link is not None
    path = "/" + link.get_text().split("/", 3)[3]
    assert (
        "new@acme.example"
        in soup(await admin.get("/org")).select_one("table.invitations").get_text()
    )
    newcomer = await site()
    page = soup(await newcomer.get(path))
    assert page.select_one("#invited-email").get_text() == "new@acme.example"
    token = page.select_one('input[name="login_csrf"]')["value"]
    joined = await newcomer.post(
        path + "/register",
        data={
            "login_csrf": token,
            "name": "新人",
            "password": "a long enough passphrase",
            "password_again": "a long enough passphrase",
        },
    )
    assert joined.status_code == 303 and joined.headers["location"] == "/systems"
    assert (await newcomer.get("/systems")).status_code == 200
    members = soup(await admin.get("/org")).select_one("table.members")
    assert members is not None and "new@acme.example" in members.get_text()
    viewer = await site("viewer@acme.example")
    refused = await viewer.post(
        "/org/invitations",
        data={"csrf": await csrf(viewer, "/org"), "email": "x@acme.example", "role": "admin"},
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("lang", "words"), [("ja", "このページはありません"), ("en", "There is no such page")]
)
async def test_addresses_that_name_nothing_answer_a_page_not_json(
    site: Any, lang: str, words: str
) -> None:
    admin = await site("admin@acme.example")
    for url in (
        "/systems/99999999999999999999999",  # beyond any id: no such system
        "/systems/-1",
        "/systems/abc",
        "/no-such-page",
    ):
        response = await admin.get(url, params={"lang": lang})
        assert response.status_code == 404, url
        assert response.headers["content-type"].startswith("text/html"), url
        assert words in soup(response).select_one(".error-message").text, url
    # a page address used with the wrong method
    response = await admin.delete("/systems", params={"lang": lang})
    assert response.status_code == 405 and response.headers["content-type"].startswith("text/html")
    # the API keeps its JSON bodies
    response = await admin.get("/api/systems/99999999999999999999999")
    assert response.status_code == 422 and "detail" in response.json()
    response = await admin.get("/api/no-such-thing")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("reader", ["ceo@acme.example", "viewer@acme.example"])
async def test_read_only_roles_see_the_whole_risk_and_its_history(site: Any, reader: str) -> None:
    """An executive accepting a risk, and a viewer, read all of it: description, scores in
    words, treatment plan, owner, due date and who changed what, with people's names."""
    admin = await site("admin@acme.example")
    system_id = await create_system(admin)
    form = soup(await admin.get(f"/risks/new?system={system_id}"))
    token = str(form.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
    ceo = next(o for o in form.select("#owner_id option") if "ceo@acme.example" in o.get_text())
    owner_name = ceo.get_text().split(" <")[0]
    created = await admin.post(
        f"/risks/new?system={system_id}",
        data={
            "csrf": token,
            "title": "誤回答による誤案内",
            "taxonomy": "technical.hallucination",
            "description": "制度の説明を誤り、住民が手続きを誤る。",
            "likelihood": "4",
            "impact": "5",
            "residual_likelihood": "3",
            "residual_impact": "5",
            "treatment": "mitigate",
            "treatment_plan": "回答に出典を付け、職員が週次で確認する。",
            "owner_id": str(ceo["value"]),
            "due": "2027-03-31",
        },
    )
    risk_url = created.headers["location"]
    client = await site(reader)
    page = soup(await client.get(risk_url, params={"lang": "ja"}))
    details = page.select_one("#risk-details")
    assert details is not None
    text = details.get_text()
    for expected in (
        "制度の説明を誤り",
        "回答に出典を付け",
        owner_name,
        "2027-03-31",
        "起きやすい",  # likelihood 4 in words
        "深刻",  # impact 5 in words
    ):
        assert expected in text, expected
    history = page.select_one("#risk-history")
    assert history is not None and "登録" in history.get_text()
    # readers see names, not emails
    assert "admin@acme.example" not in page.get_text()
    assert "@" not in details.get_text()  # the owner by name
    assert page.select_one('form[action="' + risk_url + '"]') is None  # no edit form
    accept = page.select_one(f'form[action="{risk_url}/accept"]')
    assert (accept is not None) is (reader == "ceo@acme.example")


async def test_times_are_shown_in_the_deployments_zone_with_its_name(site: Any) -> None:
    """Stored in UTC, shown in Japan time (the default zone) with the zone named; the API
    keeps the offset."""
    admin = await site("admin@acme.example")
    system_id = await create_system(admin)
    token = await csrf(admin, f"/risks/new?system={system_id}")
    created = await admin.post(
        f"/risks/new?system={system_id}",
        data={
            "csrf": token,
            "title": "誤回答",
            "taxonomy": "technical.hallucination",
            "likelihood": "2",
            "impact": "2",
        },
    )
    risk_url = created.headers["location"]
    page = soup(await admin.get(risk_url))
    shown = page.select_one("#risk-history time")
    assert shown is not None and shown.get_text().endswith(" JST")
    stamp = datetime.fromisoformat(str(shown["datetime"]))
    local = stamp.astimezone(ZoneInfo("Asia/Tokyo"))
    assert shown.get_text() == f"{local:%Y-%m-%d %H:%M} JST"
    api = (await admin.get(f"/api{risk_url}")).json()
    assert api["created_at"].endswith("+00:00") or api["created_at"].endswith("Z")


async def test_the_inventory_searches_and_the_dashboard_flags_systems_used_unassessed(
    site: Any,
) -> None:
    admin = await site("admin@acme.example")
    in_use = await create_system(admin, name="問い合わせ要約", stage="operate")
    planned = await create_system(admin, name="議事録の下書き", stage="plan")
    found = soup(await admin.get("/systems", params={"q": "要約"}))
    assert [int(str(r["data-system"])) for r in found.select("tr[data-system]")] == [in_use]
    wildcard = soup(await admin.get("/systems", params={"q": "%"}))
    assert wildcard.select("tr[data-system]") == []  # % is a character, not a wildcard
    dashboard = soup(await admin.get("/dashboard"))
    flagged = [int(str(li["data-system"])) for li in dashboard.select("#unassessed li")]
    assert flagged == [in_use] and planned not in flagged
    # the cards and stage counts lead to the filtered inventory
    stage_link = dashboard.select_one('a[data-stage="operate"]')
    assert stage_link is not None and stage_link["href"] == "/systems?stage=operate"
    listed = soup(await admin.get(str(stage_link["href"])))
    assert [int(str(r["data-system"])) for r in listed.select("tr[data-system]")] == [in_use]
    assert dashboard.select_one('a[data-tier="high"]') is not None


async def _risk(client: httpx.AsyncClient, system_id: int, title: str, **scores: str) -> str:
    created = await client.post(
        f"/risks/new?system={system_id}",
        data={
            "csrf": await csrf(client, f"/risks/new?system={system_id}"),
            "title": title,
            "taxonomy": "technical.hallucination",
            "treatment": "mitigate",
            "due": "",
        }
        | scores,
    )
    assert created.status_code == 303, created.text
    return str(created.headers["location"])


def _listed(page: BeautifulSoup) -> list[str]:
    return [a.get_text() for a in page.select("table.risks tbody td:first-child a")]


async def test_heat_map_cells_lead_to_the_risks_they_count(site: Any) -> None:
    admin = await site("admin@acme.example")
    first = await create_system(admin, name="要約")
    second = await create_system(admin, name="翻訳")
    await _risk(admin, first, "A", likelihood="4", impact="3", residual_likelihood="2",
                residual_impact="2")  # fmt: skip
    await _risk(admin, second, "B", likelihood="4", impact="3")
    await _risk(admin, first, "C", likelihood="1", impact="5")
    dashboard = soup(await admin.get("/dashboard"))
    link = dashboard.select_one(
        'svg.heatmap a.heat-cell:has(g[data-likelihood="4"][data-impact="3"])'
    )
    assert link is not None
    # an empty cell is not a link to an empty list
    assert dashboard.select_one('a.heat-cell:has(g[data-likelihood="2"][data-impact="2"])') is None
    listed = soup(await admin.get(str(link["href"])))
    assert sorted(_listed(listed)) == ["A", "B"]
    assert listed.select_one("#cell-filter") is not None
    # after treatment, on the register; the system page's map keeps to its system
    register = soup(await admin.get("/risks"))
    after = register.select_one(
        '#heatmap-residual a.heat-cell:has(g[data-likelihood="2"][data-impact="2"])'
    )
    assert after is not None and _listed(soup(await admin.get(str(after["href"])))) == ["A"]
    own = soup(await admin.get(f"/systems/{second}")).select_one(
        'a.heat-cell:has(g[data-likelihood="4"][data-impact="3"])'
    )
    assert own is not None and _listed(soup(await admin.get(str(own["href"])))) == ["B"]
    # the JSON twin filters the same way; half a cell is a clear error, not everything
    api = await admin.get("/api/risks", params={"likelihood": 4, "impact": 3, "status": "current"})
    assert sorted(r["title"] for r in api.json()["items"]) == ["A", "B"]
    half = await admin.get(
        "/api/risks", params={"likelihood": 4}, headers={"Accept-Language": "ja"}
    )
    assert half.status_code in (400, 422) and "両方" in half.text
    out_of_range = await admin.get("/risks", params={"likelihood": 9, "impact": 1})
    assert out_of_range.status_code == 422
    # another organisation's system in the filter is not found, its risks never listed
    other = await site("admin@other.example")
    assert (await other.get("/risks", params={"system": first})).status_code == 404
    assert _listed(soup(await other.get(str(link["href"])))) == []


async def test_the_dashboard_groups_open_items_per_system_with_counts(site: Any) -> None:
    admin = await site("admin@acme.example")
    low = await create_system(admin, name="社内検索")
    high = await create_system(admin, name="採用支援", domain="employment")
    for system_id in (low, high):
        await admin.post(
            f"/systems/{system_id}/assessment/start",
            data={"csrf": await csrf(admin, f"/systems/{system_id}")},
        )
    data = (await admin.get("/api/dashboard")).json()
    groups = data["open_items"]
    assert [g["system_id"] for g in groups] == [high, low]  # highest tier first
    for group in groups:
        assert group["total"] == sum(group["by_state"].values()) > len(group["items"])
    page = soup(await admin.get("/dashboard", params={"lang": "ja"}))
    sections = page.select("#open-items section.open-system")
    assert [int(str(s["data-system"])) for s in sections] == [high, low]
    first = sections[0]
    assert f"未完了 {groups[0]['total']} 件" in first.get_text()
    more = first.select_one("p.more a")
    assert more is not None and more["href"] == f"/systems/{high}/assessment"
    item = first.select_one("tbody a")
    assert item is not None and str(item["href"]).startswith(
        f"/systems/{high}/assessment/answer?requirement="
    )
    assert (await admin.get(str(item["href"]))).status_code == 200


async def test_a_saved_form_is_confirmed_once_on_the_next_page(site: Any) -> None:
    admin = await site("admin@acme.example")
    created = await admin.post(
        "/systems/new",
        data={
            "name": "議事録要約",
            "org_role": "user",
            "domain": "internal_operations",
            "stage": "plan",
            "autonomy": "assistive",
            "scale": "small",
            "deployment": "internal",
            "csrf": await csrf(admin),
        },
    )
    assert created.status_code == 303
    shown = soup(await admin.get(created.headers["location"], params={"lang": "ja"}))
    flash = shown.select_one("#flash")
    assert flash is not None and flash.get_text() == "登録しました。"
    assert flash["role"] == "status"  # read out by screen readers
    again = soup(await admin.get(created.headers["location"]))
    assert again.select_one("#flash") is None  # once, not on every later page
    system_id = int(created.headers["location"].rsplit("/", 1)[1])
    risk = await _risk(admin, system_id, "誤回答", likelihood="3", impact="3")
    assert soup(await admin.get(risk, params={"lang": "en"})).select_one("#flash").get_text() == (  # type: ignore[union-attr]
        "Created."
    )
    # the cookie names a kind, never text: a forged value shows nothing
    admin.cookies.set("tekisei_flash", "<script>alert(1)</script>")
    forged = await admin.get(risk)
    assert soup(forged).select_one("#flash") is None and "alert(1)" not in forged.text


async def test_the_page_header_names_the_organisation_not_its_slug(site: Any) -> None:
    client = await site("admin@acme.example")
    page = BeautifulSoup((await client.get("/systems")).text, "html.parser")
    switch = page.select_one("#org-switch")
    assert switch is not None
    assert switch.get_text(strip=True) == "Acme"  # its name; "acme" is for addresses
