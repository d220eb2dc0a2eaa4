"""The workspace JSON API: tokens, validation, concurrency, roles and tenant isolation."""

from __future__ import annotations

import asyncio
import io
import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.params import File, Form
from fastapi.routing import APIRoute, iter_route_contexts
from openpyxl import load_workbook
from sqlalchemy import select, update
from starlette.routing import BaseRoute, Mount

from tekisei.config import Settings
from tekisei.core.inquiries import InquiryKind, InquirySubmission
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.sso import SsoSettings
from tekisei.db.inquiries import InquiryRow
from tekisei.db.notifications import NotificationRow
from tekisei.db.orgs import ApiTokenRow, OrgRow, UserRow, WebSessionRow
from tekisei.services import (
    credentials,
    orgs,
    provenance_checks,
    public_inquiries,
    sessions,
    sso,
    users,
)
from tekisei.services import provenance as provenance_service
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tekisei.web.auth import (
    SESSION_COOKIE,
    current_principal,
    enroller,
    optional_principal,
    password_changer,
    second_factor_giver,
)
from tests.conftest import worker_running
from tests.provenance.test_images import picture

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
SYSTEM = {
    "name": "採用書類スクリーニング",
    "org_role": "user",
    "domain": "employment",
    "data_categories": ["personal"],
}
RISK = {"title": "性別による偏り", "taxonomy": ["social.bias"], "likelihood": 4, "impact": 5}
PNG = picture()


def _member(database: Database, org: str, email: str, role: Role) -> str:
    with database.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email=email, password=PASSWORD),
            org,
            role,
            "cli",
            must_change_password=False,
        )
        secret, _ = users.create_token(session, email, org)
    return secret


@pytest.fixture
async def api(
    settings: Settings, loaded_db: Database, demo_url: str
) -> AsyncIterator[dict[str, Any]]:
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
    configured = settings.model_copy(
        update={  # the walkers call every public check many times within a minute
            "demo_target_url": demo_url,
            "public_verify_per_minute": 10_000,
            "public_image_checks_per_minute": 10_000,
            "public_lookups_per_minute": 10_000,
        }
    )
    app = create_app(configured)
    transport = httpx.ASGITransport(app=app)
    with worker_running(configured):
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
#
# The walkers call every route of the app, API and pages, read from the app itself, as
# someone who must not see an organisation's objects. A route they cannot fill fails the
# test with what to add below, so a new route is covered as soon as it exists.


@dataclass(frozen=True)
class Ref:
    """The id of an object the walker created: a key of its ``ids``."""

    name: str


