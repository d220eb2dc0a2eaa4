"""The vendor register through the real app: the JSON API for every role, the pages in
Japanese and English (forms, the APPI rule next to its field, stale edits, a change opening
reviews, the history, the section on the system page), and hostile text shown as text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

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
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MEMBERS = [
    ("admin@acme.example", "acme", Role.ADMIN),
    ("editor@acme.example", "acme", Role.EDITOR),
    ("ceo@acme.example", "acme", Role.EXECUTIVE),
    ("viewer@acme.example", "acme", Role.VIEWER),
    ("assessor@acme.example", "acme", Role.ASSESSOR),
    ("audit@acme.example", "acme", Role.AUDITOR),
    ("tester@lab.example", "acme", Role.EXTERNAL_TESTER),
    ("admin@other.example", "other", Role.ADMIN),
]
SYSTEM = {"name": "問い合わせ応答", "org_role": "provider", "purpose": "質問に答える。",
          "vendors": ["example llm"]}  # fmt: skip


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[Any]:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        for email, org, role in MEMBERS:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role, "cli",
                must_change_password=False,
            )  # fmt: skip
    tokens = {}
    for email, org, _ in MEMBERS:
        with loaded_db.transaction() as session:
            tokens[email] = users.create_token(session, email, org)[0]
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    clients: list[httpx.AsyncClient] = []

    async def browser(email: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
        token = page.select_one('input[name="login_csrf"]')["value"]  # type: ignore[index]
        signed = await client.post(
            "/signin",
            data={"email": email, "password": PASSWORD, "next": "/dashboard", "login_csrf": token},
        )
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


def csrf(page: BeautifulSoup) -> str:
    return str(page.select_one('input[name="csrf"]')["value"])  # type: ignore[index]


async def _system(site: Any, client: httpx.AsyncClient) -> int:
    made = await client.post("/api/systems", headers=auth(site, "admin@acme.example"), json=SYSTEM)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def test_the_api_writes_for_admins_and_editors_and_reads_for_the_rest(site: Any) -> None:
    client = await site("admin@acme.example")
    system_id = await _system(site, client)
    added = await client.post(
        "/api/vendors",
        headers=auth(site, "editor@acme.example"),
        json={"name": "Example LLM", "kind": "ai_api", "region": "米国", "abroad": True,
              "abroad_basis": "本人の同意", "contact": "sales@llm.example",
              "data_categories": ["personal"], "systems": [system_id]},
    )  # fmt: skip
    assert added.status_code == 201, added.text
    vid = added.json()["id"]
    assert added.json()["contact"] == "sales@llm.example" and added.json()["version"] == 1
    assert added.json()["named_by"] == [system_id]
    for email in ("ceo@acme.example", "viewer@acme.example", "assessor@acme.example",
                  "audit@acme.example"):  # fmt: skip
        headers = auth(site, email)
        read = await client.get(f"/api/vendors/{vid}", headers=headers)
        assert read.status_code == 200 and read.json()["contact"] is None, email
        assert "sales@llm.example" not in (await client.get("/api/vendors", headers=headers)).text
        refused = await client.post("/api/vendors", headers=headers, json={"name": "x"})
        assert refused.status_code == 403, email
        changed = await client.post(
            f"/api/vendors/{vid}/change", headers=headers,
            json={"reason": "other", "version": 1},
        )  # fmt: skip
        assert changed.status_code == 403, email
    for outsider in ("tester@lab.example", "admin@other.example"):
        headers = auth(site, outsider)
        assert (await client.get(f"/api/vendors/{vid}", headers=headers)).status_code == 404
        assert (await client.get(f"/api/vendors/{vid}/history", headers=headers)).status_code == 404
        moved = await client.patch(
            f"/api/vendors/{vid}", headers=headers, json={"version": 1, "name": "x"}
        )
        assert moved.status_code == 404
    tester = auth(site, "tester@lab.example")
    assert (await client.get("/api/vendors", headers=tester)).status_code == 404
    other = auth(site, "admin@other.example")
    assert (await client.get("/api/vendors", headers=other)).json() == []
    admin = auth(site, "admin@acme.example")
    saved = await client.patch(
        f"/api/vendors/{vid}", headers=admin, json={"version": 1, "review_result": "問題なし"}
    )
    assert saved.status_code == 200 and saved.json()["version"] == 2
    stale = await client.patch(
        f"/api/vendors/{vid}", headers=admin, json={"version": 1, "name": "x"}
    )
    assert stale.status_code == 409
    no_basis = await client.patch(
        f"/api/vendors/{vid}", headers=admin, json={"version": 2, "abroad_basis": ""}
    )
    assert no_basis.status_code == 422
    changed = await client.post(
        f"/api/vendors/{vid}/change", headers=admin,
        json={"reason": "terms_change", "detail": "学習利用の条項", "version": 2},
    )  # fmt: skip
    assert changed.status_code == 201, changed.text
    assert changed.json()["reviews"] == [system_id]
    reviews = (await client.get(f"/api/systems/{system_id}/reviews", headers=admin)).json()
    assert len(reviews) == 1 and reviews[0]["status"] == "open"
    archived = await client.post(
        f"/api/vendors/{vid}/archive", headers=admin, json={"version": 3, "detail": "移行"}
    )
    assert archived.status_code == 200 and archived.json()["archived_at"]
    history = (await client.get(f"/api/vendors/{vid}/history", headers=admin)).json()
    assert [e["kind"] for e in history] == ["archived", "changed", "updated", "created"]
    assert (await client.get("/api/vendors", headers=admin)).json() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "x" * 201}, 422),
        ({"name": "x", "kind": "bank"}, 422),
        ({"name": "x", "abroad": True}, 422),
        ({"name": "x", "contact": "x" * 501}, 422),
        ({"name": "x", "systems": list(range(1, 60))}, 422),
        ({"name": "x", "systems": [2**31 - 1]}, 404),
        ({"name": "x", "org_id": 2}, 422),
        ({"name": "x", "contract_start": "2026-02-01", "contract_end": "2026-01-01"}, 422),
    ],
)
async def test_the_api_refuses_what_is_out_of_bounds(
    site: Any, body: dict[str, Any], status: int
) -> None:
    client = await site("admin@acme.example")
    response = await client.post(
        "/api/vendors", headers=auth(site, "admin@acme.example"), json=body
    )
    assert response.status_code == status, response.text
    assert (await client.get("/api/vendors", headers=auth(site, "admin@acme.example"))).json() == []


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_adding_a_vendor_and_recording_a_change_through_the_pages(
    site: Any, lang: str
) -> None:
    editor = await site("editor@acme.example")
    system_id = await _system(site, editor)
    page = soup(await editor.get(f"/vendors?lang={lang}"))
    assert page.select_one('nav a[href="/vendors"][aria-current="page"]')
    refused = await editor.post(
        f"/vendors/new?lang={lang}",
        data={"csrf": csrf(page), "name": "Example LLM", "kind": "ai_api", "abroad": "true"},
    )
    assert refused.status_code == 422
    error = soup(refused).select_one("#err-abroad_basis")
    assert error is not None
    assert ("第28条" in error.get_text()) == (lang == "ja")
    assert soup(refused).select_one('input[name="abroad"]').has_attr("checked")  # type: ignore[union-attr]
    made = await editor.post(
        f"/vendors/new?lang={lang}",
        data={"csrf": csrf(page), "name": SCRIPT, "kind": "cloud", "region": "シンガポール",
              "abroad": "true", "abroad_basis": "基準適合体制", "covers_incidents": "true",
              "data_categories": ["personal", "confidential"], "contact": "090-0000-0000",
              "contract_start": "2026-01-01", "next_review": "2027-01-01",
              "systems": str(system_id)},
    )  # fmt: skip
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    shown = await editor.get(f"{url}?lang={lang}")
    detail = soup(shown)
    assert SCRIPT not in shown.text and detail.select_one("h1").get_text().startswith("<script>")  # type: ignore[union-attr]
    assert detail.select_one("#flash") is not None
    facts = detail.select_one("#vendor-facts").get_text()  # type: ignore[union-attr]
    assert ("クラウド" if lang == "ja" else "Cloud / hosting") in facts
    assert ("インシデントの通知" if lang == "ja" else "Incident notification") in facts
    assert detail.select_one("#vendor-contact").get_text(strip=True) == "090-0000-0000"  # type: ignore[union-attr]
    changed = await editor.post(
        f"{url}/change?lang={lang}",
        data={"csrf": csrf(detail), "version": "1", "reason": "security_incident",
              "detail": "API キーの漏えい"},
    )  # fmt: skip
    assert changed.status_code == 303
    detail = soup(await editor.get(f"{url}?lang={lang}"))
    entries = detail.select("#vendor-history li[data-event]")
    assert [e["data-event"] for e in entries] == ["changed", "created"]
    said = entries[0].get_text()
    assert ("セキュリティインシデント" if lang == "ja" else "Security incident") in said
    assert "API キーの漏えい" in said
    # a stale change is refused with the conflict shown
    stale = await editor.post(
        f"{url}/change?lang={lang}",
        data={"csrf": csrf(detail), "version": "1", "reason": "other"},
    )
    assert stale.status_code == 409
    assert soup(stale).select_one("#change-error") is not None
    # the system page lists the vendor and, from its facts, nothing else
    system_page = soup(await editor.get(f"/systems/{system_id}?lang={lang}"))
    assert len(system_page.select("#system-vendors li")) == 1
    review = await editor.get(
        f"/api/systems/{system_id}/reviews", headers=auth(site, "editor@acme.example")
    )
    assert len(review.json()) == 1
    filtered = soup(await editor.get(f"/vendors?system={system_id}&kind=ai_api"))
    assert not filtered.select("#vendors-table tr[data-vendor]")
    filtered = soup(await editor.get(f"/vendors?system={system_id}&kind=cloud&abroad=true"))
    assert len(filtered.select("#vendors-table tr[data-vendor]")) == 1


async def test_a_stale_edit_is_a_conflict_readers_get_no_forms_and_testers_nothing(
    site: Any,
) -> None:
    admin = await site("admin@acme.example")
    system_id = await _system(site, admin)
    added = await admin.post(
        "/api/vendors", headers=auth(site, "admin@acme.example"),
        json={"name": "EXAMPLE LLM", "kind": "ai_api", "contact": "担当 090-1111-2222"},
    )  # fmt: skip
    vid = added.json()["id"]
    page = soup(await admin.get(f"/vendors/{vid}?lang=ja"))
    named = page.select('#vendor-systems li[data-named="true"]')
    assert len(named) == 1 and "ベンダー欄" in named[0].get_text()
    first = await admin.post(
        f"/vendors/{vid}", data={"csrf": csrf(page), "version": "1", "name": "EXAMPLE LLM",
                                 "kind": "ai_api", "region": "日本"},
    )  # fmt: skip
    assert first.status_code == 303
    stale = await admin.post(
        f"/vendors/{vid}?lang=ja", data={"csrf": csrf(page), "version": "1", "name": "上書き"}
    )
    assert stale.status_code == 409
    assert "読み込み直して" in soup(stale).select_one(".error-message").get_text()  # type: ignore[union-attr]
    system_page = soup(await admin.get(f"/systems/{system_id}?lang=en"))
    assert system_page.select_one('#system-vendors li[data-named="true"]') is not None
    viewer = await site("viewer@acme.example")
    seen = await viewer.get(f"/vendors/{vid}")
    assert seen.status_code == 200 and "090-1111-2222" not in seen.text
    assert not soup(seen).select("form#vendor-form, form#change-form, #archive-form")
    tester = await site("tester@lab.example")
    assert (await tester.get("/vendors")).status_code == 404
    assert (await tester.get(f"/vendors/{vid}")).status_code == 404
    assert not soup(await tester.get("/dashboard")).select('nav a[href="/vendors"]')
    other = await site("admin@other.example")
    assert (await other.get(f"/vendors/{vid}")).status_code == 404
    archived = await admin.post(
        f"/vendors/{vid}/archive", data={"csrf": csrf(page), "version": "2", "detail": "終了"}
    )
    assert archived.status_code == 303
    after = soup(await admin.get(f"/vendors/{vid}?lang=en"))
    assert "Archived" in after.select_one("h1").get_text()  # type: ignore[union-attr]
    assert not after.select("#change-form, #vendor-form")


async def test_the_assessment_links_the_vendor_and_a_tester_sees_no_vendors(site: Any) -> None:
    admin = await site("admin@acme.example")
    headers = auth(site, "admin@acme.example")
    made = await admin.post(
        "/api/systems", headers=headers,
        json=SYSTEM | {"deployment": "public", "affected": ["customers"],
                       "data_categories": ["personal"]},
    )  # fmt: skip
    system_id = made.json()["id"]
    started = await admin.post(f"/api/systems/{system_id}/assessments", headers=headers)
    assert started.status_code == 201, started.text
    vid = (
        await admin.post("/api/vendors", headers=headers, json={"name": "Cloud", "kind": "cloud",
                                                                 "systems": [system_id]})
    ).json()["id"]  # fmt: skip
    page = soup(await admin.get(f"/systems/{system_id}/assessment?lang=en"))
    assert f"/vendors/{vid}" in {a["href"] for a in page.select("a[data-evidence]")}
    assigned = await admin.post(
        f"/api/systems/{system_id}/testers", headers=headers, json={"email": "tester@lab.example"}
    )
    assert assigned.status_code < 300, assigned.text
    tester = await site("tester@lab.example")
    shown = await tester.get(f"/systems/{system_id}")
    assert shown.status_code == 200
    assert soup(shown).select_one("#vendors") is None
    assessment = await tester.get(f"/systems/{system_id}/assessment")
    assert f"/vendors/{vid}" not in assessment.text
