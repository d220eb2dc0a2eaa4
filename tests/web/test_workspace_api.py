"""The workspace JSON API: tokens, validation, concurrency, roles and tenant isolation."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db.orgs import ApiTokenRow
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
SYSTEM = {
    "name": "採用書類スクリーニング",
    "org_role": "user",
    "domain": "employment",
    "data_categories": ["personal"],
}
RISK = {"title": "性別による偏り", "taxonomy": ["social.bias"], "likelihood": 4, "impact": 5}


def _member(database: Database, org: str, email: str, role: Role) -> str:
    with database.transaction() as session:
        users.create_user(
            session, users.UserCreate(email=email, password=PASSWORD), org, role, "cli"
        )
        secret, _ = users.create_token(session, email, org)
    return secret


@pytest.fixture
async def api(settings: Settings, loaded_db: Database) -> AsyncIterator[dict[str, Any]]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        orgs.create_org(
            session, OrgCreate(name="Other", slug="other", actors=[OrgActor.BUSINESS]), "cli"
        )
    tokens = {
        "admin": _member(loaded_db, "acme", "admin@acme.example", Role.ADMIN),
        "executive": _member(loaded_db, "acme", "ceo@acme.example", Role.EXECUTIVE),
        "auditor": _member(loaded_db, "acme", "audit@acme.example", Role.AUDITOR),
        "other": _member(loaded_db, "other", "admin@other.example", Role.ADMIN),
    }
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield {"client": client, "tokens": tokens, "db": loaded_db, "app": app}
    app.state.database.close()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _create(api: dict[str, Any]) -> tuple[int, int]:
    client, admin = api["client"], auth(api["tokens"]["admin"])
    system = await client.post("/api/systems", json=SYSTEM, headers=admin)
    assert system.status_code == 201, system.text
    risk = await client.post(f"/api/systems/{system.json()['id']}/risks", json=RISK, headers=admin)
    assert risk.status_code == 201, risk.text
    return system.json()["id"], risk.json()["id"]


async def test_without_credentials_the_api_answers_401(api: dict[str, Any]) -> None:
    response = await api["client"].get("/api/systems")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    bad = await api["client"].get("/api/systems", headers=auth("tks_not-a-token"))
    assert bad.status_code == 401


async def test_expired_and_revoked_tokens_get_401(api: dict[str, Any]) -> None:
    token = api["tokens"]["auditor"]
    with api["db"].transaction() as session:
        session.execute(
            update(ApiTokenRow).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    response = await api["client"].get("/api/systems", headers=auth(token))
    assert response.status_code == 401 and "expired" in response.json()["detail"]


async def test_organisation_settings_changed_through_the_api_are_kept(
    api: dict[str, Any],
) -> None:
    client, admin = api["client"], auth(api["tokens"]["admin"])
    changed = await client.patch(
        "/api/orgs/current",
        headers=admin,
        json={"version": 1, "name": "Acme 株式会社", "responsible_person": "山田 太郎"},
    )
    assert changed.status_code == 200, changed.text
    read = (await client.get("/api/orgs/current", headers=admin)).json()
    assert (read["name"], read["responsible_person"], read["version"]) == (
        "Acme 株式会社",
        "山田 太郎",
        2,
    )


async def test_create_read_and_list_systems(api: dict[str, Any]) -> None:
    system_id, _ = await _create(api)
    client, admin = api["client"], auth(api["tokens"]["admin"])
    one = (await client.get(f"/api/systems/{system_id}", headers=admin)).json()
    assert one["tier"] == "high"
    assert any(r["code"] == "high-impact-domain" for r in one["tier_reasons"])
    page = (
        await client.get("/api/systems", params={"tier": "high", "sort": "-name"}, headers=admin)
    ).json()
    assert page["total"] == 1 and page["items"][0]["id"] == system_id
    requirements = (
        await client.get(f"/api/systems/{system_id}/requirements", headers=admin)
    ).json()
    assert "2(1)" not in {r["section"] for r in requirements}  # a user of the system
    assert "1(3)①" in {r["section"] for r in requirements}


async def test_validation_errors_name_the_field(api: dict[str, Any]) -> None:
    client, admin = api["client"], auth(api["tokens"]["admin"])
    response = await client.post(
        "/api/systems", json={"name": "x", "org_role": "owner"}, headers=admin
    )
    assert response.status_code == 422
    assert ["body", "org_role"] in [e["loc"] for e in response.json()["detail"]]
    system_id, _ = await _create(api)
    bad = await client.patch(
        f"/api/systems/{system_id}", json={"version": 1, "colour": "red"}, headers=admin
    )
    assert bad.status_code == 422


async def test_a_stale_update_gets_409_and_overwrites_nothing(api: dict[str, Any]) -> None:
    system_id, _ = await _create(api)
    client, admin = api["client"], auth(api["tokens"]["admin"])
    first = await client.patch(
        f"/api/systems/{system_id}", json={"version": 1, "purpose": "一次選考の補助"}, headers=admin
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    second = await client.patch(
        f"/api/systems/{system_id}", json={"version": 1, "purpose": "上書き"}, headers=admin
    )
    assert second.status_code == 409
    current = (await client.get(f"/api/systems/{system_id}", headers=admin)).json()
    assert current["purpose"] == "一次選考の補助"


async def test_only_executives_accept_and_auditors_only_read(api: dict[str, Any]) -> None:
    system_id, risk_id = await _create(api)
    client, tokens = api["client"], api["tokens"]
    admin, executive = auth(tokens["admin"]), auth(tokens["executive"])
    await client.patch(
        f"/api/risks/{risk_id}",
        headers=admin,
        json={
            "version": 1,
            "residual_likelihood": 2,
            "residual_impact": 3,
            "treatment": "mitigate",
        },
    )
    refused = await client.post(
        f"/api/risks/{risk_id}/accept", headers=admin, json={"version": 2, "note": "ok"}
    )
    assert refused.status_code == 403
    accepted = await client.post(
        f"/api/risks/{risk_id}/accept",
        headers=executive,
        json={"version": 2, "note": "人による最終確認で受容"},
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    auditor = auth(tokens["auditor"])
    assert (await client.get(f"/api/risks/{risk_id}", headers=auditor)).status_code == 200
    write = await client.post(f"/api/systems/{system_id}/risks", json=RISK, headers=auditor)
    assert write.status_code == 403
    heat = (await client.get("/api/risks/heatmap", headers=auditor)).json()
    assert heat["inherent"][3][4] == 1 and heat["residual"][1][2] == 1


async def test_audit_events_and_live_verification(api: dict[str, Any]) -> None:
    await _create(api)
    client, auditor = api["client"], auth(api["tokens"]["auditor"])
    events = (
        await client.get("/api/audit/events", headers=auditor, params={"action": "system.create"})
    ).json()
    assert events["total"] == 1 and events["items"][0]["actor"] == "admin@acme.example"
    verified = (await client.get("/api/audit/verify", headers=auditor)).json()
    assert verified["ok"] is True and verified["problems"] == []


# ----------------------------------------------------------------------------- isolation

BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/systems"): {"name": "別組織のシステム", "org_role": "user"},
    ("PATCH", "/api/systems/{system_id}"): {"version": 1, "name": "stolen"},
    ("POST", "/api/systems/{system_id}/risks"): RISK | {"title": "別組織のリスク"},
    ("POST", "/api/systems/{system_id}/testers"): {"email": "admin@other.example"},
    ("PATCH", "/api/risks/{risk_id}"): {"version": 1, "title": "stolen"},
    ("POST", "/api/risks/{risk_id}/accept"): {"version": 1, "note": "stolen"},
    ("PATCH", "/api/orgs/current"): {"version": 1, "name": "Other renamed"},
    ("PUT", "/api/assessments/{assessment_id}/answers"): {"state": "implemented"},
    ("POST", "/api/assessments/{assessment_id}/evidence"): {
        "requirement": "jp-ai-appropriateness-2025:2(3)",
        "evidence_id": 1,
    },
    ("POST", "/api/evidence/links"): {"url": "https://other.example/x"},
    ("POST", "/api/systems/{system_id}/stage-requests"): {"to_stage": "deploy"},
    ("POST", "/api/approvals/{approval_id}/decision"): {"approve": True, "reason": "x"},
    ("POST", "/api/systems/{system_id}/reviews"): {"reason": "x"},
    ("POST", "/api/reviews/{review_id}/records"): {"phase": "plan", "text": "x"},
    ("POST", "/api/reviews/{review_id}/complete"): {"maturity": 3},
    ("POST", "/api/evals/runs/{run}/resume"): {},
    ("PUT", "/api/systems/{system_id}/provenance"): {"c2pa": True},
    ("POST", "/api/systems/{system_id}/eval-runs"): {
        "suite": "tekisei-basics",
        "target": "openai:m@http://127.0.0.1:9/v1",
    },
    ("POST", "/api/evals/suggestions/{suggestion_id}/accept"): {"impact": 3},
    ("POST", "/api/evals/suggestions/{suggestion_id}/dismiss"): {"note": "stolen"},
}


async def test_another_organisation_never_sees_or_changes_data(
    api: dict[str, Any], demo_url: str
) -> None:
    system_id, risk_id = await _create(api)
    client = api["client"]
    admin = auth(api["tokens"]["admin"])
    target = f"openai:tekisei-demo-1@{demo_url}"
    run = await client.post(
        f"/api/systems/{system_id}/eval-runs",
        headers=admin,
        json={"suite": "tekisei-basics", "target": target, "run_id": "acme-run"},
    )
    assert run.status_code == 202, run.text
    for _ in range(300):
        if (await client.get("/api/evals/runs/acme-run", headers=admin)).json()[
            "status"
        ] == "finished":
            break
        await asyncio.sleep(0.05)
    suggestion = (await client.get("/api/evals/suggestions", headers=admin)).json()[0]
    started = await client.post(f"/api/systems/{system_id}/assessments", headers=admin)
    assert started.status_code == 201, started.text
    link = await client.post(
        "/api/evidence/links",
        headers=admin,
        json={"url": "https://acme.example/秘密", "title": "性別による偏り"},
    )
    assert link.status_code == 201, link.text
    requested = await client.post(
        f"/api/systems/{system_id}/stage-requests",
        headers=admin,
        json={"to_stage": "deploy", "note": "性別による偏り"},
    )
    assert requested.status_code == 201, requested.text
    review = await client.post(
        f"/api/systems/{system_id}/reviews", headers=admin, json={"reason": "性別による偏り"}
    )
    assert review.status_code == 201, review.text
    other = auth(api["tokens"]["other"])
    schema = (await client.get("/openapi.json")).json()
    ids = {
        "system_id": system_id,
        "risk_id": risk_id,
        "assessment_id": started.json()["id"],
        "evidence_id": link.json()["id"],
        "approval_id": requested.json()["id"],
        "review_id": review.json()["id"],
        "run": run.json()["id"],
        "suggestion_id": suggestion["id"],
        "asset_id": "00000000",  # public provenance lookups: an unknown asset is 404
    }
    secrets = ("採用書類スクリーニング", "性別による偏り", "admin@acme.example", '"acme"')
    checked = 0
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/") or path.startswith("/api/catalog"):
            continue
        for method in operations:
            url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
            if path.endswith("/answers"):
                url += "?requirement=jp-ai-appropriateness-2025:2(3)"
            if path == "/api/evals/compare":
                url += "?before=acme-run&after=acme-run"
            body = BODIES.get((method.upper(), path))
            response = await client.request(method.upper(), url, headers=other, json=body)
            checked += 1
            if "{" in path:
                assert response.status_code in (403, 404), (method, path, response.text)
            else:
                assert response.status_code < 500, (method, path)
            assert not any(s in response.text for s in secrets), (method, path, response.text)
    assert checked >= 15
    mine = (
        await client.get(f"/api/systems/{system_id}", headers=auth(api["tokens"]["admin"]))
    ).json()
    assert mine["name"] == SYSTEM["name"] and mine["version"] == 1


async def test_the_risk_register_downloads_as_xlsx_and_csv(api: dict[str, Any]) -> None:
    system_id, _ = await _create(api)
    client, auditor = api["client"], auth(api["tokens"]["auditor"])
    xlsx = await client.get("/api/risks/export", headers=auditor, params={"lang": "en"})
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-disposition"] == (
        "attachment; filename=\"risks-acme.xlsx\"; filename*=UTF-8''risks-acme.xlsx"
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [c.value for c in sheet[2]][1:3] == [SYSTEM["name"], RISK["title"]]
    csv_file = await client.get(
        "/api/risks/export", headers=auditor, params={"format": "csv", "system": system_id}
    )
    assert csv_file.headers["content-type"] == "text/csv; charset=utf-8"
    assert RISK["title"] in csv_file.content.decode("utf-8-sig")
    refused = await client.get("/api/risks/export", headers=auditor, params={"format": "pdf"})
    assert refused.status_code == 422


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "url",
    [
        "/api/systems/99999999999999999999",
        "/api/systems/2147483648",
        "/api/systems/0",
        "/api/risks?system=99999999999999999999",
        "/api/risks/-1",
        "/api/evidence/99999999999999999999/download",
        "/api/systems?offset=99999999999999999999",
    ],
)
async def test_ids_out_of_range_are_refused_with_422(api: dict[str, Any], url: str) -> None:
    response = await api["client"].get(url, headers=auth(api["tokens"]["admin"]))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["type"] in ("less_than_equal", "greater_than_equal")


async def test_long_notes_empty_emails_and_nul_characters_get_422(api: dict[str, Any]) -> None:
    client, admin = api["client"], auth(api["tokens"]["admin"])
    system_id, risk_id = await _create(api)
    long_title = await client.post(
        "/api/evidence/links", headers=admin, json={"url": "https://x.example", "title": "a" * 4000}
    )
    assert long_title.status_code == 422
    assert long_title.json()["detail"][0]["loc"] == ["body", "title"]
    long_url = await client.post(
        "/api/evidence/links", headers=admin, json={"url": "https://x.example/" + "a" * 4000}
    )
    assert long_url.status_code == 422
    long_note = await client.post(
        f"/api/risks/{risk_id}/accept", headers=admin, json={"version": 1, "note": "n" * 4001}
    )
    assert long_note.status_code == 422
    empty = await client.post(
        "/api/orgs/current/members",
        headers=admin,
        json={"email": "", "role": "viewer", "password": PASSWORD},
    )
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "email"]
    nul = await client.post(
        "/api/systems", headers=admin, json={"name": "a\u0000b", "org_role": "user"}
    )
    assert nul.status_code == 422 and "NUL" in nul.json()["detail"]
    searched = await client.get("/api/systems", headers=admin, params={"q": "a\u0000"})
    assert searched.status_code == 422
    assert (await client.get(f"/api/systems/{system_id}", headers=admin)).status_code == 200


async def test_datetimes_carry_their_time_zone_when_read_as_when_written(
    api: dict[str, Any],
) -> None:
    client, admin = api["client"], auth(api["tokens"]["admin"])
    created = await client.post("/api/systems", json=SYSTEM, headers=admin)
    read = await client.get(f"/api/systems/{created.json()['id']}", headers=admin)
    for body in (created.json(), read.json()):
        stamp = datetime.fromisoformat(body["created_at"])
        assert stamp.utcoffset() == timedelta(0), body["created_at"]
    assert created.json()["created_at"] == read.json()["created_at"]
