"""Assessments and evidence through the JSON API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db.assessments import EvidenceRow
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
REQ = "jp-ai-appropriateness-2025:2(3)"


@pytest.fixture
async def api(settings: Settings, loaded_db: Database) -> AsyncIterator[Any]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="a@acme.example", password="correct horse battery"),
            "acme",
            Role.ASSESSOR,
            "cli",
        )
        users.create_user(
            session,
            users.UserCreate(email="admin@acme.example", password="correct horse battery"),
            "acme",
            Role.ADMIN,
            "cli",
        )
        assessor, _ = users.create_token(session, "a@acme.example", "acme")
        admin, _ = users.create_token(session, "admin@acme.example", "acme")
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        system = await client.post(
            "/api/systems",
            headers={"Authorization": f"Bearer {admin}"},
            json={"name": "画像生成", "org_role": "provider", "domain": "content_generation"},
        )
        yield {
            "client": client,
            "h": {"Authorization": f"Bearer {assessor}"},
            "system": system.json()["id"],
        }
    app.state.database.close()


async def test_answering_changes_the_iso_view(api: Any) -> None:
    client, h, system = api["client"], api["h"], api["system"]
    started = await client.post(f"/api/systems/{system}/assessments", headers=h)
    assert started.status_code == 201
    assessment = started.json()["id"]
    url = f"/api/systems/{system}/assessment"
    before = (await client.get(url, headers=h, params={"framework": "iso-iec-42001-2023"})).json()
    answered = await client.put(
        f"/api/assessments/{assessment}/answers",
        headers=h,
        params={"requirement": REQ},
        json={"state": "implemented"},
    )
    assert answered.status_code == 200 and answered.json()["version"] == 1
    after = (await client.get(url, headers=h, params={"framework": "iso-iec-42001-2023"})).json()

    def state(view: dict[str, Any], section: str) -> str:
        return next(i["state"] for i in view["items"] if i["section"] == section)

    assert (state(before, "A.6.2.4"), state(after, "A.6.2.4")) == ("not_started", "partial")
    report = (await client.get(url, headers=h)).json()
    assert report["overall"]["answered"] == 1


async def test_not_applicable_without_reason_is_422_and_stale_answers_409(api: Any) -> None:
    client, h, system = api["client"], api["h"], api["system"]
    assessment = (await client.post(f"/api/systems/{system}/assessments", headers=h)).json()["id"]
    answers = f"/api/assessments/{assessment}/answers"
    missing = await client.put(
        answers, headers=h, params={"requirement": REQ}, json={"state": "not_applicable"}
    )
    assert missing.status_code == 422
    await client.put(answers, headers=h, params={"requirement": REQ}, json={"state": "partial"})
    await client.put(
        answers, headers=h, params={"requirement": REQ}, json={"state": "implemented", "version": 1}
    )
    stale = await client.put(
        answers,
        headers=h,
        params={"requirement": REQ},
        json={"state": "not_implemented", "version": 1},
    )
    assert stale.status_code == 409


async def test_upload_attach_and_download_as_attachment(api: Any) -> None:
    client, h, system = api["client"], api["h"], api["system"]
    assessment = (await client.post(f"/api/systems/{system}/assessments", headers=h)).json()["id"]
    await client.put(
        f"/api/assessments/{assessment}/answers",
        headers=h,
        params={"requirement": REQ},
        json={"state": "implemented"},
    )
    uploaded = await client.post(
        "/api/evidence/files",
        headers=h,
        files={"file": ("透かし試験.pdf", PDF, "application/pdf")},
        data={"title": "透かしの検証結果"},
    )
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()
    attached = await client.post(
        f"/api/assessments/{assessment}/evidence",
        headers=h,
        json={"requirement": REQ, "evidence_id": evidence["id"]},
    )
    assert attached.status_code == 204
    got = await client.get(f"/api/evidence/{evidence['id']}/download", headers=h)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-disposition"].startswith("attachment")
    report = (await client.get(f"/api/assessments/{assessment}", headers=h)).json()
    item = next(i for i in report["items"] if i["section"] == "2(3)")
    assert [e["id"] for e in item["evidence"]] == [evidence["id"]]


async def test_a_file_that_lies_about_its_type_is_refused(api: Any) -> None:
    client, h = api["client"], api["h"]
    response = await client.post(
        "/api/evidence/files",
        headers=h,
        files={"file": ("report.pdf", b"MZ\x90\x00", "application/pdf")},
    )
    assert response.status_code == 422
    assert "not application/pdf" in response.json()["detail"]


async def test_the_report_downloads_as_an_attachment(api: Any) -> None:
    client, h, system = api["client"], api["h"], api["system"]
    assessment = (await client.post(f"/api/systems/{system}/assessments", headers=h)).json()["id"]
    await client.put(
        f"/api/assessments/{assessment}/answers",
        headers=h,
        params={"requirement": REQ},
        json={"state": "implemented"},
    )
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK\x03\x04"), ("html", b"<!doctype")):
        response = await client.get(
            f"/api/systems/{system}/assessment/report",
            headers=h,
            params={"format": fmt, "lang": "en"},
        )
        assert response.status_code == 200, response.text
        assert response.content.startswith(magic)
        assert response.headers["content-disposition"].startswith("attachment")


async def test_an_html_page_sent_as_text_is_kept_and_served_as_plain_text(
    api: Any, loaded_db: Database
) -> None:
    client, h = api["client"], api["h"]
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    name = "invoice\u202egpj.html"  # shows as "invoicelmth.jpg" in a right-to-left override
    uploaded = await client.post(
        "/api/evidence/files", headers=h, files={"file": (name, page, "text/plain")}
    )
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()
    assert evidence["filename"] == "invoicegpj.txt"
    assert evidence["content_type"] == "text/plain; charset=utf-8"
    got = await client.get(f"/api/evidence/{evidence['id']}/download", headers=h)
    assert got.content == page
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
    assert got.headers["content-disposition"] == (
        "attachment; filename=\"invoicegpj.txt\"; filename*=UTF-8''invoicegpj.txt"
    )
    assert got.headers["x-content-type-options"] == "nosniff"
    svg = await client.post(
        "/api/evidence/files", headers=h, files={"file": ("logo.svg", b"<svg/>", "image/svg+xml")}
    )
    assert svg.status_code == 422


async def test_downloads_carry_the_exact_utf8_name_and_an_ascii_fallback(
    api: Any, loaded_db: Database
) -> None:
    client, h = api["client"], api["h"]
    uploaded = await client.post(
        "/api/evidence/files",
        headers=h,
        files={"file": ("透かし 試験;a=b.pdf", PDF, "application/octet-stream")},
    )
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()
    assert (evidence["filename"], evidence["content_type"]) == (
        "透かし 試験;a=b.pdf",
        "application/pdf",
    )
    named = await client.get(f"/api/evidence/{evidence['id']}/download", headers=h)
    assert named.headers["content-disposition"] == (
        "attachment; filename=\"_a_b.pdf\"; filename*=UTF-8''"
        "%E9%80%8F%E3%81%8B%E3%81%97%20%E8%A9%A6%E9%A8%93%3Ba%3Db.pdf"
    )
    # A name stored before names were cleaned is cleaned on the way out.
    with loaded_db.transaction() as session:
        session.execute(
            update(EvidenceRow)
            .where(EvidenceRow.id == evidence["id"])
            .values(filename='../x\r\nSet-Cookie: a=b;"\u202e.pdf')
        )
    got = await client.get(f"/api/evidence/{evidence['id']}/download", headers=h)
    disposition = got.headers["content-disposition"]
    assert disposition == (
        'attachment; filename="xSet-Cookie_ a_b__.pdf"; '
        "filename*=UTF-8''xSet-Cookie_%20a%3Db%3B_.pdf"
    )
    assert "set-cookie" not in got.headers
