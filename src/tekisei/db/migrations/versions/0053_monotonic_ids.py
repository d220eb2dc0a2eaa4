"""Ids never reused on SQLite: the tables whose rows can be deleted and whose ids the
audit log keeps (web sessions, energy records, literacy assignments, OpenID providers,
SCIM groups) are rebuilt with AUTOINCREMENT, so a new row never takes the id of one
deleted before it. PostgreSQL sequences never go back: nothing to do there.

Rows, indexes and constraints are copied as they are (batch mode rebuilds the table
from its reflection); foreign keys are off while migrations run (see ``env.py``), so
the rows that refer to these tables (``oidc_sessions``, ``oidc_logins``,
``scim_group_members``) stay.

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-04 21:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0053"
down_revision = "0052"
branch_labels = None
depends_on = None

TABLES = ("web_sessions", "energy_records", "literacy_assignments", "oidc_providers", "scim_groups")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