OBJECT_PARAMS: dict[str, str] = {
    # Path and query parameters that name an object of a system → the key in ``ids``.
    "system_id": "system_id",
    "risk_id": "risk_id",
    "assessment_id": "assessment_id",
    "evidence_id": "evidence_id",
    "approval_id": "approval_id",
    "review_id": "review_id",
    "run": "run",
    "suggestion_id": "suggestion_id",
    "asset_id": "asset_id",
    "manifest_id": "manifest_id",
    "key_id": "key_id",
    "invitation_id": "invitation_id",
    "user_id": "user_id",
    "scim_token_id": "scim_token_id",
    "group_id": "scim_group_id",  # SCIM groups (/scim/v2/Groups/{group_id})
    "system": "system_id",
    "model_id": "model_id",
    "dataset_id": "dataset_id",
    "public_id": "public_id",
    "policy_id": "policy_id",
    "report_id": "report_id",
    "report_public_id": "report_public_id",
    "stakeholder_id": "stakeholder_id",
    "holder_id": "holder_id",
    "benefit_id": "benefit_id",
    "dataset": "dataset_id",
    "vendor_id": "vendor_id",
    "inquiry_id": "inquiry_id",
    "tracking": "tracking",
    "notification_id": "notification_id",
    "incident_id": "incident_id",
    "incident_public_id": "incident_public_id",
    "judgement_id": "judgement_id",
    "procurement_id": "procurement_id",
    "assignment_id": "assignment_id",
    "inquiry": "inquiry_id",
    "check": "check_id",
    "before": "run",
    "energy_id": "energy_id",
    "after": "run",
    "session_id": "session_id",
}
CONSTANT_PARAMS: dict[str, str] = {
    # Path parameters that name nothing an organisation owns.
    "framework_id": "jp-ai-appropriateness-2025",
    "reference": "jp-ai-appropriateness-2025:2(3)",
    "code": "en",
    "number": "1",
    "control": "A.2.2",
    "org": "acme",  # public statements: an organisation's short id
    "module_id": "bias",  # literacy modules: the same for every organisation
    "passkey_id": "1",  # one's own passkeys: none exist here, every call answers 404
}
REQUIREMENT = "jp-ai-appropriateness-2025:2(3)"
QUERIES: dict[tuple[str, str], dict[str, Any]] = {
    # Required query parameters that name no object.
    ("GET", "/api/catalog/search"): {"q": "透明性"},
    ("PUT", "/api/assessments/{assessment_id}/answers"): {"requirement": REQUIREMENT},
    ("GET", "/systems/{system_id}/assessment/answer"): {"requirement": REQUIREMENT},
    ("POST", "/systems/{system_id}/assessment/answer"): {"requirement": REQUIREMENT},
    ("GET", "/api/provenance/sbr/matches/byBinding"): {
        "alg": "org.tekisei.dwtdctsvd.bch.48",
        "value": "000000000000",
    },
}
ENERGY = {
    "phase": "inference",
    "start": "2026-01-01",
    "end": "2026-01-31",
    "kwh": "1",
    "basis": "estimated",
    "source": "stolen",
}
_PASSKEY_MADE = {
    "id": "AAAA",
    "rawId": "AAAA",
    "type": "public-key",
    "response": {"clientDataJSON": "e30", "attestationObject": "oA", "transports": []},
}
_PASSKEY_SIGNED = {
    "id": "AAAA",
    "rawId": "AAAA",
    "type": "public-key",
    "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"},
}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    # JSON bodies of API routes.
    ("POST", "/api/systems"): {"name": "別組織のシステム", "org_role": "user"},
    ("PATCH", "/api/systems/{system_id}"): {"version": 1, "name": "stolen"},
    ("POST", "/api/systems/{system_id}/risks"): RISK | {"title": "別組織のリスク"},
    ("POST", "/api/systems/{system_id}/testers"): {"email": "admin@other.example"},
    ("PATCH", "/api/risks/{risk_id}"): {"version": 1, "title": "stolen"},
    ("POST", "/api/risks/{risk_id}/accept"): {"version": 1, "note": "stolen"},
    ("PATCH", "/api/orgs/current"): {"version": 1, "name": "Other renamed"},
    ("POST", "/api/orgs/current/invitations"): {"email": "new@other.example", "role": "viewer"},
    ("POST", "/api/orgs/current/scim-tokens"): {"name": "stolen"},
    ("POST", "/api/invitations/lookup"): {"code": "tki_not-a-real-code"},
    ("POST", "/api/invitations/accept"): {"code": "tki_not-a-real-code"},
    ("POST", "/api/invitations/register"): {
        "code": "tki_not-a-real-code",
        "password": "a long enough passphrase",
    },
    ("POST", "/api/invitations/decline"): {"code": "tki_not-a-real-code"},
    ("PUT", "/api/account/password"): {
        "current_password": "not the password",
        "new_password": "a long enough passphrase",
    },
    ("PUT", "/api/account/org"): {"org": "acme"},
    # the walker's own browser stays signed in; its token stays valid
    ("POST", "/api/account/sign-out-everywhere"): {"keep_current": True, "revoke_tokens": False},
    ("POST", "/api/orgs/current/members/{user_id}/sign-out"): {"revoke_tokens": True},
    ("PUT", "/api/orgs/current/eval-targets"): {"hosts": ["stolen.example"]},
    ("PUT", "/api/orgs/current/sso"): {
        "name": "stolen",
        "issuer": "https://stolen.example",
        "client_id": "stolen",
        "client_secret": "stolen",
    },
    ("POST", "/api/systems/{system_id}/assessments"): {},
    ("PUT", "/api/assessments/{assessment_id}/answers"): {"state": "implemented"},
    ("POST", "/api/assessments/{assessment_id}/evidence"): {
        "requirement": REQUIREMENT,
        "evidence_id": Ref("evidence_id"),
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
    ("POST", "/api/provenance/verify/text"): {"text": "w1 w2 w3 w4"},
    ("POST", "/api/provenance/matches/byBinding"): {
        "alg": "com.tekisei.watermark.1",
        "value": "00000000",
    },
    ("POST", "/api/provenance/sbr/matches/byBinding"): {
        "alg": "org.tekisei.dwtdctsvd.bch.48",
        "value": "000000000000",
    },
    ("POST", "/api/systems/{system_id}/records/models"): {"name": "stolen"},
    ("POST", "/api/systems/{system_id}/records/datasets"): {"name": "stolen"},
    ("PATCH", "/api/records/models/{model_id}"): {"version": 1, "name": "stolen"},
    ("PATCH", "/api/records/datasets/{dataset_id}"): {"version": 1, "name": "stolen"},
    ("POST", "/api/stakeholders"): {"name": "stolen", "systems": [Ref("system_id")]},
    ("PATCH", "/api/stakeholders/{stakeholder_id}"): {"version": 1, "name": "stolen"},
    ("POST", "/api/stakeholders/{stakeholder_id}/archive"): {"version": 1},
    ("POST", "/api/stakeholders/{stakeholder_id}/engagements"): {"summary": "stolen"},
    ("POST", "/api/data-holders"): {"name": "stolen", "datasets": [Ref("dataset_id")]},
    ("PATCH", "/api/data-holders/{holder_id}"): {"version": 1, "name": "stolen"},
    ("POST", "/api/data-holders/{holder_id}/archive"): {"version": 1},
    ("POST", "/api/data-holders/{holder_id}/communications"): {"summary": "stolen"},
    ("POST", "/api/data-holders/{holder_id}/benefits"): {
        "kind": "access",
        "recipient": "stolen",
        "since": "2026-01-01",
    },
    ("PATCH", "/api/data-holder-benefits/{benefit_id}"): {"version": 1, "status": "ended"},
    ("POST", "/api/vendors"): {"name": "stolen", "systems": [Ref("system_id")]},
    ("PATCH", "/api/vendors/{vendor_id}"): {"version": 1, "name": "stolen"},
    ("POST", "/api/vendors/{vendor_id}/change"): {"version": 1, "reason": "other"},
    ("POST", "/api/vendors/{vendor_id}/archive"): {"version": 1},
    ("POST", "/api/public/inquiries"): {
        "org": "acme",
        "kind": "question",
        "subject": "stolen",
        "message": "stolen",
    },
    ("PUT", "/api/inquiries/settings"): {"version": 0},
    ("PUT", "/api/decisions/settings"): {
        "version": 0,
        "retention_days": 400,
        "published": [Ref("system_id")],
    },
    ("PUT", "/api/notifications/settings"): {"version": 0, "lang": "en"},
    ("POST", "/api/inquiries/{inquiry_id}/notes"): {"text": "stolen"},
    ("POST", "/api/inquiries/{inquiry_id}/replies"): {"version": 1, "text": "stolen"},
    ("POST", "/api/inquiries/{inquiry_id}/start"): {"version": 1},
    ("POST", "/api/inquiries/{inquiry_id}/close"): {"version": 1},
    ("POST", "/api/inquiries/{inquiry_id}/reject"): {"version": 1, "reason": "stolen"},
    ("POST", "/api/inquiries/{inquiry_id}/assign"): {"version": 1, "user_id": None},
    ("POST", "/api/inquiries/{inquiry_id}/links"): {"version": 1, "system_id": Ref("system_id")},
    ("POST", "/api/incidents"): {"title": "stolen", "systems": [Ref("system_id")]},
    ("PATCH", "/api/incidents/{incident_id}"): {"version": 1, "title": "stolen"},
    ("POST", "/api/incidents/{incident_id}/timeline"): {
        "version": 1,
        "at": "2026-01-01T00:00:00+09:00",
        "text": "stolen",
    },
    ("POST", "/api/incidents/{incident_id}/actions"): {
        "version": 1,
        "text": "stolen",
        "system_id": Ref("system_id"),
        "update": {"risk_id": Ref("risk_id"), "version": 1},
    },
    ("POST", "/api/incidents/{incident_id}/notifications"): {
        "version": 1,
        "party": "authority",
        "name": "stolen",
        "at": "2026-01-01T00:00:00+09:00",
    },
    ("POST", "/api/incidents/{incident_id}/state"): {"version": 1, "state": "contained"},
    ("POST", "/api/incidents/{incident_id}/publish"): {
        "version": 1,
        "title": "stolen",
        "summary": "stolen",
    },
    ("POST", "/api/incidents/{incident_id}/unpublish"): {"reason": "stolen"},
    ("POST", "/api/systems/{system_id}/judgements"): {
        "answers": {"users-public": {"answer": "no", "note": "stolen"}}
    },
    ("POST", "/api/systems/{system_id}/judgements/{judgement_id}/sign"): {"version": 1},
    ("POST", "/api/systems/{system_id}/procurements"): {
        "title": "stolen",
        "vendor_id": Ref("vendor_id"),
    },
    ("PATCH", "/api/systems/{system_id}/procurements/{procurement_id}"): {
        "version": 1,
        "title": "stolen",
    },
    ("PUT", "/api/systems/{system_id}/procurements/{procurement_id}/checklist"): {
        "version": 1,
        "items": {"data-location": {"status": "open", "note": "stolen"}},
    },
    ("PUT", "/api/systems/{system_id}/continuity"): {"version": 1, "notes": "stolen"},
    ("POST", "/api/systems/{system_id}/energy"): ENERGY,
    ("PUT", "/api/systems/{system_id}/energy/publication"): {"published": True, "version": 0},
    ("PUT", "/api/orgs/current/energy-default"): {"published": True, "version": 0},
    ("POST", "/api/systems/{system_id}/continuity/review"): {"version": 1},
    ("POST", "/api/systems/{system_id}/continuity/drills"): {
        "held_on": "2026-01-01",
        "scenario": "outage",
        "outcome": "passed",
    },
    ("POST", "/api/systems/{system_id}/notice"): {"regenerate": True, "version": 1},
    ("PUT", "/api/systems/{system_id}/notice"): {"version": 1, "ja": {"title": "stolen"}},
    ("POST", "/api/systems/{system_id}/notice/approval-request"): {"version": 1},
    ("POST", "/api/systems/{system_id}/notice/approval"): {
        "version": 1,
        "approve": True,
        "reason": "stolen",
    },
    ("POST", "/api/systems/{system_id}/notice/publish"): {"version": 1},
    ("POST", "/api/systems/{system_id}/notice/unpublish"): {"reason": "stolen"},
    ("PATCH", "/api/soa/controls/{control}"): {"version": 1, "notes": "stolen"},
    ("POST", "/api/soa/approvals"): {"version": 1, "note": "stolen"},
    ("POST", "/api/policies"): {"kind": "basic"},
    ("PUT", "/api/policies/{policy_id}"): {
        "version": 1,
        "ja": {"title": "stolen", "body": "stolen"},
        "items": ["2.1"],
        "audience": "public",
        "effective_on": "2026-01-01",
    },
    ("POST", "/api/policies/{policy_id}/approval-request"): {"version": 1},
    ("POST", "/api/policies/{policy_id}/approval"): {
        "version": 1,
        "approve": True,
        "reason": "stolen",
    },
    ("POST", "/api/policies/{policy_id}/publish"): {"number": 1},
    ("POST", "/api/policies/{policy_id}/withdraw"): {"reason": "stolen"},
    ("POST", "/api/policies/{policy_id}/acknowledgements"): {"number": 1},
    ("POST", "/api/statement/publish"): {},
    ("PUT", "/api/register/systems/{system_id}"): {"division": "stolen"},
    ("POST", "/api/statement/unpublish"): {"reason": "stolen"},
    ("POST", "/api/reports/haip"): {
        "title": "別組織の報告",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
    },
    ("PUT", "/api/reports/haip/{report_id}"): {"version": 1, "title": "stolen"},
    ("POST", "/api/reports/haip/{report_id}/approval-request"): {"version": 1},
    ("POST", "/api/reports/haip/{report_id}/approval"): {
        "version": 1,
        "approve": True,
        "reason": "stolen",
    },
    ("POST", "/api/reports/haip/{report_id}/publish"): {"version": 1},
    ("POST", "/api/reports/haip/{report_id}/unpublish"): {"reason": "stolen"},
    ("POST", "/api/oversight/grants"): {"supervisor": "acme", "systems": [Ref("system_id")]},
    ("PUT", "/api/oversight/grants/{org}"): {"version": 1, "systems": [Ref("system_id")]},
    ("POST", "/api/literacy/assignments"): {"module": "bias", "users": [Ref("user_id")]},
    ("POST", "/api/literacy/modules/{module_id}/complete"): {"answers": [0, 0, 0]},
    # Two-step sign-in: one's own authenticator (a wrong code), the organisation's policy.
    ("POST", "/api/account/mfa/confirm"): {"code": "000000"},
    ("POST", "/api/account/mfa/disable"): {"code": "000000"},
    ("POST", "/api/account/mfa/recovery-codes"): {"code": "000000"},
    ("POST", "/api/account/mfa/verify"): {"code": "000000"},
    # Passkeys: answers that verify nothing (no challenge was asked for).
    ("POST", "/api/account/mfa/passkeys/registration"): {"name": "key"},
    ("POST", "/api/account/mfa/passkeys"): {"name": "key", "credential": _PASSKEY_MADE},
    ("PATCH", "/api/account/mfa/passkeys/{passkey_id}"): {"name": "key"},
    ("POST", "/api/account/mfa/passkeys/{passkey_id}/remove"): {"credential": _PASSKEY_SIGNED},
    ("POST", "/api/account/mfa/passkeys/verify"): {"credential": _PASSKEY_SIGNED},
    ("PUT", "/api/orgs/current/mfa"): {"enabled": False, "roles": ["admin"]},
    ("POST", "/api/public/literacy/modules/{module_id}/check"): {"answers": [0, 0, 0]},
    ("POST", "/api/public/literacy/self-check"): {"answers": [0]},
}
FORMS: dict[tuple[str, str], dict[str, Any]] = {
    # Form fields of page posts and of form routes (the walker adds the CSRF token).
    ("POST", "/signin"): {"email": "nobody@example.com", "password": "wrong password"},
    ("POST", "/systems/new"): {"name": "stolen", "org_role": "user"},
    ("POST", "/systems/{system_id}/edit"): {"name": "stolen", "org_role": "user", "version": "1"},
    ("POST", "/systems/{system_id}/provenance"): {"c2pa": "on"},
    ("POST", "/risks/new"): {"title": "stolen", "likelihood": "3", "impact": "3"},
    ("POST", "/risks/{risk_id}"): {"title": "stolen", "likelihood": "3", "impact": "3"},
    ("POST", "/risks/{risk_id}/accept"): {"version": "1", "note": "stolen"},
    ("POST", "/org"): {"name": "stolen", "version": "1", "actors": "business"},
    ("POST", "/org/invitations"): {"email": "new@example.com", "role": "viewer"},
    ("POST", "/org/eval-targets"): {"hosts": "stolen.example"},
    ("POST", "/org/sso"): {
        "name": "stolen",
        "issuer": "https://stolen.example",
        "client_id": "stolen",
        "client_secret": "stolen",
        "enabled": "on",
    },
    ("POST", "/org/sso/remove"): {},
    ("POST", "/signin/sso"): {"email": "nobody@example.com"},
    ("POST", "/org/invitations/{invitation_id}/revoke"): {},
    ("POST", "/org/scim/tokens"): {"name": "stolen"},
    ("POST", "/org/scim/tokens/{scim_token_id}/revoke"): {},
    # The SCIM endpoints take a SCIM token, never a session: the walker's browser is
    # refused (401) before its body is read.
    ("POST", "/scim/v2/Users"): {},
    ("PUT", "/scim/v2/Users/{user_id}"): {},
    ("PATCH", "/scim/v2/Users/{user_id}"): {},
    ("DELETE", "/scim/v2/Users/{user_id}"): {},
    ("POST", "/scim/v2/Groups"): {},
    ("PUT", "/scim/v2/Groups/{group_id}"): {},
    ("PATCH", "/scim/v2/Groups/{group_id}"): {},
    ("DELETE", "/scim/v2/Groups/{group_id}"): {},
    ("POST", "/org/members/{user_id}/remove"): {},
    ("POST", "/org/members/{user_id}/mfa/reset"): {},
    ("POST", "/org/mfa"): {"roles": "admin"},
    ("POST", "/signin/second-factor"): {"code": "000000"},
    ("POST", "/account/mfa/enrolment"): {},
    ("POST", "/account/mfa/confirm"): {"code": "000000"},
    ("POST", "/account/mfa/recovery-codes"): {"code": "000000"},
    ("POST", "/account/mfa/disable"): {"code": "000000"},
    ("POST", "/account/mfa/passkeys/{passkey_id}/name"): {"name": "key"},
    ("POST", "/invitations/{code}/accept"): {},
    ("POST", "/invitations/{code}/register"): {
        "password": "a long enough passphrase",
        "password_again": "a long enough passphrase",
    },
    ("POST", "/invitations/{code}/decline"): {},
    ("POST", "/account/password"): {
        "current_password": "not the password",
        "new_password": "a long enough passphrase",
        "new_password_again": "a long enough passphrase",
    },
    ("POST", "/account/orgs"): {"org": "acme"},
    ("POST", "/account/sessions/{session_id}/end"): {},
    ("POST", "/account/sign-out-everywhere"): {"keep_current": "1"},
    ("POST", "/org/members/{user_id}/sign-out"): {"revoke_tokens": "1"},
    ("POST", "/oversight/grants"): {"supervisor": "acme", "systems": Ref("system_id")},
    ("POST", "/oversight/grants/{org}/systems"): {"version": "1", "systems": Ref("system_id")},
    ("POST", "/oversight/grants/{org}/revoke"): {},
    ("POST", "/evals/runs/{run}/cancel"): {},
    ("POST", "/systems/{system_id}/assessment/start"): {},
    ("POST", "/systems/{system_id}/assessment/close"): {"confirm": "1"},
    ("POST", "/systems/{system_id}/assessment/answer"): {"state": "implemented"},
    ("POST", "/systems/{system_id}/assessment/not-applicable"): {
        "requirement": "urn:tekisei:req:jp-ai-appropriateness-2025:2.4",
        "justification": "stolen",
    },
    ("POST", "/approvals/{approval_id}"): {"decision": "approve", "reason": "stolen"},
    ("POST", "/systems/{system_id}/stage-request"): {"to_stage": "deploy"},
    ("POST", "/systems/{system_id}/reviews"): {"reason": "stolen"},
    ("POST", "/systems/{system_id}/reviews/{review_id}"): {"plan": "stolen"},
    ("POST", "/evals"): {
        "system": Ref("system_id"),
        "suite": "tekisei-basics",
        "target": "openai:m@http://127.0.0.1:9/v1",
    },
    ("POST", "/evals/runs/{run}/resume"): {},
    ("POST", "/evals/suggestions/{suggestion_id}"): {"decision": "dismiss", "note": "stolen"},
    ("POST", "/verify"): {"text": "w1 w2 w3 w4"},
    ("POST", "/systems/import/confirm"): {"token": "A" * 32},
    ("POST", "/risks/import/confirm"): {"token": "A" * 32},
    ("POST", "/records/models/new"): {"name": "stolen"},
    ("POST", "/records/datasets/new"): {"name": "stolen"},
    ("POST", "/records/models/{model_id}"): {"name": "stolen", "version": "1"},
    ("POST", "/records/datasets/{dataset_id}"): {"name": "stolen", "version": "1"},
    ("POST", "/stakeholders/new"): {"name": "stolen", "systems": Ref("system_id")},
    ("POST", "/stakeholders/{stakeholder_id}"): {"name": "stolen", "version": "1"},
    ("POST", "/stakeholders/{stakeholder_id}/archive"): {"version": "1"},
    ("POST", "/stakeholders/{stakeholder_id}/engagements"): {"summary": "stolen"},
    ("POST", "/data-holders/new"): {"name": "stolen", "datasets": Ref("dataset_id")},
    ("POST", "/data-holders/{holder_id}"): {"name": "stolen", "version": "1"},
    ("POST", "/data-holders/{holder_id}/archive"): {"version": "1"},
    ("POST", "/data-holders/{holder_id}/communications"): {"summary": "stolen"},
    ("POST", "/data-holders/{holder_id}/benefits"): {
        "kind": "access",
        "recipient": "stolen",
        "since": "2026-01-01",
    },
    ("POST", "/data-holders/{holder_id}/benefits/{benefit_id}"): {
        "version": "1",
        "status": "ended",
    },
    ("POST", "/vendors/new"): {"name": "stolen", "systems": Ref("system_id")},
    ("POST", "/vendors/{vendor_id}"): {"name": "stolen", "version": "1"},
    ("POST", "/vendors/{vendor_id}/change"): {"reason": "other", "version": "1"},
    ("POST", "/vendors/{vendor_id}/archive"): {"version": "1"},
    ("POST", "/systems/{system_id}/procurements/new"): {"title": "stolen"},
    ("POST", "/systems/{system_id}/procurements/{procurement_id}"): {
        "title": "stolen",
        "version": "1",
    },
    ("POST", "/systems/{system_id}/procurements/{procurement_id}/checklist"): {
        "version": "1",
        "status-data-location": "open",
    },
    ("POST", "/orgs/{org}/inquiries/new"): {"kind": "question", "subject": "x", "message": "x"},
    ("POST", "/notices/{public_id}/inquiry"): {"kind": "question", "subject": "x", "message": "x"},
    ("POST", "/inquiries/status"): {"tracking": Ref("tracking"), "secret": "wrong"},
    ("POST", "/inquiries/settings"): {"version": "0", "retention_days": "1"},
    ("POST", "/decisions/settings"): {
        "version": "0",
        "retention_days": "3650",
        "published": Ref("system_id"),
        "publish_records": "1",
    },
    ("POST", "/decisions/purge"): {},
    ("POST", "/systems/{system_id}/judgement"): {
        "answer-users-public": "yes",
        "note-users-public": "stolen",
    },
    ("POST", "/systems/{system_id}/judgements/{judgement_id}/sign"): {"version": "1"},
    ("POST", "/inquiries/{inquiry_id}/reply"): {"version": "1", "text": "stolen"},
    ("POST", "/inquiries/{inquiry_id}/note"): {"text": "stolen"},
    ("POST", "/inquiries/{inquiry_id}/start"): {"version": "1"},
    ("POST", "/inquiries/{inquiry_id}/close"): {"version": "1"},
    ("POST", "/inquiries/{inquiry_id}/reject"): {"version": "1", "reason": "stolen"},
    ("POST", "/inquiries/{inquiry_id}/assign"): {"version": "1", "user_id": ""},
    ("POST", "/inquiries/{inquiry_id}/links"): {"version": "1", "system_id": Ref("system_id")},
    ("POST", "/inquiries/{inquiry_id}/erase"): {},
    ("POST", "/notifications/read"): {},
    ("POST", "/notifications/{notification_id}/read"): {},
    ("POST", "/notifications/settings"): {"version": "0", "lang": "en"},
    ("POST", "/incidents/new"): {"title": "stolen", "systems": Ref("system_id")},
    ("POST", "/incidents/{incident_id}"): {"version": "1", "title": "stolen"},
    ("POST", "/incidents/{incident_id}/timeline"): {
        "version": "1",
        "at": "2026-01-01T00:00",
        "text": "stolen",
    },
    ("POST", "/incidents/{incident_id}/actions"): {
        "version": "1",
        "text": "stolen",
        "system_id": Ref("system_id"),
        "risk_title": "stolen",
        "taxonomy": "social.bias",
        "likelihood": "1",
        "impact": "1",
    },
    ("POST", "/incidents/{incident_id}/notifications"): {
        "version": "1",
        "party": "authority",
        "name": "stolen",
        "at": "2026-01-01T00:00",
    },
    ("POST", "/incidents/{incident_id}/state"): {"version": "1", "state": "contained"},
    ("POST", "/incidents/{incident_id}/publish"): {
        "version": "1",
        "title": "stolen",
        "summary": "stolen",
    },
    ("POST", "/incidents/{incident_id}/unpublish"): {"reason": "stolen"},
    ("POST", "/systems/{system_id}/continuity"): {"version": "1", "notes": "stolen"},
    ("POST", "/systems/{system_id}/energy"): ENERGY,
    ("POST", "/systems/{system_id}/energy/publication"): {"version": "0", "published": "1"},
    ("POST", "/systems/{system_id}/energy/{energy_id}/remove"): {},
    ("POST", "/org/energy-default"): {"version": "0", "published": "1"},
    ("POST", "/systems/{system_id}/continuity/review"): {"version": "1"},
    ("POST", "/systems/{system_id}/continuity/drills"): {
        "held_on": "2026-01-01",
        "scenario": "outage",
        "outcome": "passed",
    },
    ("POST", "/systems/{system_id}/notice/generate"): {"regenerate": "1", "version": "1"},
    ("POST", "/systems/{system_id}/notice"): {"version": "1", "ja-title": "stolen"},
    ("POST", "/systems/{system_id}/notice/request-approval"): {"version": "1"},
    ("POST", "/systems/{system_id}/notice/approval"): {
        "version": "1",
        "decision": "approve",
        "reason": "stolen",
    },
    ("POST", "/systems/{system_id}/notice/publish"): {"version": "1"},
    ("POST", "/systems/{system_id}/notice/unpublish"): {"reason": "stolen"},
    ("POST", "/soa/controls/{control}"): {"version": "1", "applicable": "yes", "notes": "stolen"},
    ("POST", "/soa/approve"): {"version": "1", "note": "stolen"},
    ("POST", "/policies/new"): {"kind": "basic", "template": "1"},
    ("POST", "/policies/{policy_id}"): {
        "version": "1",
        "ja-title": "stolen",
        "ja-body": "stolen",
        "audience": "public",
        "items": "2.1",
    },
    ("POST", "/policies/{policy_id}/request-approval"): {"version": "1"},
    ("POST", "/policies/{policy_id}/approval"): {
        "version": "1",
        "decision": "approve",
        "reason": "stolen",
    },
    ("POST", "/policies/{policy_id}/publish"): {"number": "1"},
    ("POST", "/policies/{policy_id}/withdraw"): {"reason": "stolen"},
    ("POST", "/policies/{policy_id}/acknowledge"): {"number": "1"},
    ("POST", "/statement/publish"): {},
    ("POST", "/register/systems/{system_id}"): {"division": "stolen"},
    ("POST", "/register/systems/{system_id}/unlist"): {},
    ("POST", "/register/publish"): {},
    ("POST", "/register/unpublish"): {},
    ("POST", "/statement/unpublish"): {"reason": "stolen"},
    ("POST", "/reports/haip"): {
        "title": "stolen",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
    },
    ("POST", "/reports/haip/{report_id}"): {
        "version": "1",
        "title": "stolen",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "1-ja": "stolen",
    },
    ("POST", "/reports/haip/{report_id}/request-approval"): {"version": "1"},
    ("POST", "/reports/haip/{report_id}/approval"): {
        "version": "1",
        "decision": "approve",
        "reason": "stolen",
    },
    ("POST", "/reports/haip/{report_id}/publish"): {"version": "1"},
    ("POST", "/reports/haip/{report_id}/unpublish"): {"reason": "stolen"},
    ("POST", "/learn/self-check"): {"q1": "0"},
    ("POST", "/learn/{module_id}"): {"q1": "0"},
    ("POST", "/literacy/assign"): {"module": "bias", "who": "chosen", "users": Ref("user_id")},
    ("POST", "/literacy/assignments/{assignment_id}/remove"): {},
    ("POST", "/literacy/rules/{module_id}/remove"): {},
    ("POST", "/literacy/modules/{module_id}"): {"q1": "0"},
}


