"""Oversight across organisations (guideline 3(2)): grants to a supervising organisation
and the monthly snapshots of the granting organisation's aggregates.

Revision ID: 0034
Revises: 0038
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0038"
branch_labels = None
depends_on = None


def _fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["orgs.id"], name=op.f(f"fk_{table}_{column}_orgs"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "oversight_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("systems", sa.JSON(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=320), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=320), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("oversight_grants", "org_id"),
        _fk("oversight_grants", "supervisor_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_grants")),
        sa.UniqueConstraint("org_id", "supervisor_id", name=op.f("uq_oversight_grants_org_id")),
    )
    op.create_index(op.f("ix_oversight_grants_org_id"), "oversight_grants", ["org_id"])
    op.create_index(
        op.f("ix_oversight_grants_supervisor_id"), "oversight_grants", ["supervisor_id"]
    )
    op.create_table(
        "oversight_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        _fk("oversight_snapshots", "org_id"),
        _fk("oversight_snapshots", "supervisor_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_snapshots")),
        sa.UniqueConstraint(
            "org_id", "supervisor_id", "month", name=op.f("uq_oversight_snapshots_org_id")
        ),
    )
    op.create_index(op.f("ix_oversight_snapshots_org_id"), "oversight_snapshots", ["org_id"])
    op.create_index(
        op.f("ix_oversight_snapshots_supervisor_id"), "oversight_snapshots", ["supervisor_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_oversight_snapshots_supervisor_id"), table_name="oversight_snapshots")
    op.drop_index(op.f("ix_oversight_snapshots_org_id"), table_name="oversight_snapshots")
    op.drop_table("oversight_snapshots")
    op.drop_index(op.f("ix_oversight_grants_supervisor_id"), table_name="oversight_grants")
    op.drop_index(op.f("ix_oversight_grants_org_id"), table_name="oversight_grants")
    op.drop_table("oversight_grants")
