"""Export and import of the inventory and the risk register through the JSON API and the
pages: downloads for every reader, uploads for the roles that write, a preview before
anything is saved, and another organisation's ids refused row by row."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.systems import SystemFacts
from tekisei.render.sheets import Table, csv_text
from tekisei.services import orgs, systems, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[dict[str, Any]]:
    tokens: dict[str, str] = {}
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        for email, org, role in [
            ("admin@acme.example", "acme", Role.ADMIN),
            ("viewer@acme.example", "acme", Role.VIEWER),
            ("audit@acme.example", "acme", Role.AUDITOR),
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
            tokens[email.split("@")[0] + "@" + org] = users.create_token(session, email, org)[0]
        acme = orgs.cli_principal(session, "acme")
        system = systems.register_system(
            session,
            acme,
            SystemFacts.model_validate(
                {"name": "採用書類スクリーニング", "org_role": "user", "domain": "employment"}
            ),
        )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    clients: list[httpx.AsyncClient] = []

    async def browser(email: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        signin = BeautifulSoup((await client.get("/signin")).text, "html.parser")
        login = signin.select_one('input[name="login_csrf"]')
        assert login is not None
        response = await client.post(
            "/signin",
            data={"email": email, "password": PASSWORD, "next": "/systems",
                  "login_csrf": str(login["value"])},
        )  # fmt: skip
        assert response.status_code == 303, response.text
        return client

    api = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    clients.append(api)
    yield {
        "api": api,
        "browser": browser,
        "tokens": tokens,
        "system": system.id,
        "db": loaded_db,
        "app": app,
    }
    for client in clients:
        await client.aclose()
    app.state.database.close()


def bearer(site: dict[str, Any], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site['tokens'][who]}"}


def csv_file(rows: list[list[Any]]) -> bytes:
    return csv_text(Table(title="t", header=rows[0], rows=rows[1:])).encode("utf-8-sig")


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def form_token(page: httpx.Response, selector: str = 'input[name="csrf"]') -> str:
    field = soup(page).select_one(selector)
    assert field is not None, page.text[:500]
    return str(field["value"])


async def system_names(site: dict[str, Any]) -> dict[int, tuple[str, int]]:
    listed = await site["api"].get("/api/systems", headers=bearer(site, "admin@acme"))
    return {s["id"]: (s["name"], s["version"]) for s in listed.json()["items"]}


# ----------------------------------------------------------------------------- API


async def test_every_reader_downloads_the_inventory_in_either_language(
    site: dict[str, Any],
) -> None:
    api, auditor = site["api"], bearer(site, "audit@acme")
    xlsx = await api.get("/api/systems/export", headers=auditor, params={"lang": "en"})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    assert 'filename="systems-acme.xlsx"' in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["ID", "Name", "Purpose", "Our role"] and header[-1] == "Version"
    assert [c.value for c in sheet[2]][:2] == [site["system"], "採用書類スクリーニング"]
    text = await api.get(
        "/api/systems/export", headers=bearer(site, "viewer@acme"), params={"format": "csv"}
    )
    assert text.headers["content-type"] == "text/csv; charset=utf-8"
    assert text.content.decode("utf-8-sig").startswith('"ID","名称","利用目的","自組織の立場"')
    refused = await api.get("/api/systems/export", headers=auditor, params={"format": "pdf"})
    assert refused.status_code == 422
    other = await api.get("/api/systems/export", headers=bearer(site, "admin@other"))
    assert "採用書類スクリーニング" not in str(
        [c.value for row in load_workbook(io.BytesIO(other.content)).worksheets[0].rows
         for c in row]
    )  # fmt: skip


async def test_a_dry_run_previews_and_the_import_then_writes(site: dict[str, Any]) -> None:
    api, admin = site["api"], bearer(site, "admin@acme")
    data = csv_file([["ID", "責任者"], [site["system"], "佐藤 一郎"]])
    dry = await api.post(
        "/api/systems/import",
        headers=admin,
        params={"dry_run": "1"},
        files={"file": ("owners.csv", data, "text/csv")},
    )
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert (body["applied"], body["dry_run"], body["updated"]) == (False, True, 1)
    assert body["rows"][0]["changes"][0] == {
        "field": "responsible_person", "column": "責任者", "before": "", "after": "佐藤 一郎",
    }  # fmt: skip
    assert (await system_names(site))[site["system"]][1] == 1
    done = await api.post(
        "/api/systems/import", headers=admin, files={"file": ("owners.csv", data, "text/csv")}
    )
    assert done.status_code == 200 and done.json()["applied"]
    assert (await system_names(site))[site["system"]][1] == 2


async def test_rows_naming_another_organisations_system_are_refused_and_nothing_changes(
    site: dict[str, Any],
) -> None:
    api, intruder = site["api"], bearer(site, "admin@other")
    data = csv_file(
        [["ID", "名称", "自組織の立場"], [site["system"], "乗っ取り", "user"], ["", "新規", "user"]]
    )
    answer = await api.post(
        "/api/systems/import", headers=intruder, files={"file": ("x.csv", data, "text/csv")}
    )
    assert answer.status_code == 422
    body = answer.json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "ID")]
    assert body["detail"].startswith("nothing was imported") and body["detail_ja"]
    assert "採用書類スクリーニング" not in answer.text
    assert (await system_names(site))[site["system"]] == ("採用書類スクリーニング", 1)
    risks = csv_file([["AIシステムID", "リスク名", "リスクの分類", "発生可能性", "影響度"],
                      [site["system"], "他社に追加", "social.bias", 3, 3]])  # fmt: skip
    answer = await api.post(
        "/api/risks/import", headers=intruder, files={"file": ("r.csv", risks, "text/csv")}
    )
    assert answer.status_code == 422 and answer.json()["errors"][0]["column"] == "AIシステムID"


async def test_read_only_roles_are_refused_before_the_upload_is_read(site: dict[str, Any]) -> None:
    api = site["api"]
    for who in ("viewer@acme", "audit@acme"):
        for target in ("systems", "risks"):
            answer = await api.post(f"/api/{target}/import", headers=bearer(site, who))
            assert answer.status_code == 403, answer.text
            assert answer.json()["detail_ja"]


async def test_a_file_that_is_not_a_table_gets_422_in_both_languages(site: dict[str, Any]) -> None:
    answer = await site["api"].post(
        "/api/risks/import",
        headers=bearer(site, "admin@acme"),
        files={"file": ("picture.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image/png")},
    )
    assert answer.status_code == 422
    assert "PNG" in answer.json()["detail"] and "PNG" in answer.json()["detail_ja"]


async def test_the_openapi_document_declares_the_import_and_its_limits(
    site: dict[str, Any],
) -> None:
    schema = (await site["api"].get("/openapi.json")).json()
    operation = schema["paths"]["/api/systems/import"]["post"]
    assert "5,000 rows" in operation["description"] and "10 MB" in operation["description"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert "dry_run" in [p["name"] for p in operation["parameters"]]


# ----------------------------------------------------------------------------- pages


async def test_the_lists_offer_export_to_readers_and_import_to_writers(
    site: dict[str, Any],
) -> None:
    admin = await site["browser"]("admin@acme.example")
    viewer = await site["browser"]("viewer@acme.example")
    for url, prefix in (("/systems", "systems"), ("/risks", "risks")):
        mine = soup(await admin.get(url))
        assert mine.select_one(f"#{prefix}-export") is not None
        link = mine.select_one(f"#{prefix}-import")
        assert link is not None and link["href"] == f"{url}/import"
        theirs = soup(await viewer.get(url))
        assert theirs.select_one(f"#{prefix}-export") and not theirs.select_one(f"#{prefix}-import")
        assert (await viewer.get(f"{url}/import")).status_code == 403


async def test_upload_preview_and_confirm_import_the_changes(site: dict[str, Any]) -> None:
    admin = await site["browser"]("admin@acme.example")
    page = await admin.get("/systems/import")
    assert page.status_code == 200
    data = csv_file(
        [
            ["ID", "名称", "自組織の立場", "責任者", "利用分野"],
            [site["system"], "採用書類スクリーニング", "利用者", "佐藤 一郎", "金融"],
            ["", "問い合わせ対応ボット", "provider", "鈴木", ""],
        ]
    )
    preview = await admin.post(
        "/systems/import",
        data={"csrf": form_token(page)},
        files={"file": ("台帳.csv", data, "text/csv")},
    )
    assert preview.status_code == 200, preview.text
    shown = soup(preview)
    actions = {
        tr["data-row"]: tr["data-action"]
        for tr in shown.select("table.import-changes tr[data-row]")
    }
    assert actions == {"2": "update", "3": "create"}
    changed = shown.select_one("tr[data-row='2']")
    assert changed is not None and "佐藤 一郎" in changed.get_text()
    # a choice is shown in the reader's words, as the file writes it
    assert ("雇用・人事", "金融") in [(d.get_text(), i.get_text()) for d, i in zip(
        changed.select("del"), changed.select("ins"), strict=True
    )]  # fmt: skip
    assert len(await system_names(site)) == 1  # nothing written yet
    confirm = shown.select_one("#import-confirm")
    assert confirm is not None
    token = form_token(preview, '#import-confirm input[name="token"]')
    done = await admin.post(
        "/systems/import/confirm", data={"csrf": form_token(preview), "token": token}
    )
    assert done.status_code == 200, done.text
    assert soup(done).select_one("#import-result")["data-applied"] == "yes"  # type: ignore[index]
    names = await system_names(site)
    assert sorted(n for n, _ in names.values()) == [
        "問い合わせ対応ボット",
        "採用書類スクリーニング",
    ]
    again = await admin.post(
        "/systems/import/confirm", data={"csrf": form_token(preview), "token": token}
    )
    assert again.status_code == 404 and soup(again).select_one("#import-error") is not None


async def test_a_file_with_problems_is_shown_row_by_row_without_a_confirm_button(
    site: dict[str, Any],
) -> None:
    admin = await site["browser"]("admin@acme.example")
    page = await admin.get("/risks/import?lang=en")
    data = csv_file(
        [
            ["AI system ID", "Risk name", "Taxonomy", "Likelihood", "Impact"],
            [site["system"], '=HYPERLINK("http://evil.example")', "social.bias", 3, 3],
            [site["system"], "偏り", "social.bias", 9, 3],
        ]
    ).replace(b"'=HYPERLINK", b"=HYPERLINK")  # as a hand-made file would have it
    preview = await admin.post(
        "/risks/import?lang=en",
        data={"csrf": form_token(page)},
        files={"file": ("risks.csv", data, "text/csv")},
    )
    assert preview.status_code == 422
    shown = soup(preview)
    rows = [[td.get_text(strip=True) for td in tr.select("td")]
            for tr in shown.select("table.import-errors tbody tr")]  # fmt: skip
    assert [r[:2] for r in rows] == [["2", "Risk name"], ["3", "Likelihood"]]
    assert "formula" in rows[0][2]
    assert shown.select_one("#import-confirm") is None
    assert shown.select_one("#import-upload") is not None


async def test_a_confirmation_is_only_the_uploaders_and_needs_the_forms_token(
    site: dict[str, Any],
) -> None:
    admin = await site["browser"]("admin@acme.example")
    intruder = await site["browser"]("admin@other.example")
    page = await admin.get("/systems/import")
    data = csv_file([["名称", "自組織の立場"], ["問い合わせ対応ボット", "provider"]])
    without = await admin.post("/systems/import", files={"file": ("x.csv", data, "text/csv")})
    assert without.status_code == 403
    preview = await admin.post(
        "/systems/import",
        data={"csrf": form_token(page)},
        files={"file": ("x.csv", data, "text/csv")},
    )
    token = form_token(preview, '#import-confirm input[name="token"]')
    theirs = await intruder.get("/systems/import")
    stolen = await intruder.post(
        "/systems/import/confirm", data={"csrf": form_token(theirs), "token": token}
    )
    assert stolen.status_code == 404
    assert len(await system_names(site)) == 1
    mine = await admin.post(
        "/systems/import/confirm", data={"csrf": form_token(preview), "token": token}
    )
    assert mine.status_code == 200 and len(await system_names(site)) == 2


async def test_a_file_over_the_size_limit_is_refused_with_the_limit_named(
    site: dict[str, Any],
) -> None:
    big = b"ID,\xe5\x90\x8d\xe7\xa7\xb0\r\n" + b"1,x\r\n" * (10 * 1024 * 1024 // 5)
    answer = await site["api"].post(
        "/api/systems/import",
        headers=bearer(site, "admin@acme"),
        files={"file": ("big.csv", big, "text/csv")},
    )
    assert answer.status_code == 422
    assert "10 MB" in answer.json()["detail"] and "10 MB" in answer.json()["detail_ja"]
