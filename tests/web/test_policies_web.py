"""AI policies and the governance statement through the real app: the JSON API and the
workspace pages for every role, in Japanese and English, and the public statement
without signing in (pages, JSON twin, PDF, versions, tombstone), with hostile text shown
as text."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example","click")'
MEMBERS = [
    ("admin@acme.example", "acme", Role.ADMIN, "管理 太郎"),
    ("editor@acme.example", "acme", Role.EDITOR, "編集 花子"),
    ("ceo@acme.example", "acme", Role.EXECUTIVE, "経営 一郎"),
    ("viewer@acme.example", "acme", Role.VIEWER, "閲覧 次郎"),
    ("assessor@acme.example", "acme", Role.ASSESSOR, "評価 三郎"),
    ("audit@acme.example", "acme", Role.AUDITOR, "監査 四郎"),
    ("tester@lab.example", "acme", Role.EXTERNAL_TESTER, "外部 五郎"),
    ("admin@other.example", "other", Role.ADMIN, "他社 六郎"),
]


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[Any]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session,
            OrgCreate(
                name="Acme 株式会社",
                slug="acme",
                actors=[OrgActor.BUSINESS],
                responsible_person="佐藤 一郎",
                responsible_title="AI統括責任者",
            ),
            "cli",
        )
        orgs.create_org(
            session, OrgCreate(name="Other", slug="other", actors=[OrgActor.BUSINESS]), "cli"
        )
        for email, org, role, name in MEMBERS:
            users.create_user(
                session,
                users.UserCreate(email=email, name=name, password=PASSWORD),
                org,
                role,
                "cli",
                must_change_password=False,
            )
    tokens = {}
    for email, org, _, _ in MEMBERS:
        with loaded_db.transaction() as session:
            tokens[email] = users.create_token(session, email, org)[0]
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    clients: list[httpx.AsyncClient] = []

    async def browser(email: str | None = None) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        if email:
            page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
            token = page.select_one('input[name="login_csrf"]')["value"]  # type: ignore[index]
            signed = await client.post(
                "/signin",
                data={"email": email, "password": PASSWORD, "next": "/policies",
                      "login_csrf": token},
            )  # fmt: skip
            assert signed.status_code == 303, signed.text
        return client

    browser.tokens = tokens  # type: ignore[attr-defined]
    yield browser
    for client in clients:
        await client.aclose()
    app.state.database.close()


def auth(site: Any, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens[email]}"}


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def csrf(client: httpx.AsyncClient, url: str) -> str:
    field = soup(await client.get(url)).select_one('input[name="csrf"]')
    assert field is not None, url
    return str(field["value"])


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def edit_body(view: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        "version": view["version"],
        "ja": view["content"]["ja"],
        "en": view["content"]["en"],
        "items": [i["ref"] for i in view["items"]],
        "audience": view["audience"],
        "effective_on": view["effective_on"],
    }
    return body | changes


async def in_force(site: Any, client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    """A basic policy made through the API by the editor, approved by the CEO, published."""
    editor, ceo = auth(site, "editor@acme.example"), auth(site, "ceo@acme.example")
    created = await client.post("/api/policies", headers=editor, json={"kind": "basic"})
    assert created.status_code == 201, created.text
    view = created.json()
    saved = await client.put(
        f"/api/policies/{view['id']}",
        headers=editor,
        json=edit_body(view, effective_on="2020-01-01", **changes),
    )
    assert saved.status_code == 200, saved.text
    version = saved.json()["version"]
    asked = await client.post(
        f"/api/policies/{view['id']}/approval-request", headers=editor, json={"version": version}
    )
    assert asked.status_code == 200, asked.text
    approved = await client.post(
        f"/api/policies/{view['id']}/approval",
        headers=ceo,
        json={"version": version, "approve": True, "reason": "確認した"},
    )
    assert approved.status_code == 200, approved.text
    published = await client.post(
        f"/api/policies/{view['id']}/publish", headers=editor, json={"number": 1}
    )
    assert published.status_code == 200, published.text
    return dict(published.json())


# ----------------------------------------------------------------------------- API


async def test_the_policy_api_checks_versions_limits_items_and_every_role(site: Any) -> None:
    client = await site()
    admin, editor = auth(site, "admin@acme.example"), auth(site, "editor@acme.example")
    readers = [auth(site, e) for e in ("viewer@acme.example", "assessor@acme.example",
                                       "audit@acme.example", "ceo@acme.example")]  # fmt: skip
    for reader in readers:
        denied = await client.post("/api/policies", headers=reader, json={"kind": "basic"})
        assert denied.status_code == 403
    assert (
        await client.post("/api/policies", headers=admin, json={"kind": "nope"})
    ).status_code == 422
    view = (await client.post("/api/policies", headers=admin, json={"kind": "data"})).json()
    assert view["template"] == "tekisei-policy-templates/1" and view["audience"] == "public"
    url = f"/api/policies/{view['id']}"
    too_long = await client.put(
        url, headers=editor, json=edit_body(view, ja={"title": "t", "body": "x" * 100_000})
    )
    assert too_long.status_code == 422 and len(too_long.content) < 2000  # not echoed whole
    unknown = await client.put(url, headers=editor, json=edit_body(view, items=["2.1", "9.9"]))
    assert unknown.status_code == 422 and "9.9" in unknown.json()["detail"]
    bad_item = await client.put(url, headers=editor, json=edit_body(view, items=[SCRIPT]))
    assert bad_item.status_code == 422
    hostile = {"title": f"{FORMULA}"[:200], "body": f"## {SCRIPT}\n- {FORMULA}"}
    saved = await client.put(url, headers=editor, json=edit_body(view, ja=hostile))
    assert saved.status_code == 200 and saved.json()["content"]["ja"] == hostile
    stale = await client.put(
        url, headers=admin, json=edit_body(view, ja={"title": "後", "body": "x"})
    )
    assert stale.status_code == 409 and "detail_ja" in stale.json()
    for reader in readers:
        shown = await client.get(url, headers=reader)
        assert shown.status_code == 200 and shown.json()["content"]["ja"] == hostile
        assert (
            await client.put(url, headers=reader, json=edit_body(saved.json()))
        ).status_code == 403
    asked = await client.post(
        f"{url}/approval-request", headers=editor, json={"version": saved.json()["version"]}
    )
    assert asked.status_code == 422 and "effective" in asked.text  # no effective date yet
    dated = await client.put(
        url, headers=editor, json=edit_body(saved.json(), effective_on="2026-04-01")
    )
    version = dated.json()["version"]
    await client.post(f"{url}/approval-request", headers=editor, json={"version": version})
    for outsider in (admin, editor, *readers[:3]):
        refused = await client.post(
            f"{url}/approval", headers=outsider,
            json={"version": version, "approve": True, "reason": "x"},
        )  # fmt: skip
        assert refused.status_code == 403
    no_reason = await client.post(
        f"{url}/approval",
        headers=readers[3],
        json={"version": version, "approve": True, "reason": ""},
    )
    assert no_reason.status_code == 422
    approved = await client.post(
        f"{url}/approval",
        headers=readers[3],
        json={"version": version, "approve": True, "reason": "可"},
    )
    assert approved.status_code == 200 and approved.json()["publishable"] == 1
    assert (
        await client.post(f"{url}/publish", headers=readers[3], json={"number": 1})
    ).status_code == 403
    assert (
        await client.post(f"{url}/publish", headers=editor, json={"number": 2})
    ).status_code == 404
    published = await client.post(f"{url}/publish", headers=editor, json={"number": 1})
    assert published.status_code == 200 and published.json()["status"] == "in_force"
    versions = await client.get(f"{url}/versions", headers=readers[0])
    assert [v["number"] for v in versions.json()] == [1]
    one = await client.get(f"{url}/versions/1", headers=readers[0])
    assert one.json()["content"]["ja"] == hostile and one.json()["approved_by"] == "経営 一郎"
    assert (await client.get(f"{url}/versions/2", headers=admin)).status_code == 404


async def test_acknowledgements_through_the_api_show_names_to_readers_and_emails_to_admins(
    site: Any,
) -> None:
    client = await site()
    view = await in_force(site, client)
    url = f"/api/policies/{view['id']}/acknowledgements"
    viewer = auth(site, "viewer@acme.example")
    done = await client.post(url, headers=viewer, json={"number": 1})
    assert done.status_code == 201 and done.json()["acknowledged"] == 1
    again = await client.post(url, headers=viewer, json={"number": 1})
    assert again.status_code == 409
    wrong = await client.post(url, headers=auth(site, "ceo@acme.example"), json={"number": 2})
    assert wrong.status_code == 409
    listed = (await client.get(url, headers=viewer)).json()
    assert listed["members"] == 6 and listed["mine"]  # every member but the external tester
    assert "admin@acme.example" not in str(listed) and "閲覧 次郎" in str(listed)
    seen = (await client.get(url, headers=auth(site, "admin@acme.example"))).json()
    assert {p["email"] for p in seen["people"]} >= {"viewer@acme.example", "ceo@acme.example"}
    tester = auth(site, "tester@lab.example")
    assert (await client.get(url, headers=tester)).status_code == 404
    assert (await client.post(url, headers=tester, json={"number": 1})).status_code == 404
    assert (await client.get("/api/policies", headers=tester)).status_code == 403


async def test_policy_and_statement_endpoints_are_404_or_their_own_for_another_organisation(
    site: Any,
) -> None:
    client = await site()
    view = await in_force(site, client, ja={"title": "極秘の方針名", "body": "本文"})
    other = auth(site, "admin@other.example")
    url = f"/api/policies/{view['id']}"
    calls = [
        ("GET", url, None),
        ("PUT", url, edit_body(view)),
        ("POST", f"{url}/approval-request", {"version": view["version"]}),
        ("POST", f"{url}/approval", {"version": view["version"], "approve": True, "reason": "x"}),
        ("POST", f"{url}/publish", {"number": 1}),
        ("POST", f"{url}/withdraw", {"reason": "stolen"}),
        ("GET", f"{url}/versions", None),
        ("GET", f"{url}/versions/1", None),
        ("GET", f"{url}/acknowledgements", None),
        ("POST", f"{url}/acknowledgements", {"number": 1}),
    ]
    for method, address, body in calls:
        response = await client.request(method, address, headers=other, json=body)
        assert response.status_code == 404, (method, address, response.text)
        assert "極秘の方針名" not in response.text
    assert (await client.get("/api/policies", headers=other)).json() == []
    statement = (await client.get("/api/statement", headers=other)).json()
    assert statement["content"]["organisation"] == "Other" and "極秘" not in str(statement)
    page = await site("admin@other.example")
    assert (await page.get(f"/policies/{view['id']}")).status_code == 404
    assert (await page.get(f"/policies/{view['id']}/versions/1")).status_code == 404
    mine = (await client.get(url, headers=auth(site, "admin@acme.example"))).json()
    assert mine["status"] == "in_force" and mine["withdrawn_at"] is None


# ----------------------------------------------------------------------------- pages


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_policy_pages_show_write_controls_only_to_those_allowed(site: Any, lang: str) -> None:
    api = await site()
    view = await in_force(
        site, api, ja={"title": "基本方針", "body": f"## 見出し\n- {SCRIPT}"}, en=None
    )
    pid = view["id"]
    expected_controls = {
        "admin@acme.example": {"#policy-form", "#withdraw", "#acknowledge-form"},
        "editor@acme.example": {"#policy-form", "#withdraw", "#acknowledge-form"},
        "ceo@acme.example": {"#acknowledge-form"},
        "viewer@acme.example": {"#acknowledge-form"},
        "audit@acme.example": {"#acknowledge-form"},
        "assessor@acme.example": {"#acknowledge-form"},
    }
    controls = ("#policy-form", "#withdraw", "#acknowledge-form", "#request-approval",
                "#decide-approval", "#publish", "#new-policy")  # fmt: skip
    for email, wanted in expected_controls.items():
        client = await site(email)
        page = await client.get(f"/policies/{pid}?lang={lang}")
        assert page.status_code == 200, email
        html = soup(page)
        assert html.html["lang"] == lang  # type: ignore[index]
        found = {c for c in controls if html.select_one(c) is not None}
        assert found == wanted, email
        assert not html.select("main script") and not html.select("main img")
        assert SCRIPT in html.select_one(".policy-text").get_text()  # type: ignore[union-attr]
        assert html.select_one(".policy-state")["data-status"] == "in_force"  # type: ignore[index]
        listing = soup(await client.get(f"/policies?lang={lang}"))
        assert listing.select_one(f'tr[data-policy="{pid}"]') is not None
        assert (listing.select_one("#new-policy") is not None) == ("#policy-form" in wanted)
        version = soup(await client.get(f"/policies/{pid}/versions/1?lang={lang}"))
        assert SCRIPT in version.select_one("#version-text").get_text()  # type: ignore[union-attr]
    tester = await site("tester@lab.example")
    assert (await tester.get(f"/policies/{pid}")).status_code == 404
    assert (await tester.get("/policies")).status_code == 403
    assert soup(await tester.get("/dashboard")).select_one('a[href="/policies"]') is None


async def test_a_policy_is_created_edited_approved_published_and_acknowledged_on_the_pages(
    site: Any,
) -> None:
    editor = await site("editor@acme.example")
    created = await editor.post(
        "/policies/new",
        data={"csrf": await csrf(editor, "/policies"), "kind": "acceptable_use", "template": "1"},
    )
    assert created.status_code == 303
    url = created.headers["location"]
    page = soup(await editor.get(f"{url}?lang=ja"))
    assert page.select_one("#flash") is not None
    assert "AI利用規程" in page.select_one("#ja-title")["value"]  # type: ignore[index]
    assert page.select_one("#request-approval") is None  # no effective date yet
    form = {
        "csrf": await csrf(editor, url),
        "version": "1",
        "ja-title": "AI利用規程",
        "ja-body": f"## 1. 目的\n{SCRIPT}",
        "en-title": "",
        "en-body": "",
        "audience": "internal",
        "effective_on": "2020-04-01",
        "items": ["2.1", "3.2"],
    }
    bad_date = await editor.post(f"{url}?lang=ja", data=form | {"effective_on": "2020-13-45"})
    assert bad_date.status_code == 422
    assert soup(bad_date).select_one("#err-effective_on") is not None
    assert soup(bad_date).select_one("#ja-body").get_text().endswith(SCRIPT)  # type: ignore[union-attr]
    assert (await editor.post(url, data=form)).status_code == 303
    stale = await editor.post(f"{url}?lang=en", data=form | {"ja-title": "別の変更"})
    assert stale.status_code == 409 and "reload" in stale.text
    page = soup(await editor.get(f"{url}?lang=ja"))
    assert [i.get_text(" ", strip=True).split()[0] for i in page.select("#draft-items li")] == [
        "2(1)",
        "3(2)",
    ]
    assert "組織内のみ" in page.select_one("#draft-audience").get_text()  # type: ignore[union-attr]
    asked = await editor.post(
        f"{url}/request-approval",
        data={"csrf": await csrf(editor, url), "version": "2", "note": "確認をお願いします"},
    )
    assert asked.status_code == 303
    ceo = await site("ceo@acme.example")
    inbox = soup(await ceo.get("/approvals?lang=ja"))
    assert "AI利用規程" in inbox.select_one("#policy-approvals").get_text()  # type: ignore[union-attr]
    decided = await ceo.post(
        f"{url}/approval",
        data={"csrf": await csrf(ceo, url), "version": "2", "decision": "approve", "reason": ""},
    )
    assert decided.status_code == 422
    decided = await ceo.post(
        f"{url}/approval",
        data={"csrf": await csrf(ceo, url), "version": "2", "decision": "approve",
              "reason": "内容を確認しました"},
    )  # fmt: skip
    assert decided.status_code == 303
    published = await editor.post(
        f"{url}/publish", data={"csrf": await csrf(editor, url), "number": "1"}
    )
    assert published.status_code == 303
    page = soup(await editor.get(f"{url}?lang=ja"))
    assert page.select_one(".policy-state")["data-status"] == "in_force"  # type: ignore[index]
    assert page.select_one("#flash").get_text() == "公開しました。"  # type: ignore[union-attr]
    viewer = await site("viewer@acme.example")
    read = await viewer.post(
        f"{url}/acknowledge", data={"csrf": await csrf(viewer, url), "number": "1"}
    )
    assert read.status_code == 303
    page = soup(await viewer.get(f"{url}?lang=en"))
    assert page.select_one("#my-acknowledgement") is not None
    rows = {r["data-user"]: r["data-acknowledged"] for r in page.select("#readers tr[data-user]")}
    assert list(rows.values()).count("yes") == 1 and len(rows) == 6
    assert "viewer@acme.example" not in page.select_one("#readers").get_text()  # type: ignore[union-attr]
    withdrawn = await editor.post(
        f"{url}/withdraw", data={"csrf": await csrf(editor, url), "reason": ""}
    )
    assert withdrawn.status_code == 422
    withdrawn = await editor.post(
        f"{url}/withdraw", data={"csrf": await csrf(editor, url), "reason": "統合のため"}
    )
    assert withdrawn.status_code == 303
    page = soup(await viewer.get(f"{url}?lang=ja"))
    assert "統合のため" in page.select_one("#policy-withdrawn").get_text()  # type: ignore[union-attr]
    assert page.select_one("#acknowledge") is None
    denied = await viewer.post(
        f"{url}/publish", data={"csrf": await csrf(viewer, url), "number": "1"}
    )
    assert denied.status_code == 403


# ----------------------------------------------------------------------------- statement


async def test_the_statement_is_published_by_an_admin_and_read_signed_out_in_both_languages(
    site: Any,
) -> None:
    api = await site()
    await in_force(
        site,
        api,
        ja={"title": f"AI基本方針 {FORMULA}"[:200], "body": f"## 目的\n{SCRIPT}"},
        en=None,
    )
    editor = await site("editor@acme.example")
    page = soup(await editor.get("/statement?lang=ja"))
    assert (
        page.select_one("#publish") is None
        and "佐藤 一郎" in page.select_one("#responsible").get_text()
    )  # type: ignore[union-attr]
    denied = await editor.post(
        "/statement/publish", data={"csrf": await csrf(editor, "/statement")}
    )
    assert denied.status_code == 403
    admin = await site("admin@acme.example")
    page = soup(await admin.get("/statement?lang=ja"))
    digest = page.select_one('#publish input[name="digest"]')["value"]  # type: ignore[index]
    published = await admin.post(
        "/statement/publish", data={"csrf": await csrf(admin, "/statement"), "digest": digest}
    )
    assert published.status_code == 303
    again = await admin.post(
        "/statement/publish?lang=ja",
        data={"csrf": await csrf(admin, "/statement"), "digest": digest},
    )
    assert (
        again.status_code == 409
        and "変更がありません" in soup(again).select_one("#statement-error").get_text()
    )  # type: ignore[union-attr]
    public = soup(await admin.get("/statement")).select_one("#public-link")["href"]  # type: ignore[index]
    assert public == "/orgs/acme/statement"

    reader = await site()  # signed out
    for lang, kind in (("ja", "AIガバナンス声明"), ("en", "AI governance statement")):
        response = await reader.get(f"{public}?lang={lang}")
        assert response.status_code == 200
        html = soup(response)
        assert html.html["lang"] == lang  # type: ignore[index]
        assert kind in html.select_one("header").get_text()  # type: ignore[union-attr]
        assert not html.find_all("script") and not html.find_all("img")
        assert SCRIPT in html.select_one("#basic-policy").get_text()  # type: ignore[union-attr]
        assert FORMULA[:20] in html.select_one("#basic-policy").get_text()  # type: ignore[union-attr]
        assert "佐藤 一郎" in html.select_one("#responsible").get_text()  # type: ignore[union-attr]
        assert not html.select('a[href="/policies"], form.signout')
        assert "@acme.example" not in response.text
    english = soup(await reader.get(f"{public}?lang=en"))
    assert english.select_one("#basic-policy article")["lang"] == "ja"  # type: ignore[index]
    twin = await reader.get("/api/public/orgs/acme/statement")
    assert twin.status_code == 200
    body = twin.json()
    assert body["number"] == 1 and body["content"]["format"] == "tekisei-statement/1"
    assert body["content"]["basic_policy"]["content"]["ja"]["body"] == f"## 目的\n{SCRIPT}"
    assert "@acme.example" not in twin.text and "published_by" not in twin.text
    versions = await reader.get("/api/public/orgs/acme/statement/versions")
    assert [v["number"] for v in versions.json()] == [1]
    for lang in ("ja", "en"):
        pdf = await reader.get(f"{public}/pdf?lang={lang}")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert 'filename="statement-acme-v1-' in pdf.headers["content-disposition"]
        text = pdf_text(pdf.content)
        assert "Acme 株式会社" in text and "<script>alert" in text.replace("\n", "")
        assert "佐藤 一郎" in text
    assert "AIガバナンス声明" in pdf_text((await reader.get(f"{public}/pdf?lang=ja")).content)


async def test_an_unknown_or_unpublished_statement_is_404_and_a_taken_down_one_410(
    site: Any,
) -> None:
    reader = await site()
    for url in ("/orgs/acme/statement", "/api/public/orgs/acme/statement",
                "/orgs/no-such-org/statement", "/api/public/orgs/no-such-org/statement",
                "/orgs/acme/statement/pdf", "/orgs/acme/statement/versions/1"):  # fmt: skip
        response = await reader.get(url)
        assert response.status_code == 404, url
        assert "佐藤" not in response.text
    assert (await reader.get("/api/public/orgs/Not_A_Slug!/statement")).status_code in (404, 422)
    admin_api = auth(site, "admin@acme.example")
    first = await reader.post("/api/statement/publish", headers=admin_api, json={})
    assert first.status_code == 200 and first.json()["status"] == "published"
    bad_digest = await reader.post(
        "/api/statement/publish", headers=admin_api, json={"digest": "x"}
    )
    assert bad_digest.status_code == 422
    refused = await reader.post("/api/statement/unpublish", headers=admin_api, json={"reason": ""})
    assert refused.status_code == 422
    taken = await reader.post(
        "/api/statement/unpublish", headers=admin_api, json={"reason": "体制見直し <b>中</b>"}
    )
    assert taken.status_code == 200 and taken.json()["status"] == "withdrawn"
    page = await reader.get("/orgs/acme/statement?lang=ja")
    assert page.status_code == 410
    assert soup(page).select_one("#gone-reason").get_text() == "体制見直し <b>中</b>"  # type: ignore[union-attr]
    assert "佐藤" not in page.text
    for url in ("/orgs/acme/statement/versions/1", "/orgs/acme/statement/pdf"):
        assert (await reader.get(url)).status_code == 410, url
    twin = await reader.get("/api/public/orgs/acme/statement")
    assert twin.status_code == 410 and twin.json()["reason"] == "体制見直し <b>中</b>"
    editor = auth(site, "editor@acme.example")
    assert (await reader.post("/api/statement/publish", headers=editor, json={})).status_code == 403
    tester = auth(site, "tester@lab.example")
    assert (await reader.get("/api/statement", headers=tester)).status_code == 403
    assert (await reader.get("/api/statement")).status_code == 401
    today = date.today().isoformat()
    assert (
        today[:4] in (await reader.get("/api/statement", headers=admin_api)).json()["withdrawn_at"]
    )


async def test_an_assessment_started_after_publication_links_the_policy_and_the_statement(
    site: Any,
) -> None:
    client = await site()
    admin = auth(site, "admin@acme.example")
    view = await in_force(site, client)
    await client.post("/api/statement/publish", headers=admin, json={})
    system = await client.post(
        "/api/systems", headers=admin, json={"name": "提供AI", "org_role": "provider"}
    )
    system_id = system.json()["id"]
    started = await client.post(f"/api/systems/{system_id}/assessments", headers=admin)
    assert started.status_code == 201, started.text
    page = await site("viewer@acme.example")
    html = soup(await page.get(f"/systems/{system_id}/assessment?lang=en"))
    links = {a["data-evidence"]: a["href"] for a in html.select("a[data-evidence]")}
    assert links.get(f"policy:{view['id']}") == f"/policies/{view['id']}"
    assert links.get("statement:1") == "/statement"
    assert "AI policy “AI基本方針”, version 1" in html.get_text()
