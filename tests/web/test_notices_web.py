"""Records and notices through the real app: the JSON API, the workspace pages, and the
public notice without signing in (Japanese and English pages, JSON twin, PDF)."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
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
HIDDEN = ("UNDISCLOSED-SOURCE-4711", "UNDISCLOSED-LICENCE-0815", "非公開のデータ保有者")


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[Any]:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session,
                OrgCreate(name=f"{slug.title()} 株式会社", slug=slug, actors=[OrgActor.BUSINESS]),
                "cli",
            )
        members = [
            ("admin@acme.example", "acme", Role.ADMIN),
            ("ceo@acme.example", "acme", Role.EXECUTIVE),
            ("viewer@acme.example", "acme", Role.VIEWER),
            ("admin@other.example", "other", Role.ADMIN),
        ]
        for email, org, role in members:
            users.create_user(
                session,
                users.UserCreate(email=email, password=PASSWORD),
                org,
                role,
                "cli",
                must_change_password=False,
            )
    tokens = {}
    for email, org, _ in members:
        with loaded_db.transaction() as session:
            tokens[email.split("@")[0] + ("-other" if org == "other" else "")] = users.create_token(
                session, email, org
            )[0]
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
                data={
                    "email": email,
                    "password": PASSWORD,
                    "next": "/systems",
                    "login_csrf": token,
                },
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


async def new_system(client: httpx.AsyncClient, token: str, **facts: Any) -> int:
    body = {
        "name": "問い合わせ応答AI",
        "org_role": "provider",
        "purpose": "製品についての質問に答える。",
        "deployment": "public",
        "contact_window": "support@acme.example",
    } | facts
    created = await client.post("/api/systems", json=body, headers=auth(token))
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


# ----------------------------------------------------------------------------- records API


async def test_the_records_api_checks_addresses_limits_versions_and_roles(site: Any) -> None:
    client, tokens = await site(), site.tokens
    admin, viewer = auth(tokens["admin"]), auth(tokens["viewer"])
    system_id = await new_system(client, tokens["admin"])
    url = f"/api/systems/{system_id}/records/models"
    for address in ("javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://x.example/card"):
        refused = await client.post(
            url, headers=admin, json={"name": "m", "model_card_url": address}
        )
        assert refused.status_code == 422, address
    too_long = await client.post(url, headers=admin, json={"name": "m" * 201})
    assert too_long.status_code == 422
    assert len(too_long.text) < 2000  # the refused value is not echoed whole
    created = await client.post(
        url, headers=admin, json={"name": "m", "model_card_url": "https://lab.example/card"}
    )
    assert created.status_code == 201, created.text
    model_id = created.json()["id"]
    assert (await client.post(url, headers=viewer, json={"name": "v"})).status_code == 403
    changed = await client.patch(
        f"/api/records/models/{model_id}", headers=admin, json={"version": 1, "licence": "MIT"}
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = await client.patch(
        f"/api/records/models/{model_id}", headers=admin, json={"version": 1, "licence": "GPL"}
    )
    assert stale.status_code == 409 and "detail_ja" in stale.json()
    versions = await client.get(f"/api/records/models/{model_id}/versions", headers=viewer)
    assert [v["version"] for v in versions.json()] == [2, 1]
    assert versions.json()[1]["fields"]["licence"] == ""
    other = auth(tokens["admin-other"])
    assert (await client.get(f"/api/records/models/{model_id}", headers=other)).status_code == 404
    assert (await client.get(url, headers=other)).status_code == 404


# ----------------------------------------------------------------------------- record pages


async def test_record_pages_add_edit_show_errors_and_stay_read_only_for_viewers(
    site: Any,
) -> None:
    admin = await site("admin@acme.example")
    system_id = await new_system(admin, site.tokens["admin"])
    form = f"/records/datasets/new?system={system_id}&lang=ja"
    token = await csrf(admin, form)
    refused = await admin.post(form, data={"csrf": token, "name": "", "source": "x"})
    assert refused.status_code == 422
    assert soup(refused).select_one("#err-name") is not None
    created = await admin.post(
        form,
        data={
            "csrf": token,
            "name": "写真コーパス",
            "source": HIDDEN[0],
            "personal_data": ["personal", "special_care"],
            "copyrighted": "yes",
            "opt_out": "honoured",
            "data_holders": "写真家協会\n" + HIDDEN[2],
            "disclosed": ["name", "copyrighted", "opt_out"],
        },
    )
    assert created.status_code == 303, created.text
    page_url = created.headers["location"]
    page = soup(await admin.get(page_url + "?lang=ja"))
    assert page.select_one("#record-version").get_text() == "1"  # type: ignore[union-attr]
    checked = [i["value"] for i in page.select('input[name="disclosed"][checked]')]
    assert checked == ["name", "copyrighted", "opt_out"]
    stale_token = await csrf(admin, page_url)
    saved = await admin.post(
        page_url, data={"csrf": stale_token, "version": "1", "name": "写真コーパス2"}
    )
    assert saved.status_code == 303
    stale = await admin.post(
        page_url + "?lang=ja", data={"csrf": stale_token, "version": "1", "name": "別の変更"}
    )
    assert stale.status_code == 409
    assert "読み込み直して" in soup(stale).select_one(".error-message").get_text()  # type: ignore[union-attr]
    history = soup(await admin.get(page_url)).select("#record-history li")
    assert [li["data-version"] for li in history] == ["2", "1"]
    system_page = soup(await admin.get(f"/systems/{system_id}?lang=ja"))
    assert "写真コーパス2" in system_page.select_one("#records-table").get_text()  # type: ignore[union-attr]
    viewer = await site("viewer@acme.example")
    shown = soup(await viewer.get(page_url))
    assert shown.select_one("#record-form") is None
    assert "写真コーパス2" in shown.select_one("#record-details").get_text()  # type: ignore[union-attr]
    assert (await viewer.get(f"/records/models/new?system={system_id}")).status_code == 403
    other = await site("admin@other.example")
    assert (await other.get(page_url)).status_code == 404


async def test_a_script_model_card_address_is_refused_on_the_form(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await new_system(admin, site.tokens["admin"])
    form = f"/records/models/new?system={system_id}&lang=ja"
    refused = await admin.post(
        form,
        data={
            "csrf": await csrf(admin, form),
            "name": "m",
            "model_card_url": "javascript:alert(1)",
        },
    )
    assert refused.status_code == 422
    message = soup(refused).select_one("#err-model_card_url")
    assert message is not None and "https://" in message.get_text()
    assert not soup(refused).select('a[href^="javascript"]')


# ----------------------------------------------------------------------------- notices


async def _editor_post(
    client: httpx.AsyncClient, system_id: int, action: str, **data: Any
) -> httpx.Response:
    url = f"/systems/{system_id}/notice"
    token = await csrf(client, url)
    return await client.post(f"{url}{action}", data={"csrf": token, **data})


async def _version(client: httpx.AsyncClient, system_id: int) -> str:
    return (
        soup(await client.get(f"/systems/{system_id}/notice"))
        .select_one("#draft-version")
        .get_text()
        .split()[0]
    )  # type: ignore[union-attr]


async def _fill_every_field(client: httpx.AsyncClient, system_id: int) -> httpx.Response:
    page = soup(await client.get(f"/systems/{system_id}/notice"))
    data = {
        str(field["name"]): f"{field['name']} {SCRIPT}"
        for field in page.select("#notice-form input[name], #notice-form textarea[name]")
        if field["name"] not in ("csrf", "version")
    }
    return await _editor_post(
        client, system_id, "", version=await _version(client, system_id), **data
    )


async def test_a_notice_is_drafted_edited_published_and_read_signed_out_escaped(
    site: Any,
) -> None:
    admin = await site("admin@acme.example")
    tokens = site.tokens
    system_id = await new_system(admin, tokens["admin"])
    records = f"/api/systems/{system_id}/records"
    await admin.post(
        f"{records}/datasets",
        headers=auth(tokens["admin"]),
        json={"name": "公開データ", "source": HIDDEN[0], "data_holders": [HIDDEN[2]],
              "copyrighted": "no", "disclosed": ["name", "copyrighted"]},
    )  # fmt: skip
    await admin.post(
        f"{records}/models",
        headers=auth(tokens["admin"]),
        json={"name": "応答モデル", "licence": HIDDEN[1], "model_card_url": "https://lab.example/c",
              "disclosed": ["name", "model_card_url"]},
    )  # fmt: skip
    hostile = await admin.post(
        f"{records}/models",
        headers=auth(tokens["admin"]),
        json={
            "name": f"model {SCRIPT}",
            "notes": f"notes {SCRIPT}",
            "disclosed": ["name", "notes"],
        },
    )
    assert hostile.status_code == 201, hostile.text
    empty = soup(await admin.get(f"/systems/{system_id}/notice"))
    assert empty.select_one("#generate") is not None
    assert (await _editor_post(admin, system_id, "/generate")).status_code == 303
    assert (await _fill_every_field(admin, system_id)).status_code == 303
    published = await _editor_post(
        admin, system_id, "/publish", version=await _version(admin, system_id)
    )
    assert published.status_code == 303
    editor = soup(await admin.get(f"/systems/{system_id}/notice"))
    public = editor.select_one("#public-link")["href"]  # type: ignore[index]
    assert re.fullmatch(r"/notices/[A-Za-z0-9_-]{22}", str(public))

    reader = await site()  # signed out
    for lang in ("ja", "en"):
        response = await reader.get(f"{public}?lang={lang}")
        assert response.status_code == 200
        page = soup(response)
        assert page.html["lang"] == lang  # type: ignore[index]
        assert not page.find_all("script") and not page.find_all("img")
        assert SCRIPT in page.select_one("main").get_text()  # type: ignore[union-attr]
        records_shown = page.select_one('[data-section="records"]').get_text()  # type: ignore[union-attr]
        assert f"model {SCRIPT}" in records_shown and f"notes {SCRIPT}" in records_shown
        assert not page.select('a[href="/systems"], a[href="/dashboard"], form.signout')
        assert "応答モデル" in response.text and 'href="https://lab.example/c"' in response.text
        assert not any(secret in response.text for secret in HIDDEN)
    assert "AIの利用についてのお知らせ" in (await reader.get(f"{public}?lang=ja")).text
    assert "Notice on the use of AI" in (await reader.get(f"{public}?lang=en")).text

    pid = str(public).rsplit("/", 1)[1]
    twin = await reader.get(f"/api/public/notices/{pid}")
    assert twin.status_code == 200
    body = twin.json()
    assert body["version"]["number"] == 1 and body["latest"] == 1
    assert body["version"]["content"]["ja"]["title"].startswith("ja-title")
    assert not any(secret in twin.text for secret in HIDDEN)
    assert "admin@acme.example" not in twin.text
    versions = await reader.get(f"/api/public/notices/{pid}/versions")
    assert [v["number"] for v in versions.json()] == [1]

    for lang in ("ja", "en"):
        pdf = await reader.get(f"{public}/pdf?lang={lang}")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = pdf_text(pdf.content)
        flat = text.replace("\n", "")
        assert flat.count("<script>alert") >= 10  # nine sections and the record, as text
        assert "応答モデル" in text
        assert not any(secret in text for secret in HIDDEN)
    assert "AIの利用についてのお知らせ" in pdf_text(
        (await reader.get(f"{public}/pdf?lang=ja")).content
    )


async def test_publish_edit_publish_keeps_version_one_at_its_own_address(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await new_system(admin, site.tokens["admin"])
    api = f"/api/systems/{system_id}/notice"
    headers = auth(site.tokens["admin"])
    first = (await admin.post(api, headers=headers, json={})).json()
    await admin.post(f"{api}/publish", headers=headers, json={"version": first["version"]})
    ja = first["content"]["ja"]
    edited = {k: v for k, v in ja.items() if k != "records"} | {"limits": "第2版の注意書き"}
    saved = await admin.put(api, headers=headers, json={"version": first["version"], "ja": edited})
    assert saved.status_code == 200 and saved.json()["content"]["en"] is None
    stale = await admin.put(api, headers=headers, json={"version": first["version"], "ja": edited})
    assert stale.status_code == 409
    for field, size in (("title", 201), ("limits", 4001)):
        too_long = await admin.put(
            api,
            headers=headers,
            json={"version": saved.json()["version"], "ja": edited | {field: "x" * size}},
        )
        assert too_long.status_code == 422, field
    second = await admin.post(
        f"{api}/publish", headers=headers, json={"version": saved.json()["version"]}
    )
    assert second.status_code == 200 and second.json()["published_version"] == 2
    public = second.json()["public_path"]
    reader = await site()
    latest = soup(await reader.get(f"{public}?lang=ja"))
    assert "第2版の注意書き" in latest.get_text()
    assert [li["data-version"] for li in latest.select("#notice-versions li")] == ["2", "1"]
    old = soup(await reader.get(f"{public}/versions/1?lang=ja"))
    assert "第2版の注意書き" not in old.get_text() and old.select_one("#old-version")
    english = soup(await reader.get(f"{public}?lang=en"))
    assert english.select_one("#missing-language") is not None  # v2 is Japanese only
    assert english.select_one("article.notice-body")["lang"] == "ja"  # type: ignore[index]
    assert (await reader.get(f"{public}/versions/3")).status_code == 404


async def test_a_high_tier_notice_is_refused_without_approval_then_approved_by_an_executive(
    site: Any,
) -> None:
    admin = await site("admin@acme.example")
    system_id = await new_system(admin, site.tokens["admin"], domain="employment", name="採用AI")
    await _editor_post(admin, system_id, "/generate")
    version = await _version(admin, system_id)
    refused = await admin.post(
        f"/systems/{system_id}/notice/publish?lang=ja",
        data={"csrf": await csrf(admin, f"/systems/{system_id}/notice"), "version": version},
    )
    assert refused.status_code == 409
    message = soup(refused).select_one("#notice-error").get_text()  # type: ignore[union-attr]
    assert "経営層の承認が必要です" in message and "承認を申請" in message
    english = await admin.post(
        f"/systems/{system_id}/notice/publish?lang=en",
        data={"csrf": await csrf(admin, f"/systems/{system_id}/notice"), "version": version},
    )
    assert "executive approves its notice" in english.text
    viewer = await site("viewer@acme.example")
    denied = await _editor_post(viewer, system_id, "/publish", version=version)
    assert denied.status_code == 403
    assert (
        await _editor_post(
            admin, system_id, "/request-approval", version=version, note="確認をお願いします"
        )
    ).status_code == 303
    ceo = await site("ceo@acme.example")
    inbox = soup(await ceo.get("/approvals"))
    assert "採用AI" in inbox.select_one("#notice-approvals").get_text()  # type: ignore[union-attr]
    no_reason = await _editor_post(
        ceo, system_id, "/approval", version=version, decision="approve", reason=""
    )
    assert no_reason.status_code == 422
    approved = await _editor_post(
        ceo,
        system_id,
        "/approval",
        version=version,
        decision="approve",
        reason="内容を確認しました",
    )
    assert approved.status_code == 303
    assert (await _editor_post(admin, system_id, "/publish", version=version)).status_code == 303
    state = soup(await admin.get(f"/systems/{system_id}/notice"))
    assert state.select_one(".notice-state")["data-status"] == "published"  # type: ignore[index]


async def test_drafts_are_not_public_and_a_taken_down_notice_answers_410_with_when_and_why(
    site: Any,
) -> None:
    admin = await site("admin@acme.example")
    headers = auth(site.tokens["admin"])
    system_id = await new_system(admin, site.tokens["admin"])
    api = f"/api/systems/{system_id}/notice"
    drafted = (await admin.post(api, headers=headers, json={})).json()
    pid = drafted["public_id"]
    reader = await site()
    for url in (f"/notices/{pid}", f"/api/public/notices/{pid}", f"/notices/{pid}/pdf",
                f"/notices/{pid}/versions/1", f"/api/public/notices/{pid}/versions"):  # fmt: skip
        response = await reader.get(url)
        assert response.status_code == 404, url
        assert "問い合わせ応答AI" not in response.text
    assert (await reader.get("/notices/not-a-valid-id!")).status_code == 404
    await admin.post(f"{api}/publish", headers=headers, json={"version": drafted["version"]})
    refused = await admin.post(f"{api}/unpublish", headers=headers, json={"reason": ""})
    assert refused.status_code == 422
    taken = await admin.post(
        f"{api}/unpublish", headers=headers, json={"reason": "誤記のため <b>訂正</b>"}
    )
    assert taken.status_code == 200 and taken.json()["status"] == "withdrawn"
    page = await reader.get(f"/notices/{pid}?lang=ja")
    assert page.status_code == 410
    assert soup(page).select_one("#gone-reason").get_text() == "誤記のため <b>訂正</b>"  # type: ignore[union-attr]
    assert "問い合わせ応答AI" not in page.text  # the content is gone, the fact is not
    for url in (f"/notices/{pid}/versions/1", f"/notices/{pid}/pdf"):
        assert (await reader.get(url)).status_code == 410, url
    twin = await reader.get(f"/api/public/notices/{pid}")
    assert twin.status_code == 410
    assert twin.json()["reason"] == "誤記のため <b>訂正</b>" and twin.json()["withdrawn_at"]


async def test_notice_endpoints_are_404_for_another_organisation(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await new_system(admin, site.tokens["admin"])
    headers = auth(site.tokens["admin"])
    drafted = await admin.post(f"/api/systems/{system_id}/notice", headers=headers, json={})
    version = drafted.json()["version"]
    other_headers = auth(site.tokens["admin-other"])
    api = f"/api/systems/{system_id}/notice"
    calls = [
        ("GET", api, None),
        ("POST", api, {"regenerate": True, "version": version}),
        ("PUT", api, {"version": version, "ja": {"title": "stolen"}}),
        ("POST", f"{api}/approval-request", {"version": version}),
        ("POST", f"{api}/approval", {"version": version, "approve": True, "reason": "x"}),
        ("POST", f"{api}/publish", {"version": version}),
        ("POST", f"{api}/unpublish", {"reason": "stolen"}),
    ]
    for method, url, body in calls:
        response = await admin.request(method, url, headers=other_headers, json=body)
        assert response.status_code == 404, (method, url, response.text)
        assert "問い合わせ応答AI" not in response.text
    listed = await admin.get("/api/notices", headers=other_headers)
    assert listed.json() == []
    other = await site("admin@other.example")
    assert (await other.get(f"/systems/{system_id}/notice")).status_code == 404
    mine = (await admin.get(api, headers=headers)).json()
    assert mine["version"] == version and mine["status"] == "draft"


async def test_the_public_notice_shows_times_on_the_organisations_clock(site: Any) -> None:
    admin = await site("admin@acme.example")
    headers = auth(site.tokens["admin"])
    org = (await admin.get("/api/orgs/current", headers=headers)).json()
    moved = await admin.patch(
        "/api/orgs/current",
        headers=headers,
        json={"version": org["version"], "time_zone": "America/New_York"},
    )
    assert moved.status_code == 200, moved.text
    system_id = await new_system(admin, site.tokens["admin"])
    api = f"/api/systems/{system_id}/notice"
    draft = (await admin.post(api, headers=headers, json={})).json()
    published = await admin.post(
        f"{api}/publish", headers=headers, json={"version": draft["version"]}
    )
    public = published.json()["public_path"]
    reader = await site()  # signed out: the deployment's zone is Tokyo, the notice's New York
    meta = soup(await reader.get(f"{public}?lang=en")).select_one("#notice-meta")
    assert meta is not None and ("EST" in meta.get_text() or "EDT" in meta.get_text())
    assert "JST" not in meta.get_text()
    document = (await reader.get(f"/api/public/notices/{public.rsplit('/', 1)[1]}")).json()
    assert document["time_zone"] == "America/New_York"
    printed = pdf_text((await reader.get(f"{public}/pdf?lang=en")).content)
    assert "EST" in printed or "EDT" in printed


async def test_the_pdf_prints_the_whole_address_when_the_site_says_where_it_is(
    settings: Settings, site: Any
) -> None:
    admin = await site("admin@acme.example")
    system_id = await new_system(admin, site.tokens["admin"])
    api = f"/api/systems/{system_id}/notice"
    headers = auth(site.tokens["admin"])
    draft = (await admin.post(api, headers=headers, json={})).json()
    published = await admin.post(
        f"{api}/publish", headers=headers, json={"version": draft["version"]}
    )
    public = published.json()["public_path"]
    relative = pdf_text((await (await site()).get(f"{public}/pdf?lang=en")).content)
    assert f"{public}/versions/1" in relative.replace("\n", "") and "https://" not in relative
    app = create_app(settings.model_copy(update={"public_url": "https://ai.example.jp"}))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as reader:
            printed = pdf_text((await reader.get(f"{public}/pdf?lang=en")).content)
    finally:
        app.state.database.close()
    assert f"https://ai.example.jp{public}/versions/1" in printed.replace("\n", "")
