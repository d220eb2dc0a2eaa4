"""Ids the audit log keeps are never handed out twice: on SQLite the tables whose rows
can be deleted carry AUTOINCREMENT (PostgreSQL's sequences never go back)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select, text

from tekisei.db.orgs import UserRow
from tekisei.db.passkeys import PasskeyRow
from tekisei.services.database import Database

AUDITED_AND_DELETABLE = (
    "web_sessions",
    "energy_records",
    "literacy_assignments",
    "oidc_providers",
    "scim_groups",
    "webauthn_credentials",
)


def test_the_tables_whose_ids_the_audit_log_keeps_never_reuse_an_id(empty_db: Database) -> None:
    with empty_db.reading() as session:
        if session.get_bind().dialect.name != "sqlite":
            return  # sequences: nothing to declare
        rows = session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        tables = {str(name): str(sql) for name, sql in rows.all()}
    assert {t for t in AUDITED_AND_DELETABLE if "AUTOINCREMENT" in tables[t]} == set(
        AUDITED_AND_DELETABLE
    )


def test_a_passkey_added_after_the_newest_was_removed_gets_a_new_id(empty_db: Database) -> None:
    now = datetime.now(UTC)

    def passkey(user_id: int, n: int) -> PasskeyRow:
        return PasskeyRow(
            user_id=user_id,
            credential_id=bytes([n]) * 16,
            public_key=b"\xa5",
            sign_count=0,
            transports=[],
            name=f"key {n}",
            created_at=now,
        )

    with empty_db.transaction() as session:
        user = UserRow(email="a@acme.example", name="A", password_hash="h", created_at=now)
        session.add(user)
        session.flush()
        session.add_all([passkey(user.id, 1), passkey(user.id, 2)])
        session.flush()
        newest = session.scalars(select(func.max(PasskeyRow.id))).one()
        session.execute(delete(PasskeyRow).where(PasskeyRow.id == newest))
    with empty_db.transaction() as session:
        added = passkey(user.id, 3)
        session.add(added)
        session.flush()
        assert added.id > newest
