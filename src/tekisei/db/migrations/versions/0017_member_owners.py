"""Owners of risks and answers are members: ``owner_id`` (a user), and the owner written
as text before, kept as ``owner_text``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 14:00:00

No text is lost or guessed at: every ``owner`` written so far is kept, renamed
``owner_text``, and shown as it was until someone chooses a member in its place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TABLES = ("risks", "answers")


def upgrade() -> None:
    # Batch mode copies each table on SQLite (foreign keys are off meanwhile: env.py), and
    # is plain ALTER TABLE on PostgreSQL.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "owner",
                new_column_name="owner_text",
                existing_type=sa.String(length=200),
                existing_nullable=False,
            )
            batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_owner_id_users"),
                "users",
                ["owner_id"],
                ["id"],
                ondelete="SET NULL",
            )


def downgrade() -> None:
    for table in TABLES:
        # Owners chosen from members go back to being text: their email.
        op.execute(
            f"UPDATE {table} SET owner_text = (SELECT email FROM users WHERE users.id = "
            f"{table}.owner_id) WHERE owner_id IS NOT NULL"
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_owner_id_users"), type_="foreignkey")
            batch_op.drop_column("owner_id")
            batch_op.alter_column(
                "owner_text",
                new_column_name="owner",
                existing_type=sa.String(length=200),
                existing_nullable=False,
            )