def _systems_sheet(ids: dict[str, Any]) -> dict[str, Any]:
    """An inventory file that tries to change the walker's system."""
    text = f"ID,名称,自組織の立場\r\n{ids['system_id']},stolen,user\r\n"
    return {"file": ("systems.csv", text.encode("utf-8"), "text/csv")}


def _risks_sheet(ids: dict[str, Any]) -> dict[str, Any]:
    """A risk-register file that tries to change the walker's risk and add one to its system."""
    text = (
        "ID,AIシステムID,リスク名,リスクの分類,発生可能性,影響度\r\n"
        f"{ids['risk_id']},,stolen,social.bias,1,1\r\n"
        f",{ids['system_id']},stolen,social.bias,1,1\r\n"
    )
    return {"file": ("risks.csv", text.encode("utf-8"), "text/csv")}


DECISIONS_CSV = (
    "cases.csv",
    "案件番号,決定日,決定内容,AIの関与,審査結果,審査・決定者\nX-1,2026-04-01,stolen,check,kept,stolen\n".encode(),
    "text/csv",
)
FILES: dict[tuple[str, str], Any] = {
    # Uploads (multipart) of API routes and pages: the files, or a function of the
    # walker's ids that makes them (imports whose rows name the walker's objects: each
    # such row is the row's "not found", a 422 with the problem, never a change).
    ("POST", "/api/evidence/files"): {"file": ("note.txt", b"plain evidence", "text/plain")},
    ("POST", "/api/provenance/verify/image"): {"file": ("a.png", PNG, "image/png")},
    ("POST", "/verify/image"): {"file": ("a.png", PNG, "image/png")},
    ("POST", "/api/systems/import"): _systems_sheet,
    ("POST", "/api/risks/import"): _risks_sheet,
    ("POST", "/systems/import"): _systems_sheet,
    ("POST", "/risks/import"): _risks_sheet,
    ("POST", "/systems/{system_id}/decisions/import"): {"file": DECISIONS_CSV},
    ("POST", "/api/systems/{system_id}/decisions/import"): {"file": DECISIONS_CSV},
}
SKIP: dict[tuple[str, str], str] = {
    ("POST", "/signout"): "ends the walker's own session and names no object",
}


