"""HAIP reports through the real app: the JSON API with every role, the pages in Japanese
and English (list, editor, approval, publication), and the public report without signing
in (page in both languages, JSON twin, PDF, 410 once taken down)."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from typing import Any

import docx
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
MEMBERS = [
    ("admin@acme.example", "acme", Role.ADMIN),
    ("editor@acme.example", "acme", Role.EDITOR),
    ("ceo@acme.example", "acme", Role.EXECUTIVE),
    ("assessor@acme.example", "acme", Role.ASSESSOR),
    ("auditor@acme.example", "acme", Role.AUDITOR),
    ("viewer@acme.example", "acme", Role.VIEWER),
    ("tester@acme.example", "acme", Role.EXTERNAL_TESTER),
    ("admin@other.example", "other", Role.ADMIN),
]
BODY = {"title": "2026年度 HAIP報告", "period_start": "2026-04-01", "period_end": "2027-03-31"}


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[Any]:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session,
                OrgCreate(name=f"{slug.title()} 株式会社", slug=slug, actors=[OrgActor.BUSINESS]),
                "cli",
            )
        for email, org, role in MEMBERS:
            users.create_user(
                session,
                users.UserCreate(email=email, name=email.split("@")[0], password=PASSWORD),
                org,
                role,
                "cli",
                must_change_password=False,
            )
    tokens = {}
    for email, org, _ in MEMBERS:
        with loaded_db.transaction() as session:
            key = email.split("@")[0] + ("-other" if org == "other" else "")
            tokens[key] = users.create_token(session, email, org)[0]
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
                data={"email": email, "password": PASSWORD, "next": "/", "login_csrf": token},
            )
            assert signed.status_code == 303, signed.text
        return client

    browser.tokens = tokens  # type: ignore[attr-defined]
    yield browser
    for client in clients:
        await client.aclose()
    app.state.database.close()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def csrf(client: httpx.AsyncClient, url: str) -> str:
    field = soup(await client.get(url)).select_one('input[name="csrf"]')
    assert field is not None, url
    return str(field["value"])


async def _report(site: Any, **sections: dict[str, str]) -> dict[str, Any]:
    api = await site()
    created = await api.post(
        "/api/reports/haip",
        json=BODY | {"sections": sections or {"1": {"ja": "リスクは台帳で管理しています。"}}},
        headers=auth(site.tokens["admin"]),
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


async def _approved_and_published(site: Any, report: dict[str, Any]) -> dict[str, Any]:
    api, tokens = await site(), site.tokens
    url = f"/api/reports/haip/{report['id']}"
    version = (await api.get(url, headers=auth(tokens["admin"]))).json()["version"]
    asked = await api.post(
        f"{url}/approval-request", json={"version": version}, headers=auth(tokens["editor"])
    )
    assert asked.status_code == 200, asked.text
    approved = await api.post(
        f"{url}/approval",
        json={"version": version, "approve": True, "reason": "確認しました"},
        headers=auth(tokens["ceo"]),
    )
    assert approved.status_code == 200 and approved.json()["approved_for_publishing"]
    published = await api.post(
        f"{url}/publish", json={"version": version}, headers=auth(tokens["admin"])
    )
    assert published.status_code == 200, published.text
    return dict(published.json())


# ----------------------------------------------------------------------------- API


async def test_the_api_writes_approves_and_publishes_in_turn_and_by_role(site: Any) -> None:
    api, tokens = await site(), site.tokens
    report = await _report(site)
    url = f"/api/reports/haip/{report['id']}"
    assert report["status"] == "draft" and report["version"] == 1
    assert [s["section"] for s in report["document"]["sections"]] == list("1234567")
    stale = await api.put(url, json={"version": 9, "title": "stale"}, headers=auth(tokens["admin"]))
    assert stale.status_code == 409
    edited = await api.put(
        url,
        json={"version": 1, "sections": {"4": {"en": "The board oversees AI."}}},
        headers=auth(tokens["editor"]),
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2
    assert edited.json()["content"]["sections"]["1"]["ja"] == "リスクは台帳で管理しています。"
    refused = await api.post(f"{url}/publish", json={"version": 2}, headers=auth(tokens["admin"]))
    assert refused.status_code == 409 and "経営層の承認" in refused.json()["detail_ja"]
    for who in ("viewer", "auditor", "assessor", "ceo", "tester"):
        denied = await api.put(url, json={"version": 2, "title": "x"}, headers=auth(tokens[who]))
        assert denied.status_code == (404 if who == "tester" else 403), (who, denied.text)
    for who in ("viewer", "auditor", "assessor", "ceo", "editor"):
        read = await api.get(url, headers=auth(tokens[who]))
        assert read.status_code == 200 and read.json()["updated_by"] == "editor", who
    assert (await api.get(url, headers=auth(tokens["admin"]))).json()["updated_by"] == (
        "editor@acme.example"
    )
    assert (await api.get("/api/reports/haip", headers=auth(tokens["tester"]))).status_code == 403
    await api.post(f"{url}/approval-request", json={"version": 2}, headers=auth(tokens["admin"]))
    for who in ("admin", "editor", "viewer"):
        decided = await api.post(
            f"{url}/approval",
            json={"version": 2, "approve": True, "reason": "x"},
            headers=auth(tokens[who]),
        )
        assert decided.status_code == 403, who
    approved = await api.post(
        f"{url}/approval",
        json={"version": 2, "approve": True, "reason": "確認しました"},
        headers=auth(tokens["ceo"]),
    )
    assert approved.status_code == 200 and approved.json()["approval"]["decided_by"] == "ceo"
    done = await api.post(f"{url}/publish", json={"version": 2}, headers=auth(tokens["editor"]))
    published = done.json()
    assert published["status"] == "published" and published["published_version"] == 1
    assert published["public_path"] == f"/public/reports/{report['public_id']}"
    for fmt, kind in (("docx", "wordprocessingml"), ("pdf", "pdf"), ("json", "json")):
        got = await api.get(
            f"{url}/export", params={"format": fmt, "lang": "en"}, headers=auth(tokens["auditor"])
        )
        assert got.status_code == 200 and kind in got.headers["content-type"]
        assert f'filename="haip-report-{report["id"]}-v2' in got.headers["content-disposition"]
    opened = docx.Document(io.BytesIO((await api.get(
        f"{url}/export", params={"format": "docx"}, headers=auth(tokens["viewer"])
    )).content))  # fmt: skip
    assert sum(p.style.name == "Heading 1" for p in opened.paragraphs) == 7


async def test_the_api_refuses_what_is_too_long_malformed_or_out_of_range(site: Any) -> None:
    api, admin = await site(), auth(site.tokens["admin"])
    cases = [
        BODY | {"title": "x" * 201},
        BODY | {"title": ""},
        BODY | {"period_end": "2026-03-31"},  # before the start
        BODY | {"period_start": "1999-01-01", "period_end": "1999-12-31"},
        BODY | {"sections": {"8": {"ja": "x"}}},
        BODY | {"sections": {"1": {"ja": "x" * 12_001}}},
        BODY | {"sections": {"1": {"ja": "a\u0000b"}}},
        BODY | {"sections": {"1": {"ja": "bell\u0007"}}},
        BODY | {"surprise": True},
    ]
    for body in cases:
        refused = await api.post("/api/reports/haip", json=body, headers=admin)
        assert refused.status_code == 422, (body, refused.text)
    period = await api.post("/api/reports/haip", json=BODY | {"period_end": "2026-03-31"},
                            headers=admin)  # fmt: skip
    assert "報告期間の終わり" in period.json()["detail_ja"]
    assert (await api.get("/api/reports/haip", headers=admin)).json() == []


async def test_another_organisation_gets_404_everywhere(site: Any) -> None:
    api, other = await site(), auth(site.tokens["admin-other"])
    report = await _report(site)
    url = f"/api/reports/haip/{report['id']}"
    for method, path, body in (
        ("GET", url, None),
        ("PUT", url, {"version": 1, "title": "stolen"}),
        ("POST", f"{url}/approval-request", {"version": 1}),
        ("POST", f"{url}/publish", {"version": 1}),
        ("POST", f"{url}/unpublish", {"reason": "stolen"}),
        ("GET", f"{url}/export?format=json", None),
    ):
        answer = await api.request(method, path, json=body, headers=other)
        assert answer.status_code == 404, (method, path, answer.text)
        assert "2026年度" not in answer.text
    assert (await api.get("/api/reports/haip", headers=other)).json() == []
    anonymous = await site()
    assert (await anonymous.get(f"/api/public/reports/{report['public_id']}")).status_code == 404


# ----------------------------------------------------------------------------- pages


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_every_role_reads_the_pages_in_its_language_and_only_writers_edit(
    site: Any, lang: str
) -> None:
    report = await _report(site)
    editor_url = f"/reports/haip/{report['id']}?lang={lang}"
    for email, org, role in MEMBERS:
        if org != "acme":
            continue
        client = await site(email)
        listing = await client.get(f"/reports/haip?lang={lang}")
        page = await client.get(editor_url)
        if role is Role.EXTERNAL_TESTER:
            assert listing.status_code == 403 and page.status_code == 404
            nav = soup(await client.get(f"/dashboard?lang={lang}")).select(
                'nav a[href="/reports/haip"]'
            )
            assert nav == []
            continue
        assert listing.status_code == 200 and page.status_code == 200, email
        html = soup(page)
        assert html.select_one("h1").get_text() == "2026年度 HAIP報告"  # type: ignore[union-attr]
        titles = [h.get_text() for h in html.select("section.haip-section h2")]
        first = (
            "1. リスクの特定及び評価" if lang == "ja" else "1. Risk identification and evaluation"
        )
        assert len(titles) == 7 and titles[0] == first
        prompt = html.select_one("#section-1 .haip-prompt")
        assert prompt is not None
        assert ("tekisei の文言" if lang == "ja" else "tekisei's wording") in prompt.get_text()
        writes = role in (Role.ADMIN, Role.EDITOR)
        assert bool(html.select("textarea[name='1-ja']")) is writes, email
        assert bool(html.select("form#request-approval")) is writes, email
        assert bool(soup(listing).select("form#new-report")) is writes, email
        assert soup(listing).select_one(f'tr[data-report="{report["id"]}"]') is not None
        coverage = html.select_one('table.haip-coverage[data-section="5"] tr[data-action="7"]')
        assert coverage is not None and coverage["data-coverage"] == "missing"


async def test_the_editor_keeps_what_was_typed_on_errors_and_confirms_a_save(site: Any) -> None:
    report = await _report(site)
    client = await site("editor@acme.example")
    url = f"/reports/haip/{report['id']}"
    token = await csrf(client, url)
    form = {
        "csrf": token, "version": "1", "title": "2026年度 HAIP報告",
        "period_start": "2026-04-01", "period_end": "2026-01-01",
        "1-ja": "リスクは台帳で管理しています。", "3-en": f"Published notices. {SCRIPT}",
    }  # fmt: skip
    refused = await client.post(f"{url}?lang=ja", data=form)
    assert refused.status_code == 422
    page = soup(refused)
    assert "報告期間の終わり" in page.select_one("#err-period_end").get_text()  # type: ignore[union-attr]
    assert page.select_one("textarea[name='3-en']").get_text() == form["3-en"]  # type: ignore[union-attr]
    assert "<script>" not in refused.text.split("<main", 1)[1].replace("<script src=", "")
    saved = await client.post(url, data=form | {"period_end": "2027-03-31"})
    assert saved.status_code == 303 and saved.headers["location"] == url
    shown = await client.get(f"{url}?lang=ja")
    assert soup(shown).select_one("#flash").get_text() == "保存しました。"  # type: ignore[union-attr]
    assert soup(shown).select_one("#draft-version").get_text().startswith("2")  # type: ignore[union-attr]
    stale = await client.post(f"{url}?lang=en", data=form | {"period_end": "2027-03-31"})
    assert stale.status_code == 409
    error = soup(stale).select_one("#report-error")
    assert error is not None and "2" in error.get_text()  # names the version to read again
    new = await client.post(
        "/reports/haip",
        data={"csrf": await csrf(client, "/reports/haip"), "title": "", "period_start": "x"},
    )
    assert new.status_code == 422 and soup(new).select_one("#err-title") is not None


async def test_approval_and_publication_through_the_pages_with_the_inbox(site: Any) -> None:
    report = await _report(site)
    url = f"/reports/haip/{report['id']}"
    editor = await site("editor@acme.example")
    asked = await editor.post(
        f"{url}/request-approval",
        data={"csrf": await csrf(editor, url), "version": "1", "note": "ご確認ください"},
    )
    assert asked.status_code == 303
    ceo = await site("ceo@acme.example")
    inbox = soup(await ceo.get("/approvals?lang=ja"))
    link = inbox.select_one(f'#report-approvals a[href="{url}"]')
    assert link is not None and link.get_text() == "2026年度 HAIP報告"
    page = soup(await ceo.get(f"{url}?lang=ja"))
    assert page.select_one("form#decide-approval") is not None
    assert page.select_one("form#publish") is None  # executives approve, they do not publish
    decided = await ceo.post(
        f"{url}/approval",
        data={"csrf": await csrf(ceo, url), "version": "1", "decision": "approve", "reason": "可"},
    )
    assert decided.status_code == 303
    status = soup(await editor.get(f"{url}?lang=en")).select_one("#approval-status")
    assert status is not None and "Approved for this draft" in status.get_text()
    published = await editor.post(
        f"{url}/publish", data={"csrf": await csrf(editor, url), "version": "1"}
    )
    assert published.status_code == 303
    shown = soup(await editor.get(f"{url}?lang=ja"))
    assert shown.select_one("#flash").get_text() == "公開しました。"  # type: ignore[union-attr]
    assert shown.select_one("#public-link")["href"] == f"/public/reports/{report['public_id']}"  # type: ignore[index]


async def test_the_public_report_reads_signed_out_in_both_languages_and_says_when_it_was_taken_down(
    site: Any,
) -> None:
    report = await _report(site, **{"1": {"ja": f"日本語の本文 {SCRIPT}", "en": "English text"},
                                    "2": {"en": "Only in English"}})  # fmt: skip
    await _approved_and_published(site, report)
    public = f"/public/reports/{report['public_id']}"
    anonymous = await site()
    ja = await anonymous.get(f"{public}?lang=ja")
    assert ja.status_code == 200
    page = soup(ja)
    assert page.select_one("h1").get_text() == "2026年度 HAIP報告"  # type: ignore[union-attr]
    assert page.select_one("header.site") is None and "Acme 株式会社" in ja.text
    narrative = page.select_one("#section-1 .haip-narrative")
    assert narrative is not None and SCRIPT in narrative.get_text()  # shown as text
    assert "<script>alert" not in ja.text
    assert "英語で表示" in page.select_one("#section-2").get_text()  # type: ignore[union-attr]
    assert page.select("table.haip-coverage") == [] and page.select("table.haip-table") == []
    en = soup(await anonymous.get(f"{public}?lang=en"))
    assert en.select_one("#section-1 h2").get_text() == "1. Risk identification and evaluation"  # type: ignore[union-attr]
    twin = await anonymous.get(f"/api/public/reports/{report['public_id']}")
    assert twin.status_code == 200 and twin.json()["report"]["sections"][0]["prompt_source"] == (
        "tekisei"
    )
    assert twin.json()["versions"][0]["number"] == 1
    pdf = await anonymous.get(f"{public}/pdf?lang=en")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Risk identification and evaluation" in re.sub(r"\s+", " ", text)
    assert (await anonymous.get(f"{public}/versions/1?lang=ja")).status_code == 200
    assert (await anonymous.get(f"{public}/versions/2")).status_code == 404
    api = await site()
    taken = await api.post(
        f"/api/reports/haip/{report['id']}/unpublish",
        json={"reason": "数値に誤りがあったため"},
        headers=auth(site.tokens["admin"]),
    )
    assert taken.status_code == 200 and taken.json()["status"] == "withdrawn"
    gone = await anonymous.get(f"{public}?lang=ja")
    assert gone.status_code == 410 and "数値に誤りがあったため" in gone.text
    gone_json = await anonymous.get(f"/api/public/reports/{report['public_id']}")
    assert gone_json.status_code == 410 and gone_json.json()["reason"] == "数値に誤りがあったため"
