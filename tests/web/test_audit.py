"""The audit page and API: the checkpoint rule, the latest anchor, refused exports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import delete, select, update

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db.audit import AuditEventRow
from tekisei.db.orgs import OrgRow
from tekisei.services import audit_anchors, orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


async def _client(settings: Settings, database: Database) -> AsyncIterator[dict[str, Any]]:
    with database.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="audit@acme.example", password=PASSWORD),
            "acme",
            Role.AUDITOR,
            "cli",
        )
        token, _ = users.create_token(session, "audit@acme.example", "acme")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield {"client": client, "db": database, "settings": settings}
    app.state.database.close()


@pytest.fixture
async def plain(settings: Settings, empty_db: Database) -> AsyncIterator[dict[str, Any]]:
    async for value in _client(settings, empty_db):
        yield value


@pytest.fixture
async def anchored(
    settings: Settings, empty_db: Database, tmp_path: Path
) -> AsyncIterator[dict[str, Any]]:
    path = tmp_path / "witness.jsonl"
    with_anchors = settings.model_copy(update={"audit_anchor_file": path})
    async for value in _client(with_anchors, empty_db):
        yield value | {"anchors": path}


def _truncate_last(database: Database) -> None:
    with database.transaction() as session:
        last = session.scalars(select(AuditEventRow).order_by(AuditEventRow.seq.desc())).first()
        assert last is not None and last.seq >= 3
        session.execute(delete(AuditEventRow).where(AuditEventRow.seq == last.seq))
        previous = session.scalars(
            select(AuditEventRow).where(AuditEventRow.seq == last.seq - 1).order_by(AuditEventRow.id)
        ).one()
        session.execute(update(OrgRow).values(audit_seq=previous.seq, audit_head=previous.hash))


def _soup(response: httpx.Response) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


async def test_without_an_anchor_file_the_verification_has_no_anchor(
    plain: dict[str, Any],
) -> None:
    verified = (await plain["client"].get("/api/audit/verify")).json()
    assert verified["ok"] is True
    assert (verified["anchor"], verified["signed_through"], verified["warnings"]) == (None, 0, [])
    page = _soup(await plain["client"].get("/audit?lang=en"))
    assert page.select_one("#latest-anchor") is None
    shown = page.select_one("#signed-through").get_text()  # type: ignore[union-attr]
    assert shown == "none yet (the first is made at event 100)"


async def test_the_latest_anchor_is_checked_on_the_page_and_in_the_api(
    anchored: dict[str, Any],
) -> None:
    client, database = anchored["client"], anchored["db"]
    before = (await client.get("/api/audit/verify")).json()
    assert before["ok"] is True and before["anchor"]["found"] is False
    assert before["warnings"][0].startswith("the anchor file (TEKISEI_AUDIT_ANCHOR_FILE)")
    assert before["warnings_ja"][0].startswith("アンカーファイル")
    with database.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="second@acme.example", password=PASSWORD),
            "acme",
            Role.VIEWER,
            "cli",
        )
    with database.reading() as session:
        assert database.signer is not None
        audit_anchors.anchor_heads(session, database.signer, anchored["anchors"])
    after = (await client.get("/api/audit/verify")).json()
    assert after["ok"] is True and after["warnings"] == []
    assert (after["anchor"]["latest_seq"], after["anchor"]["ok"]) == (after["events"], True)
    page = _soup(await client.get("/audit?lang=en"))
    assert "the chain still extends it" in page.select_one("#latest-anchor").get_text()  # type: ignore[union-attr]

    _truncate_last(database)
    broken = (await client.get("/api/audit/verify")).json()
    assert broken["ok"] is False and broken["anchor"]["ok"] is False
    assert broken["problems"][0].startswith(f"anchor line 1 (acme, event {after['events']},")
    assert "アンカー 1 行目" in broken["problems_ja"][0]
    page = _soup(await client.get("/audit?lang=ja"))
    alert = page.select_one('[role="alert"]')
    assert alert is not None and "アンカー 1 行目" in alert.get_text()
    latest = page.select_one("#latest-anchor")
    assert latest is not None and "チェーンはこのアンカーから続いていません" in latest.get_text()


async def test_an_export_of_a_tampered_chain_answers_409_in_both_languages(
    plain: dict[str, Any],
) -> None:
    with plain["db"].transaction() as session:
        session.execute(update(AuditEventRow).where(AuditEventRow.seq == 1).values(actor="x"))
    response = await plain["client"].get("/api/audit/export")
    assert response.status_code == 409
    body = response.json()
    assert "refuses to sign a new checkpoint" in body["detail"]
    assert "署名しません" in body["detail_ja"]