@dataclass(frozen=True)
class Route:
    """One method of one route of the app."""

    method: str
    path: str
    route: BaseRoute

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def public(self) -> bool:
        """Answers without asking who calls (the same answer for everyone)."""
        if not isinstance(self.route, APIRoute):
            return True
        calls: list[Any] = []
        todo = [self.route.dependant]
        while todo:
            dependant = todo.pop()
            calls.append(dependant.call)
            todo.extend(dependant.dependencies)
        asking = {current_principal, optional_principal, password_changer}
        return not (asking | {second_factor_giver, enroller}) & set(calls)


def app_routes(app: Any) -> list[Route]:
    """Every method of every route the app serves, static files aside."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount) or context.path_format is None:
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            if (method, context.path_format) not in SKIP:
                found.append(Route(method, context.path_format, route))
    assert len(found) > 100, found
    return found


@dataclass
class Call:
    """A filled request, and whether it names one of the walker's objects."""

    url: str
    params: dict[str, Any]
    json: Any
    data: dict[str, Any] | None
    files: dict[str, Any] | None
    names_object: bool


def _fill_value(value: Any, ids: dict[str, Any], named: list[str]) -> Any:
    if isinstance(value, Ref):
        named.append(value.name)
        return ids[value.name]
    if isinstance(value, dict):
        return {k: _fill_value(v, ids, named) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_value(v, ids, named) for v in value]
    return value


