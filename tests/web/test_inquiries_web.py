"""Inquiries through the real app: the public API and form without an account (honeypot,
signed form time, rate limit, the secret), the status page, the inbox's pages and API for
each role, in Japanese and English, and hostile text shown as text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.services.test_inquiries import published

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
SCRIPT = '<script>alert("x")</script>'
MEMBERS = [
    ("admin@acme.example", "acme", Role.ADMIN),
    ("editor@acme.example", "acme", Role.EDITOR),
    ("viewer@acme.example", "acme", Role.VIEWER),
    ("tester@lab.example", "acme", Role.EXTERNAL_TESTER),
    ("admin@other.example", "other", Role.ADMIN),
]
QUESTION = {"org": "acme", "kind": "disclosure", "subject": "学習データの開示",
            "message": "私の作品が学習に使われたか教えてください。", "name": "山田 花子",
            "contact": "hanako@example.jp"}  # fmt: skip


def _site(settings: Settings, loaded_db: Database, tmp_path: Path, **overrides: Any) -> Any:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=f"{slug.title()} 株式会社", slug=slug,
                                   actors=[OrgActor.BUSINESS], responsible_person="佐藤"), "cli",
            )  # fmt: skip
        for email, org, role in MEMBERS:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role, "cli",
                must_change_password=False,
            )  # fmt: skip
        owner = orgs.cli_principal(session, "acme")
    _, public_id = published(loaded_db, owner, tmp_path)
    tokens = {}
    for email, org, _ in MEMBERS:
        with loaded_db.transaction() as session:
            tokens[email] = users.create_token(session, email, org)[0]
    app = create_app(settings.model_copy(update=overrides))
    return app, tokens, public_id


@pytest.fixture
async def site(
    settings: Settings, loaded_db: Database, tmp_path: Path
) -> AsyncIterator[dict[str, Any]]:
    app, tokens, public_id = _site(settings, loaded_db, tmp_path, inquiry_min_seconds=0)
    transport = httpx.ASGITransport(app=app)
    clients: list[httpx.AsyncClient] = []

    async def browser(email: str | None = None) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        if email is None:
            return client
        page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
        token = page.select_one('input[name="login_csrf"]')["value"]  # type: ignore[index]
        signed = await client.post(
            "/signin",
            data={"email": email, "password": PASSWORD, "next": "/dashboard", "login_csrf": token},
        )
        assert signed.status_code == 303, signed.text
        return client

    yield {"browser": browser, "tokens": tokens, "public_id": public_id, "app": app}
    for client in clients:
        await client.aclose()
    app.state.database.close()


def auth(site: dict[str, Any], email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site['tokens'][email]}"}


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_the_public_api_receives_and_answers_only_with_the_secret(
    site: dict[str, Any],
) -> None:
    public = await site["browser"]()
    sent = await public.post("/api/public/inquiries", json=QUESTION)
    assert sent.status_code == 201, sent.text
    tracking, secret = sent.json()["tracking"], sent.json()["secret"]
    about = await public.post(
        "/api/public/inquiries",
        json={k: v for k, v in QUESTION.items() if k != "org"} | {"system": site["public_id"]},
    )
    assert about.status_code == 201, about.text
    by_header = await public.get(
        f"/api/public/inquiries/{tracking}", headers={"X-Inquiry-Secret": secret}
    )
    by_query = await public.get(f"/api/public/inquiries/{tracking}", params={"secret": secret})
    assert by_header.status_code == by_query.status_code == 200
    assert by_header.json()["state"] == "received" and by_header.json()["replies"] == []
    assert "hanako" not in by_header.text  # the sender's own contact is not echoed back
    wrong = await public.get(
        f"/api/public/inquiries/{tracking}", headers={"X-Inquiry-Secret": about.json()["secret"]}
    )
    unknown = await public.get(
        "/api/public/inquiries/INQ-2222222222", headers={"X-Inquiry-Secret": secret}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    # honeypot, oversize, unknown kind, nothing published, another org's notice
    refusals = [
        (QUESTION | {"website": "http://spam.example"}, 422),
        (QUESTION | {"message": "x" * 4001}, 422),
        (QUESTION | {"kind": "lawsuit"}, 422),
        (QUESTION | {"org": "other"}, 404),
        (QUESTION | {"org": "other", "system": site["public_id"]}, 404),
    ]
    for body, code in refusals:
        refused = await public.post("/api/public/inquiries", json=body)
        assert refused.status_code == code, (body, refused.text)
    honeypot = await public.post(
        "/api/public/inquiries", json=QUESTION | {"website": "x"}, headers={"Accept-Language": "ja"}
    )
    assert "自動送信" in honeypot.text
    # the inside: a viewer reads the inbox without the sender's name and contact
    listed = await public.get("/api/inquiries", headers=auth(site, "viewer@acme.example"))
    assert listed.status_code == 200 and len(listed.json()) == 2
    assert all(i["name"] is None and i["contact"] is None for i in listed.json())
    assert "hanako" not in listed.text
    full = await public.get("/api/inquiries", headers=auth(site, "editor@acme.example"))
    assert {i["contact"] for i in full.json()} == {"hanako@example.jp"}
    for stranger in ("tester@lab.example", "admin@other.example"):
        got = await public.get(
            f"/api/inquiries/{full.json()[0]['id']}", headers=auth(site, stranger)
        )
        assert got.status_code == 404


async def test_only_the_message_is_required_the_subject_is_its_first_line(
    site: dict[str, Any],
) -> None:
    public = await site["browser"]()
    long_line = "学習データについて" * 10
    bodies = [
        ({"system": site["public_id"], "message": "この判定は誰が確認していますか？"},
         "この判定は誰が確認していますか？"),
        ({"org": "acme", "subject": "  ", "message": f"\n\n{long_line}\n二行目"},
         long_line[:59] + "…"),
    ]  # fmt: skip
    for body, subject in bodies:
        sent = await public.post("/api/public/inquiries", json=body)
        assert sent.status_code == 201, sent.text
        read = await public.get(
            f"/api/public/inquiries/{sent.json()['tracking']}",
            headers={"X-Inquiry-Secret": sent.json()["secret"]},
        )
        assert read.json()["kind"] == "question" and read.json()["subject"] == subject
    for body in ({"org": "acme"}, {"org": "acme", "message": "   "}, {"org": "acme", "message": 5}):
        refused = await public.post("/api/public/inquiries", json=body)
        assert refused.status_code == 422, (body, refused.text)
    # a published system may also be named by its number; an unpublished one is not found
    listed = await public.get("/api/inquiries", headers=auth(site, "editor@acme.example"))
    system_id = next(i["system_id"] for i in listed.json() if i["system_id"])
    by_number = await public.post(
        "/api/public/inquiries", json={"system": system_id, "message": "番号で送る"}
    )
    assert by_number.status_code == 201, by_number.text
    hidden = await public.post(
        "/api/systems",
        headers=auth(site, "admin@acme.example"),
        json={"name": "未公開", "org_role": "user", "domain": "general"},
    )
    assert hidden.status_code == 201, hidden.text
    for number, code in ((hidden.json()["id"], 404), (999999, 404), (True, 422)):
        refused = await public.post(
            "/api/public/inquiries", json={"system": number, "message": "届かない"}
        )
        assert refused.status_code == code, (number, refused.text)


async def test_the_openapi_document_asks_only_for_the_message_as_the_api_does(
    site: dict[str, Any],
) -> None:
    public = await site["browser"]()
    document = (await public.get("/openapi.json")).json()
    schema = document["components"]["schemas"]["PublicInquiry"]
    assert schema["required"] == ["message"]
    assert "first line" in schema["properties"]["subject"]["description"]


async def test_answering_through_the_api_shows_on_the_status_api_never_the_notes(
    site: dict[str, Any],
) -> None:
    public = await site["browser"]()
    sent = (await public.post("/api/public/inquiries", json=QUESTION)).json()
    editor = auth(site, "editor@acme.example")
    iid = (await public.get("/api/inquiries", headers=editor)).json()[0]["id"]
    note = await public.post(
        f"/api/inquiries/{iid}/notes", headers=editor, json={"text": "法務に確認中"}
    )
    assert note.status_code == 201
    viewer_reply = await public.post(
        f"/api/inquiries/{iid}/replies",
        headers=auth(site, "viewer@acme.example"),
        json={"text": "x", "version": 1},
    )
    assert viewer_reply.status_code == 403
    replied = await public.post(
        f"/api/inquiries/{iid}/replies",
        headers=editor,
        json={"text": "使っていません。", "version": 1},
    )
    assert replied.status_code == 201, replied.text
    stale = await public.post(f"/api/inquiries/{iid}/close", headers=editor, json={"version": 1})
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith(f"inquiry {iid} changed since version 1 (now 2)")
    assert stale.json()["detail_ja"].startswith(f"問い合わせ {iid} はバージョン1以降に変更")
    closed = await public.post(f"/api/inquiries/{iid}/close", headers=editor, json={"version": 2})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    status = await public.get(
        f"/api/public/inquiries/{sent['tracking']}", headers={"X-Inquiry-Secret": sent["secret"]}
    )
    body = status.json()
    assert body["state"] == "closed" and [r["text"] for r in body["replies"]] == [
        "使っていません。"
    ]
    assert "法務" not in status.text and "editor@" not in status.text
    erase = await public.post(f"/api/inquiries/{iid}/erase", headers=editor)
    assert erase.status_code == 403
    erased = await public.post(
        f"/api/inquiries/{iid}/erase", headers=auth(site, "admin@acme.example")
    )
    assert erased.status_code == 200 and erased.json()["contact"] == ""


async def test_the_public_form_gives_a_tracking_number_once_and_the_status_page_the_answer(
    site: dict[str, Any],
) -> None:
    public = await site["browser"]()
    notice = await public.get(f"/notices/{site['public_id']}?lang=ja")
    link = soup(notice).select_one("#inquiry-link")
    assert link is not None and link["href"] == f"/notices/{site['public_id']}/inquiry"
    form_page = await public.get(str(link["href"]), params={"lang": "ja"})
    assert form_page.status_code == 200
    page = soup(form_page)
    assert page.select_one("#inquiry-to") is not None
    token = str(page.select_one('input[name="token"]')["value"])  # type: ignore[index]
    data = {"token": token, "website": "", "kind": "opt_out", "subject": SCRIPT,
            "message": "利用を停止してください。", "lang": "ja"}  # fmt: skip
    sent = await public.post(str(link["href"]), data=data)
    assert sent.status_code == 201, sent.text
    assert sent.headers["cache-control"] == "no-store"
    tracking = soup(sent).select_one("#tracking").get_text()  # type: ignore[union-attr]
    secret = soup(sent).select_one("#secret").get_text()  # type: ignore[union-attr]
    again = await public.post(str(link["href"]), data=data)  # the same form, replayed
    assert again.status_code == 409
    assert soup(again).select_one("#form-error") is not None
    spam = await public.post(str(link["href"]), data=data | {"website": "x", "token": token})
    assert spam.status_code == 422
    # the status page: posted, never in the address; a wrong secret says only "no match"
    wrong = await public.post("/inquiries/status", data={"tracking": tracking, "secret": "no"})
    assert wrong.status_code == 404 and soup(wrong).select_one("#status-error") is not None
    shown = await public.post(
        "/inquiries/status?lang=ja", data={"tracking": tracking, "secret": secret}
    )
    assert shown.status_code == 200
    state = soup(shown).select_one("#inquiry-state")
    assert state is not None and state["data-state"] == "received"
    assert state.get_text() == "受付済み"
    assert SCRIPT not in shown.text  # escaped
    prefilled = await public.get("/inquiries/status", params={"tracking": tracking})
    assert soup(prefilled).select_one("#tracking")["value"] == tracking  # type: ignore[index]


async def test_the_organisation_form_is_linked_from_the_statement_only_when_it_publishes(
    site: dict[str, Any],
) -> None:
    public = await site["browser"]()
    assert (await public.get("/orgs/acme/inquiries/new")).status_code == 200
    assert (await public.get("/orgs/other/inquiries/new")).status_code == 404
    assert (await public.get("/orgs/nobody/inquiries/new")).status_code == 404
    assert (await public.post("/orgs/other/inquiries/new", data={})).status_code == 404


async def test_a_too_fast_or_stale_form_is_refused_with_a_message_to_reload(
    settings: Settings, loaded_db: Database, tmp_path: Path
) -> None:
    app, _, public_id = _site(settings, loaded_db, tmp_path, inquiry_min_seconds=3)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as public:
        page = soup(await public.get(f"/notices/{public_id}/inquiry?lang=ja"))
        token = str(page.select_one('input[name="token"]')["value"])  # type: ignore[index]
        data = {"token": token, "kind": "question", "subject": "件名", "message": "本文"}
        fast = await public.post(f"/notices/{public_id}/inquiry?lang=ja", data=data)
        assert fast.status_code == 422
        error = soup(fast).select_one("#form-error")
        assert error is not None and "再読み込み" in error.get_text()
        stale = "1000000000" + token[token.index(".") :]
        old = await public.post(f"/notices/{public_id}/inquiry", data=data | {"token": stale})
        assert old.status_code == 422
        other = await public.post("/orgs/acme/inquiries/new", data=data)  # another form's token
        assert other.status_code == 422
    app.state.database.close()


async def test_the_public_endpoints_are_rate_limited_per_client(
    settings: Settings, loaded_db: Database, tmp_path: Path
) -> None:
    app, _, _ = _site(settings, loaded_db, tmp_path, inquiries_per_minute=2)
    app.state.inquiry_limiter = None
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as public:
        from tekisei.web.api.inquiries import limiter

        class _Request:  # the limiter is made on first use; fix its clock to one minute
            def __init__(self) -> None:
                self.app = app

        limiter(_Request()).clock = lambda: 1_800_000_000.0  # type: ignore[arg-type]
        codes = [
            (await public.post("/api/public/inquiries", json=QUESTION)).status_code
            for _ in range(3)
        ]
        assert codes == [201, 201, 429]
        limited = await public.get("/api/public/inquiries/INQ-2222222222?secret=x")
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        # the sender is told what was counted: inquiries and look-ups, not "checks"
        assert limited.json()["detail"].startswith("too many inquiries and status look-ups")
        assert limited.json()["detail_ja"].startswith("このアドレスからの問い合わせの送信と状況")
    app.state.database.close()


async def test_the_inbox_pages_for_each_role_in_both_languages(site: dict[str, Any]) -> None:
    public = await site["browser"]()
    await public.post("/api/public/inquiries", json=QUESTION | {"subject": SCRIPT})
    admin = await site["browser"]("admin@acme.example")
    inbox = await admin.get("/inquiries?lang=ja")
    assert inbox.status_code == 200
    items = soup(inbox).select("#inquiries-list li[data-inquiry]")
    assert len(items) == 1 and SCRIPT not in inbox.text
    iid = items[0]["data-inquiry"]
    detail = await admin.get(f"/inquiries/{iid}?lang=en")
    page = soup(detail)
    assert page.select_one("#inquiry-contact").get_text() == "hanako@example.jp"  # type: ignore[union-attr]
    csrf = str(page.select_one('#reply-form input[name="csrf"]')["value"])  # type: ignore[index]
    replied = await admin.post(
        f"/inquiries/{iid}/reply", data={"csrf": csrf, "version": "1", "text": "回答します。"}
    )
    assert replied.status_code == 303
    rejected = await admin.post(
        f"/inquiries/{iid}/reject", data={"csrf": csrf, "version": "2", "reason": ""}
    )
    assert rejected.status_code == 422
    assert soup(rejected).select_one("#err-reject-reason") is not None
    stale = await admin.post(f"/inquiries/{iid}/close", data={"csrf": csrf, "version": "1"})
    assert stale.status_code == 409
    closed = await admin.post(f"/inquiries/{iid}/close", data={"csrf": csrf, "version": "2"})
    assert closed.status_code == 303
    after = soup(await admin.get(f"/inquiries/{iid}?lang=ja"))
    assert after.select_one("#inquiry-state")["data-state"] == "closed"  # type: ignore[index]
    assert after.select_one("#reply-form") is None
    viewer = await site["browser"]("viewer@acme.example")
    seen = soup(await viewer.get(f"/inquiries/{iid}"))
    assert seen.select_one("#inquiry-contact") is None and seen.select_one("#note-form") is None
    assert "hanako" not in str(seen)
    tester = await site["browser"]("tester@lab.example")
    assert (await tester.get("/inquiries")).status_code == 404
    assert (await tester.get(f"/inquiries/{iid}")).status_code == 404
    settings_page = soup(await admin.get("/inquiries/settings"))
    csrf = str(settings_page.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
    form = {
        f"due-{k}": "7"
        for k in (
            "question",
            "complaint",
            "objection",
            "disclosure",
            "opt_out",
            "correction",
            "compensation",
            "rights_holder",
        )
    }
    saved = await admin.post(
        "/inquiries/settings", data=form | {"csrf": csrf, "version": "0", "retention_days": "90"}
    )
    assert saved.status_code == 303
    read = await admin.get("/api/inquiries/settings")
    assert read.json()["retention_days"] == 90 and read.json()["due_days"]["question"] == 7
    dashboard = soup(await admin.get("/dashboard"))
    assert dashboard.select_one("#count-inquiries-recent").get_text() == "1"  # type: ignore[union-attr]
