"""The public register of AI use (guideline 3(1), 3(4)): whether an organisation
publishes it, and the systems it lists.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "registers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        _when("published_at", nullable=True),
        sa.Column("published_by", sa.String(length=320), nullable=True),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        _fk("registers", "org_id", "orgs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registers")),
        sa.UniqueConstraint("org_id", name=op.f("uq_registers_org_id")),
    )
    op.create_table(
        "register_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("division", sa.String(length=200), nullable=False),
        sa.Column("contribution", sa.String(length=30), nullable=False),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        _fk("register_entries", "org_id", "orgs"),
        _fk("register_entries", "system_id", "systems"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_entries")),
        sa.UniqueConstraint("system_id", name=op.f("uq_register_entries_system_id")),
    )
    op.create_index(op.f("ix_register_entries_org_id"), "register_entries", ["org_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_register_entries_org_id"), table_name="register_entries")
    op.drop_table("register_entries")
    op.drop_table("registers")