def fill(route: Route, ids: dict[str, Any], *, with_optional_ids: bool) -> Call:
    """The request that calls ``route`` with ``ids``; optional query parameters naming an
    object are given only ``with_optional_ids``. Fails with what to add when it cannot."""
    where = f"{route.method} {route.path}"
    hint = "in the isolation section of tests/web/test_workspace_api.py"
    named: list[str] = []
    url = route.path
    for name in re.findall(r"\{(\w+)\}", route.path):
        if name in OBJECT_PARAMS:
            value = _fill_value(Ref(OBJECT_PARAMS[name]), ids, named)
        elif name in CONSTANT_PARAMS:
            value = CONSTANT_PARAMS[name]
        else:
            pytest.fail(f"{where}: the walker cannot fill {{{name}}}; add it to OBJECT_PARAMS "
                        f"(it names an object of a system) or CONSTANT_PARAMS {hint}")  # fmt: skip
        url = url.replace(f"{{{name}}}", str(value))
    params = _fill_value(dict(QUERIES.get(route.key, {})), ids, named)
    json_body: Any = None
    data: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    if isinstance(route.route, APIRoute):
        dependant = route.route.dependant
        for query in dependant.query_params:
            name = query.alias
            if name in OBJECT_PARAMS and (query.field_info.is_required() or with_optional_ids):
                params[name] = _fill_value(Ref(OBJECT_PARAMS[name]), ids, named)
            elif query.field_info.is_required() and name not in params:
                pytest.fail(f"{where}: add the required query parameter {name!r} to QUERIES "
                            f"{hint}")  # fmt: skip
        uploads = [p for p in dependant.body_params if isinstance(p.field_info, File)]
        forms = [p for p in dependant.body_params if isinstance(p.field_info, Form)]
        # Upload routes read their multipart body themselves, after authentication, so
        # they declare no File() parameter: FILES names them.
        if uploads or route.key in FILES:
            if route.key not in FILES:
                pytest.fail(f"{where}: add the files it uploads to FILES {hint}")
            files = FILES[route.key]
            files = files(ids) if callable(files) else files
            data = _fill_value(dict(FORMS.get(route.key, {})), ids, named)
        elif forms:
            if route.key not in FORMS:
                pytest.fail(f"{where}: add its form fields to FORMS {hint}")
            data = _fill_value(dict(FORMS[route.key]), ids, named)
        elif dependant.body_params:
            if route.key not in BODIES:
                pytest.fail(f"{where}: add a JSON body to BODIES {hint}")
            json_body = _fill_value(BODIES[route.key], ids, named)
        elif route.method != "GET" and not route.path.startswith("/api/"):
            if route.key not in FORMS:
                pytest.fail(f"{where}: a page post; add its form fields to FORMS {hint}")
            data = _fill_value(dict(FORMS[route.key]), ids, named)
    return Call(url, params, json_body, data, files, bool(named))


@dataclass
class Caller:
    """A browser signed in to one organisation (or nobody), through one client."""

    client: httpx.AsyncClient
    cookie: str | None = None
    csrf: str = ""

    async def call(self, route: Route, call: Call) -> httpx.Response:
        self.client.cookies.clear()
        if self.cookie:
            self.client.cookies.set(SESSION_COOKIE, self.cookie)
        headers = {"X-CSRF-Token": self.csrf} if self.csrf and route.method != "GET" else {}
        data = call.data
        if data is not None and self.csrf:
            data = data | {"csrf": self.csrf}
        response = await self.client.request(
            route.method,
            call.url,
            params=call.params,
            json=call.json,
            data=data,
            files=call.files,
            headers=headers,
        )
        self.client.cookies.clear()
        return response


def signed_in(api: dict[str, Any], email: str, org: str) -> Caller:
    with api["db"].transaction() as session:
        user = session.scalars(select(UserRow).where(UserRow.email == email)).one()
        started = users.start_session(session, user, org)
    return Caller(api["client"], started.token, started.csrf)


def _calls(route: Route, ids: dict[str, Any]) -> list[Call]:
    """The route without and, when it has some, with optional parameters naming objects."""
    plain = fill(route, ids, with_optional_ids=False)
    naming = fill(route, ids, with_optional_ids=True)
    return [plain] if naming.params == plain.params else [plain, naming]


def _gist(response: httpx.Response) -> str:
    if "html" in response.headers.get("content-type", ""):
        main = BeautifulSoup(response.text, "html.parser").select_one("main")
        return (main.get_text(" ", strip=True) if main else response.text)[:200]
    return response.text[:200]


