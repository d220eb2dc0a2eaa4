"""Procurements (guideline 3(1)): a system's procurements from vendors, each with its
filled procurement checklist.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

INDEXED = ("org_id", "system_id", "vendor_id")


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _fk(column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_procurements_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "procurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("tender_on", sa.Date(), nullable=True),
        sa.Column("contract_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("org_id", "orgs"),
        _fk("system_id", "systems"),
        _fk("vendor_id", "vendors", "SET NULL"),
        _fk("evidence_id", "evidence", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procurements")),
    )
    for column in INDEXED:
        op.create_index(op.f(f"ix_procurements_{column}"), "procurements", [column])


def downgrade() -> None:
    for column in INDEXED:
        op.drop_index(op.f(f"ix_procurements_{column}"), table_name="procurements")
    op.drop_table("procurements")
