"""API validation errors keep FastAPI's list and say the same in Japanese."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio


async def test_a_too_long_text_gets_a_japanese_detail_too(
    settings: Settings, loaded_db: Database
) -> None:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme 株式会社", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="admin@acme.example", password="correct horse battery 9"),
            "acme",
            Role.ADMIN,
            "cli",
            must_change_password=False,
        )
    with loaded_db.transaction() as session:
        token = users.create_token(session, "admin@acme.example", "acme")[0]
    app = create_app(settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            headers = {"Authorization": f"Bearer {token}"}
            body: dict[str, Any] = {"name": "x" * 100_000, "org_role": "provider"}
            refused = await client.post("/api/systems", json=body, headers=headers)
            assert refused.status_code == 422
            document = refused.json()
            assert document["detail"][0]["type"] == "string_too_long"  # FastAPI's list stays
            assert "文字以内にしてください" in document["detail_ja"]
            assert "name" in document["detail_ja"] and "件" not in document["detail_ja"]
    finally:
        app.state.database.close()