def _same_page(response: httpx.Response) -> tuple[int, str]:
    """Status and body, with the per-request sign-in form token and signed receipts
    masked; a workbook by its cells (the file itself carries the time it was written)."""
    if response.headers.get("content-type", "").startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(response.content))
        cells = [[c.value for c in row] for sheet in book.worksheets for row in sheet.rows]
        return response.status_code, repr(cells)
    page = re.sub(r'name="login_csrf" value="[^"]*"', "", response.text)
    # the walker's own session is seen again once a minute
    page = re.sub(r'"last_seen_at":"[^"]*"|<td class="nowrap seen">[^<]*</td>', "<seen>", page)
    # a signed receipt (JWS) carries the second it was issued at
    return response.status_code, re.sub(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", "<receipt>", page)


async def _one_of_every_kind(api: dict[str, Any], demo_url: str) -> dict[str, Any]:
    """Acme's objects of every kind (a finished run, its suggestion, an assessment, a
    link, a stage request, a review, an invitation), by the walker's names for them."""
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
    invitation = await client.post(
        "/api/orgs/current/invitations",
        headers=admin,
        json={"email": "invited@acme.example", "role": "viewer"},
    )
    assert invitation.status_code == 201, invitation.text
    members = (await client.get("/api/orgs/current/members", headers=admin)).json()
    transparency = await _records_and_notice(api, system_id, "性別による偏り")
    transparency |= await _scim(api, "acme", "性別による偏り")
    settings = api["app"].state.settings
    with api["db"].transaction() as session:
        transparency["key_id"] = provenance_service.create_key(
            session,
            orgs.cli_principal(session, "acme"),
            provenance_service.master_key(settings),
            settings.data_dir,
        ).key_id
    _sso(api, "性別による偏り")
    await _statement(api, "性別による偏り")
    transparency["policy_id"] = await _policy(api, "性別による偏り")
    transparency |= await _haip_report(api, "性別による偏り")
    transparency["stakeholder_id"] = await _stakeholder(api, system_id, "性別による偏り")
    transparency |= await _data_holder(api, transparency["dataset_id"], "性別による偏り")
    transparency["vendor_id"] = await _vendor(api, system_id, "性別による偏り")
    transparency["procurement_id"] = await _procurement(
        api, system_id, transparency["vendor_id"], "性別による偏り"
    )
    transparency |= await _inquiry(api, system_id, "性別による偏り")
    transparency["notification_id"] = _notification(api)
    await _continuity(api, system_id, "性別による偏り")
    transparency |= await _incident(api, system_id, "性別による偏り")
    transparency["judgement_id"] = await _judgement(api, system_id, "性別による偏り")
    transparency["assignment_id"] = await _literacy(api)
    await _decision(api, system_id, "性別による偏り")
    transparency["energy_id"] = await _energy(api, system_id, "性別による偏り")
    ids = {
        "system_id": system_id,
        "risk_id": risk_id,
        "assessment_id": started.json()["id"],
        "evidence_id": link.json()["id"],
        "approval_id": requested.json()["id"],
        "review_id": review.json()["id"],
        "run": run.json()["id"],
        "suggestion_id": suggestion["id"],
        "asset_id": "000000000000",  # public provenance lookups: an unknown asset is 404
        "manifest_id": "000000000000",
        "invitation_id": invitation.json()["id"],
        "user_id": next(m["user_id"] for m in members if m["email"] == "admin@acme.example"),
        **_session_of(api, "admin@acme.example", "acme"),
        **transparency,
    }
    return ids


def _session_of(api: dict[str, Any], email: str, org: str) -> dict[str, Any]:
    """A browser session of ``email`` in ``org``: its id, and its cookie (to check it
    still works after the walk)."""
    with api["db"].transaction() as session:
        user = session.scalars(select(UserRow).where(UserRow.email == email)).one()
        started = users.start_session(session, user, org)
        session_id = session.scalars(
            select(WebSessionRow.id).where(
                WebSessionRow.token_hash == users.token_digest(started.token)
            )
        ).one()
    return {"session_id": session_id, "session_cookie": started.token}


async def test_another_organisation_never_sees_or_changes_data(
    api: dict[str, Any], demo_url: str
) -> None:
    ids = await _one_of_every_kind(api, demo_url)
    system_id = ids["system_id"]
    client = api["client"]
    admin = auth(api["tokens"]["admin"])
    other = signed_in(api, "admin@other.example", "other")
    secrets = (
        "採用書類スクリーニング",
        "性別による偏り",
        "admin@acme.example",
        "invited@acme.example",
        '"acme"',
    )
    checked, problems = 0, []
    routes = app_routes(api["app"])
    for route in routes:
        for call in _calls(route, ids):
            response = await other.call(route, call)
            checked += 1
            where = f"{route.method} {call.url} {call.params}: {response.status_code}"
            if call.names_object and not route.public and response.status_code != 404:
                problems.append(f"{where}, not 404 ({_gist(response)})")
            elif response.status_code >= 500:
                problems.append(f"{where} ({_gist(response)})")
            if any(s in response.text for s in secrets):
                problems.append(f"{where} shows another organisation's data")
    assert not problems, "\n".join(problems)
    assert checked > len(routes)
    mine = (
        await client.get(f"/api/systems/{system_id}", headers=auth(api["tokens"]["admin"]))
    ).json()
    assert mine["name"] == SYSTEM["name"] and mine["version"] == 1
    targets = await client.get("/api/orgs/current/eval-targets", headers=admin)
    assert targets.json()["hosts"] == []  # the other organisation changed only its own list
    energy_default = await client.get("/api/orgs/current/energy-default", headers=admin)
    assert energy_default.json()["version"] == 0  # nor did it turn on acme's default
    with api["db"].reading() as session:  # nor ended an acme session or token
        assert sessions.is_open(session, ids["session_cookie"])
        assert users.resolve_token(session, api["tokens"]["admin"]).email == "admin@acme.example"
    provider = await client.get("/api/orgs/current/sso", headers=admin)
    assert provider.json()["client_id"] == "acme-client"  # nor its single sign-on


ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _times_without_offset(value: Any, where: str = "") -> list[str]:
    """Every string of ``value`` (JSON, walked) that is a time of day without an offset."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _times_without_offset(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _times_without_offset(v, f"{where}[{i}]")]
    if isinstance(value, str) and ISO_TIME.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return [f"{where}: {value!r} is not ISO 8601"]
        if moment.utcoffset() is None:
            return [f"{where}: {value!r} has no offset"]
    return []


async def test_every_time_the_api_answers_with_carries_its_offset(
    api: dict[str, Any], demo_url: str
) -> None:
    """SQLite hands back naive datetimes: whatever the backend, every time in every JSON
    answer of the API is ISO 8601 with an offset (Z or ±HH:MM)."""
    ids = await _one_of_every_kind(api, demo_url)
    client, admin = api["client"], auth(api["tokens"]["admin"])
    accepted = await client.post(
        f"/api/risks/{ids['risk_id']}/accept",
        headers=auth(api["tokens"]["executive"]),
        json={"version": 1, "note": "受容"},
    )
    assert accepted.status_code in (200, 422), accepted.text
    answered, times, problems = 0, 0, []
    for route in app_routes(api["app"]):
        if route.method != "GET" or not route.path.startswith("/api/"):
            continue
        for call in _calls(route, ids):
            response = await client.get(call.url, params=call.params, headers=admin)
            if not response.headers.get("content-type", "").startswith("application/json"):
                continue
            answered += 1
            body = response.json()
            times += len(re.findall(r'"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}', response.text))
            problems += [f"GET {call.url}{p}" for p in _times_without_offset(body)]
    assert not problems, "\n".join(problems)
    assert answered > 30 and times > 30, (answered, times)


HIDDEN = "HIDDEN"
"""In the name or text of every object of the system the tester is not assigned to."""


class _AnyId(dict[str, Any]):
    def __missing__(self, key: str) -> int:
        return 0


async def _hidden_system(
    api: dict[str, Any], demo_url: str, settings: Settings, folder: Path
) -> dict[str, Any]:
    """A system of acme with one object of every kind, each marked HIDDEN; their ids."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    system = await client.post(
        "/api/systems", headers=admin, json=SYSTEM | {"name": f"{HIDDEN} system"}
    )
    assert system.status_code == 201, system.text
    system_id = system.json()["id"]
    risk = await client.post(
        f"/api/systems/{system_id}/risks", headers=admin, json=RISK | {"title": f"{HIDDEN} risk"}
    )
    assert risk.status_code == 201, risk.text
    run = await client.post(
        f"/api/systems/{system_id}/eval-runs",
        headers=admin,
        json={
            "suite": "tekisei-basics",
            "target": f"openai:tekisei-demo-1@{demo_url}",
            "run_id": f"{HIDDEN}-run",
        },
    )
    assert run.status_code == 202, run.text
    for _ in range(600):
        got = await client.get(f"/api/evals/runs/{run.json()['id']}", headers=admin)
        if got.json()["status"] == "finished":
            break
        await asyncio.sleep(0.05)
    suggestions = await client.get(
        "/api/evals/suggestions", headers=admin, params={"system": system_id}
    )
    assessment = await client.post(f"/api/systems/{system_id}/assessments", headers=admin)
    assert assessment.status_code == 201, assessment.text
    assessment_id = assessment.json()["id"]
    requirement = (
        await client.get(f"/api/systems/{system_id}/requirements", headers=admin)
    ).json()[0]["urn"]
    answer = await client.put(
        f"/api/assessments/{assessment_id}/answers",
        headers=admin,
        params={"requirement": requirement},
        json={"state": "partial", "notes": f"{HIDDEN} answer"},
    )
    assert answer.status_code == 200, answer.text
    upload = await client.post(
        "/api/evidence/files",
        headers=admin,
        files={"file": (f"{HIDDEN}-evidence.txt", f"{HIDDEN} evidence".encode(), "text/plain")},
        data={"title": f"{HIDDEN} evidence"},
    )
    assert upload.status_code == 201, upload.text
    attached = await client.post(
        f"/api/assessments/{assessment_id}/evidence",
        headers=admin,
        json={"requirement": requirement, "evidence_id": upload.json()["id"]},
    )
    assert attached.status_code < 300, attached.text
    requested = await client.post(
        f"/api/systems/{system_id}/stage-requests",
        headers=admin,
        json={"to_stage": "deploy", "note": f"{HIDDEN} request"},
    )
    assert requested.status_code == 201, requested.text
    review = await client.post(
        f"/api/systems/{system_id}/reviews", headers=admin, json={"reason": f"{HIDDEN} review"}
    )
    assert review.status_code == 201, review.text
    for phase in ("plan", "do", "check", "act"):
        await client.post(
            f"/api/reviews/{review.json()['id']}/records",
            headers=admin,
            json={"phase": phase, "text": f"{HIDDEN} {phase}"},
        )
    completed = await client.post(
        f"/api/reviews/{review.json()['id']}/complete", headers=admin, json={"maturity": 4}
    )
    assert completed.status_code == 200, completed.text
    mechanisms = await client.put(
        f"/api/systems/{system_id}/provenance",
        headers=admin,
        json={"c2pa": True, "other": f"{HIDDEN} mechanism"},
    )
    assert mechanisms.status_code == 200, mechanisms.text
    samples = folder / "samples"
    samples.mkdir()
    (samples / f"{HIDDEN}-sample.txt").write_text(f"{HIDDEN} sample output", encoding="utf-8")
    with api["db"].transaction() as session:
        owner = orgs.cli_principal(session, "acme")
        provenance_checks.check_samples(
            session,
            owner,
            master=provenance_service.master_key(settings),
            data_dir=settings.data_dir,
            files_dir=settings.files_dir,
            max_bytes=1024 * 1024,
            system_id=system_id,
            folder=samples,
        )
        _, image = credentials.sign(
            session, owner, settings.data_dir, PNG, system_id, f"{HIDDEN} generator",
            master=provenance_service.master_key(settings),
        )  # fmt: skip
        watermark_key = provenance_service.create_key(
            session, owner, provenance_service.master_key(settings), settings.data_dir
        ).key_id
    transparency = await _records_and_notice(api, system_id, f"{HIDDEN} record")
    transparency["key_id"] = watermark_key
    _sso(api, f"{HIDDEN} sso")
    await _statement(api, f"{HIDDEN} statement")
    transparency["policy_id"] = await _policy(api, f"{HIDDEN} policy")
    transparency |= await _haip_report(api, f"{HIDDEN} report")
    transparency["stakeholder_id"] = await _stakeholder(api, system_id, f"{HIDDEN} stakeholder")
    transparency |= await _data_holder(api, transparency["dataset_id"], f"{HIDDEN} holder")
    transparency["vendor_id"] = await _vendor(api, system_id, f"{HIDDEN} vendor")
    transparency["procurement_id"] = await _procurement(
        api, system_id, transparency["vendor_id"], f"{HIDDEN} procurement"
    )
    transparency |= await _inquiry(api, system_id, f"{HIDDEN} inquiry")
    transparency["notification_id"] = _notification(api)
    await _continuity(api, system_id, f"{HIDDEN} continuity")
    transparency |= await _incident(api, system_id, f"{HIDDEN} incident")
    transparency["judgement_id"] = await _judgement(api, system_id, f"{HIDDEN} judgement")
    transparency["assignment_id"] = await _literacy(api)
    await _decision(api, system_id, f"{HIDDEN} decision")
    transparency["energy_id"] = await _energy(api, system_id, f"{HIDDEN} energy")
    return {
        **transparency,
        "system_id": system_id,
        "risk_id": risk.json()["id"],
        "assessment_id": assessment_id,
        "evidence_id": upload.json()["id"],
        "approval_id": requested.json()["id"],
        "review_id": review.json()["id"],
        "run": run.json()["id"],
        "suggestion_id": suggestions.json()[0]["id"],
        "asset_id": image.asset_id,
        "manifest_id": image.asset_id,
        # Members and invitations belong to no system: the tester is shown those of the
        # other organisation, which must be as unknown to them as any hidden object.
        **await _other_organisations_people(api),
    }


async def _records_and_notice(api: dict[str, Any], system_id: int, text: str) -> dict[str, Any]:
    """A model and a dataset record of the system, each with ``text`` in every field it
    discloses, and a draft of its notice (drafts are private: their public id is 404)."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    model = await client.post(
        f"/api/systems/{system_id}/records/models",
        headers=admin,
        json={"name": text, "notes": text, "disclosed": ["name", "notes"]},
    )
    assert model.status_code == 201, model.text
    dataset = await client.post(
        f"/api/systems/{system_id}/records/datasets",
        headers=admin,
        json={"name": text, "source": text, "data_holders": [text], "disclosed": ["name"]},
    )
    assert dataset.status_code == 201, dataset.text
    notice = await client.post(f"/api/systems/{system_id}/notice", headers=admin, json={})
    assert notice.status_code == 201, notice.text
    return {
        "model_id": model.json()["id"],
        "dataset_id": dataset.json()["id"],
        "public_id": notice.json()["public_id"],
    }


async def _stakeholder(api: dict[str, Any], system_id: int, text: str) -> int:
    """A stakeholder of the system with ``text`` in every field, and an engagement with it
    written the same way; the stakeholder's id."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    added = await client.post(
        "/api/stakeholders",
        headers=admin,
        json={"name": text, "interests": text, "engagement": text, "contact": text,
              "systems": [system_id]},
    )  # fmt: skip
    assert added.status_code == 201, added.text
    engaged = await client.post(
        f"/api/stakeholders/{added.json()['id']}/engagements",
        headers=admin,
        json={"summary": text, "outcome": text},
    )
    assert engaged.status_code == 201, engaged.text
    return int(added.json()["id"])


async def _data_holder(api: dict[str, Any], dataset_id: int, text: str) -> dict[str, int]:
    """A data holder linked to the dataset record with ``text`` in every field, a
    communication with it and a benefit arrangement written the same way; their ids."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    added = await client.post(
        "/api/data-holders",
        headers=admin,
        json={"name": text, "data": text, "interests": text, "contact": text,
              "rights": ["copyright"], "datasets": [dataset_id]},
    )  # fmt: skip
    assert added.status_code == 201, added.text
    holder_id = int(added.json()["id"])
    logged = await client.post(
        f"/api/data-holders/{holder_id}/communications",
        headers=admin,
        json={"summary": text, "outcome": text},
    )
    assert logged.status_code == 201, logged.text
    benefit = await client.post(
        f"/api/data-holders/{holder_id}/benefits",
        headers=admin,
        json={"kind": "revenue_share", "recipient": text, "method": text, "since": "2026-01-01"},
    )
    assert benefit.status_code == 201, benefit.text
    return {"holder_id": holder_id, "benefit_id": int(benefit.json()["id"])}


async def _vendor(api: dict[str, Any], system_id: int, text: str) -> int:
    """A vendor the system depends on, with ``text`` in every field; the vendor's id."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    added = await client.post(
        "/api/vendors",
        headers=admin,
        json={"name": text, "region": text, "abroad": True, "abroad_basis": text,
              "contract_ref": text, "review_result": text, "contact": text,
              "systems": [system_id]},
    )  # fmt: skip
    assert added.status_code == 201, added.text
    return int(added.json()["id"])


async def _procurement(api: dict[str, Any], system_id: int, vendor_id: int, text: str) -> int:
    """A procurement of the system from the vendor with ``text`` in its title, reference
    and a checklist note; its id."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    url = f"/api/systems/{system_id}/procurements"
    made = await client.post(
        url, headers=admin, json={"title": text, "reference": text[:100], "vendor_id": vendor_id}
    )
    assert made.status_code == 201, made.text
    filled = await client.put(
        f"{url}/{made.json()['id']}/checklist",
        headers=admin,
        json={"version": 1, "items": {"data-location": {"status": "confirmed", "note": text}}},
    )
    assert filled.status_code == 200, filled.text
    return int(made.json()["id"])


async def _inquiry(api: dict[str, Any], system_id: int, text: str) -> dict[str, Any]:
    """An inquiry about the system with ``text`` in every field the sender writes, a note
    and a reply written the same way; its id and tracking number."""
    with api["db"].transaction() as session:
        org = session.scalars(select(OrgRow).where(OrgRow.slug == "acme")).one()
        to = public_inquiries.Receiver(
            org_id=org.id, org_slug=org.slug, organisation=org.name, system_id=system_id,
            system=text, notice_public_id=None,
        )  # fmt: skip
        submission = InquirySubmission(
            kind=InquiryKind.DISCLOSURE, subject=text, message=text, name=text,
            contact="sender@acme.example",
        )  # fmt: skip
        sent = public_inquiries.submit(session, to, submission)
        inquiry_id = session.scalars(
            select(InquiryRow.id).where(InquiryRow.tracking == sent.tracking)
        ).one()
    client, admin = api["client"], auth(api["tokens"]["admin"])
    noted = await client.post(
        f"/api/inquiries/{inquiry_id}/notes", headers=admin, json={"text": text}
    )
    assert noted.status_code == 201, noted.text
    return {"inquiry_id": inquiry_id, "tracking": sent.tracking}


async def _decision(api: dict[str, Any], system_id: int, text: str) -> None:
    """A decision record of the system with ``text`` in every field it has."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    header = "案件番号,決定日,決定内容,根拠,AIの関与,AIの提案,審査結果,審査・決定者"
    row = f"{text},2026-04-01,{text},{text},proposal,{text},changed,{text}"
    imported = await client.post(
        f"/api/systems/{system_id}/decisions/import",
        headers=admin,
        files={"file": ("cases.csv", f"{header}\n{row}\n".encode(), "text/csv")},
    )
    assert imported.status_code == 200, imported.text


async def _energy(api: dict[str, Any], system_id: int, text: str) -> int:
    """An energy record of the system with ``text`` in every text field; its id."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    added = await client.post(
        f"/api/systems/{system_id}/energy",
        headers=admin,
        json=ENERGY | {"compute": text, "source": text, "factor": "0.5", "factor_source": text},
    )
    assert added.status_code == 201, added.text
    return int(added.json()["id"])


def _notification(api: dict[str, Any]) -> int:
    """The newest notification of acme's administrator (the inquiry just received)."""
    with api["db"].reading() as session:
        user_id = session.scalars(
            select(UserRow.id).where(UserRow.email == "admin@acme.example")
        ).one()
        found = session.scalars(
            select(NotificationRow.id)
            .where(NotificationRow.user_id == user_id)
            .order_by(NotificationRow.id.desc())
        ).first()
    assert found is not None
    return found


async def _literacy(api: dict[str, Any]) -> int:
    """A literacy module assigned to every member, one of whom passed it; the first
    assignment's id."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    made = await client.post(
        "/api/literacy/assignments", headers=admin, json={"module": "bias", "due_on": None}
    )
    assert made.status_code == 201, made.text
    return int(made.json()[0]["id"])


async def _judgement(api: dict[str, Any], system_id: int, text: str) -> int:
    """A signed DS-920 judgement of the system with ``text`` in every note; its id."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    sheet = (await client.get(f"/api/systems/{system_id}/judgements", headers=admin)).json()
    answers = {q["id"]: {"answer": "yes", "note": text} for q in sheet["questions"]}
    drafted = await client.post(
        f"/api/systems/{system_id}/judgements", headers=admin, json={"answers": answers}
    )
    assert drafted.status_code == 201, drafted.text
    signed = await client.post(
        f"/api/systems/{system_id}/judgements/{drafted.json()['id']}/sign",
        headers=admin,
        json={"version": drafted.json()["version"]},
    )
    assert signed.status_code == 200, signed.text
    return int(drafted.json()["id"])


async def _continuity(api: dict[str, Any], system_id: int, text: str) -> None:
    """A continuity plan of the system with ``text`` in every field, and a drill of it
    written the same way."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    saved = await client.put(
        f"/api/systems/{system_id}/continuity",
        headers=admin,
        json={"version": 0, "notes": text,
              "dependencies": [{"kind": "data", "name": text, "link": text}],
              "scenarios": [{"kind": "outage", "procedure": text}],
              "contacts": [{"name": text, "role": text, "reach": text}]},
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    drilled = await client.post(
        f"/api/systems/{system_id}/continuity/drills",
        headers=admin,
        json={"held_on": "2026-01-01", "scenario": "outage", "outcome": "partial",
              "findings": text, "actions": text},
    )  # fmt: skip
    assert drilled.status_code == 201, drilled.text


async def _incident(api: dict[str, Any], system_id: int, text: str) -> dict[str, Any]:
    """An incident on the system with ``text`` in every field, a timeline entry, a
    notification and a corrective action written the same way (its notice is not
    published: its public id is 404), and a failing provenance check of the system to
    draft a report from; their ids."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    reported = await client.post(
        "/api/incidents",
        headers=admin,
        json={"title": text, "description": text, "severity": "high", "systems": [system_id],
              "affected_parties": text, "harms": ["discrimination"], "containment": text,
              "root_cause": text, "people_affected": 3},
    )  # fmt: skip
    assert reported.status_code == 201, reported.text
    incident = reported.json()
    at = "2026-01-01T09:00:00+09:00"
    for path, body in (
        ("timeline", {"version": 1, "at": at, "text": text}),
        ("notifications", {"version": 2, "party": "authority", "name": text, "at": at,
                           "channel": text}),
        ("actions", {"version": 3, "text": text, "system_id": system_id,
                     "new_risk": {"title": text, "taxonomy": ["social.bias"],
                                  "likelihood": 2, "impact": 2}}),
    ):  # fmt: skip
        added = await client.post(
            f"/api/incidents/{incident['id']}/{path}", headers=admin, json=body
        )
        assert added.status_code == 200, added.text
    samples = Path(tempfile.mkdtemp()) / "samples"
    samples.mkdir()
    (samples / "sample.txt").write_text(f"{text} sample output", encoding="utf-8")
    settings = api["app"].state.settings
    with api["db"].transaction() as session:
        check = provenance_checks.check_samples(
            session, orgs.cli_principal(session, "acme"),
            master=provenance_service.master_key(settings), data_dir=settings.data_dir,
            files_dir=settings.files_dir, max_bytes=1024 * 1024, system_id=system_id,
            folder=samples,
        )  # fmt: skip
    return {
        "incident_id": incident["id"],
        "incident_public_id": incident["public_id"],
        "check_id": check.id,
    }


async def _statement(api: dict[str, Any], text: str) -> None:
    """A control of the organisation's Statement of Applicability stated with ``text``,
    and the statement approved by its executive (approval 1 on the first call)."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    current = (await client.get("/api/soa/controls/A.2.2", headers=admin)).json()
    stated = await client.patch(
        "/api/soa/controls/A.2.2",
        headers=admin,
        json={"version": current["control"]["version"], "notes": text, "justification": text},
    )
    assert stated.status_code == 200, stated.text
    approved = await client.post(
        "/api/soa/approvals",
        headers=auth(api["tokens"]["executive"]),
        json={"version": stated.json()["soa_version"], "note": text},
    )
    assert approved.status_code == 201, approved.text


async def _policy(api: dict[str, Any], text: str) -> int:
    """A policy of acme, approved by its executive and published (members only), with
    ``text`` in its title and body."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    created = await client.post("/api/policies", headers=admin, json={"kind": "acceptable_use"})
    assert created.status_code == 201, created.text
    policy = created.json()
    saved = await client.put(
        f"/api/policies/{policy['id']}",
        headers=admin,
        json={"version": 1, "ja": {"title": text, "body": text}, "items": ["2.1"],
              "audience": "internal", "effective_on": "2026-01-01"},
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    await client.post(
        f"/api/policies/{policy['id']}/approval-request", headers=admin, json={"version": 2}
    )
    approved = await client.post(
        f"/api/policies/{policy['id']}/approval",
        headers=auth(api["tokens"]["executive"]),
        json={"version": 2, "approve": True, "reason": text},
    )
    assert approved.status_code == 200, approved.text
    published = await client.post(
        f"/api/policies/{policy['id']}/publish", headers=admin, json={"number": 1}
    )
    assert published.status_code == 200, published.text
    return int(policy["id"])


def _sso(api: dict[str, Any], text: str) -> None:
    """Acme's single sign-on provider, named ``text`` (administrators only)."""
    settings = api["app"].state.settings
    with api["db"].transaction() as session:
        sso.configure_sso(
            session,
            orgs.cli_principal(session, "acme"),
            SsoSettings(
                name=text,
                issuer="https://login.acme.example",
                client_id="acme-client",
                client_secret="acme-secret",
                allowed_domains=["acme.example"],
            ),
            sso.sso_key(settings),
        )


async def _haip_report(api: dict[str, Any], text: str) -> dict[str, Any]:
    """A draft HAIP report of acme with ``text`` as a narrative (its facts draw on every
    system, so an external tester must see none of it, and drafts are not public)."""
    client, admin = api["client"], auth(api["tokens"]["admin"])
    report = await client.post(
        "/api/reports/haip",
        headers=admin,
        json={
            "title": text,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "sections": {"1": {"ja": text, "en": text}},
        },
    )
    assert report.status_code == 201, report.text
    return {"report_id": report.json()["id"], "report_public_id": report.json()["public_id"]}


async def _scim(api: dict[str, Any], org: str, text: str) -> dict[str, int]:
    """A SCIM token of ``org`` named ``text``, and a role group it provisioned."""
    client = api["client"]
    token = api["tokens"]["admin" if org == "acme" else "other"]
    issued = await client.post(
        "/api/orgs/current/scim-tokens", headers=auth(token), json={"name": text}
    )
    assert issued.status_code == 201, issued.text
    group = await client.post(
        "/scim/v2/Groups",
        headers=auth(issued.json()["token"]) | {"Content-Type": "application/scim+json"},
        json={"displayName": "tekisei-viewer", "externalId": text, "members": []},
    )
    assert group.status_code == 201, group.text
    return {"scim_token_id": issued.json()["id"], "scim_group_id": int(group.json()["id"])}


async def _other_organisations_people(api: dict[str, Any]) -> dict[str, int]:
    client, other = api["client"], auth(api["tokens"]["other"])
    invitation = await client.post(
        "/api/orgs/current/invitations",
        headers=other,
        json={"email": f"{HIDDEN.lower()}@other.example", "role": "viewer"},
    )
    assert invitation.status_code == 201, invitation.text
    members = (await client.get("/api/orgs/current/members", headers=other)).json()
    scim = await _scim(api, "other", HIDDEN)
    return {
        "invitation_id": invitation.json()["id"],
        "user_id": members[0]["user_id"],
        **_session_of(api, "admin@other.example", "other"),
    } | scim


async def test_an_external_tester_sees_nothing_of_a_system_not_assigned_to_them(
    api: dict[str, Any], demo_url: str, settings: Settings, tmp_path: Path
) -> None:
    client, admin = api["client"], auth(api["tokens"]["admin"])
    assigned, _ = await _create(api)
    token = _member(api["db"], "acme", "tester@lab.example", Role.EXTERNAL_TESTER)
    assigning = await client.post(
        f"/api/systems/{assigned}/testers", headers=admin, json={"email": "tester@lab.example"}
    )
    assert assigning.status_code < 300, assigning.text
    with api["db"].transaction() as session:
        owner = orgs.cli_principal(session, "acme")
        credentials.pki_init(
            session, owner, settings.data_dir, master=provenance_service.master_key(settings)
        )
        # the organisation already uses the text watermark: the hidden system's key adds no
        # scheme to the public list of schemes in use
        master = provenance_service.master_key(settings)
        provenance_service.create_key(session, owner, master, settings.data_dir)
    tester, anonymous = signed_in(api, "tester@lab.example", "acme"), Caller(client)
    routes = sorted(app_routes(api["app"]), key=lambda r: r.method != "GET")
    before: dict[tuple[str, str], tuple[int, str]] = {}
    for route in routes:
        call = fill(route, _AnyId(), with_optional_ids=False)
        if route.method == "GET" and not call.names_object:
            before[route.key] = _same_page(await tester.call(route, call))
    ids = await _hidden_system(api, demo_url, settings, tmp_path)
    checked, problems = 0, []
    for route in routes:
        for call in _calls(route, ids):
            response = await tester.call(route, call)
            checked += 1
            where = f"{route.method} {call.url} {call.params}: {response.status_code}"
            if route.public:  # what anyone gets, signed in or not
                if _same_page(response) != _same_page(await anonymous.call(route, call)):
                    problems.append(f"{where} differs from the public answer")
                continue
            if call.names_object and response.status_code != 404:
                problems.append(f"{where}, not 404 ({_gist(response)})")
            elif route.key in before and not call.names_object:
                if _same_page(response) != before[route.key]:
                    problems.append(f"{where} changed when the unassigned system got objects")
            elif response.status_code >= 500:
                problems.append(f"{where} ({_gist(response)})")
            if HIDDEN in response.text:
                problems.append(f"{where} shows the unassigned system's data")
    assert not problems, "\n".join(problems)
    assert checked > len(routes)
    seen = (await client.get("/api/systems", headers=auth(token))).json()
    assert [s["id"] for s in seen["items"]] == [assigned]


async def test_members_emails_are_shown_only_to_roles_that_manage_people(
    api: dict[str, Any], demo_url: str, settings: Settings, tmp_path: Path
) -> None:
    client, admin = api["client"], auth(api["tokens"]["admin"])
    with api["db"].transaction() as session:
        credentials.pki_init(
            session,
            orgs.cli_principal(session, "acme"),
            settings.data_dir,
            master=provenance_service.master_key(settings),
        )
    ids = await _hidden_system(api, demo_url, settings, tmp_path)  # every kind, by the admin
    readers = {
        "tester@lab.example": Role.EXTERNAL_TESTER,
        "viewer@acme.example": Role.VIEWER,
        "assessor@acme.example": Role.ASSESSOR,
    }
    tokens = {email: _member(api["db"], "acme", email, role) for email, role in readers.items()}
    assigning = await client.post(
        f"/api/systems/{ids['system_id']}/testers",
        headers=admin,
        json={"email": "tester@lab.example"},
    )
    assert assigning.status_code < 300, assigning.text
    emails = ["admin@acme.example", "ceo@acme.example", "audit@acme.example", *readers]
    routes = [r for r in app_routes(api["app"]) if r.method == "GET"]
    problems, shown = [], 0
    for email in readers:
        reader = signed_in(api, email, "acme")
        for route in routes:
            for call in _calls(route, ids):
                response = await reader.call(route, call)
                shown += response.status_code == 200
                seen = [e for e in emails if e != email and e in response.text]
                if seen:
                    problems.append(f"{email}: GET {call.url} {call.params} shows {seen}")
    assert not problems, "\n".join(problems)
    assert shown > 3 * 40  # the readers saw the objects, not only refusals
    run = f"/api/evals/runs/{ids['run']}"
    for email in readers:  # the name instead of the address
        shown_to = (await client.get(run, headers=auth(tokens[email]))).json()
        assert re.fullmatch(r"user-\d+", shown_to["started_by"]), (email, shown_to)
    assert (await client.get(run, headers=admin)).json()["started_by"] == "admin@acme.example"


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
    echoed = long_title.json()["detail"][0]["input"]
    assert echoed == "a" * 200 + "…" and len(long_title.content) < 1000  # not sent back whole
    huge = await client.post("/api/systems", headers=admin, json=[{"name": "x" * 500}] * 100)
    assert huge.status_code == 422 and len(huge.content) < 1000
    long_url = await client.post(
        "/api/evidence/links", headers=admin, json={"url": "https://x.example/" + "a" * 4000}
    )
    assert long_url.status_code == 422
    long_note = await client.post(
        f"/api/risks/{risk_id}/accept", headers=admin, json={"version": 1, "note": "n" * 4001}
    )
    assert long_note.status_code == 422
    empty = await client.post(
        "/api/orgs/current/invitations", headers=admin, json={"email": "", "role": "viewer"}
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
