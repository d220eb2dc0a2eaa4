"""Compute and energy records of AI systems (guideline 1(2)), and whether each system's
figures are shown publicly.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "energy_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("compute", sa.Text(), nullable=False),
        sa.Column("energy_wh", sa.BigInteger(), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("factor_mg", sa.Integer(), nullable=True),
        sa.Column("factor_source", sa.String(length=500), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        _when("recorded_at"),
        sa.Column("recorded_by", sa.String(length=320), nullable=False),
        _fk("energy_records", "org_id", "orgs"),
        _fk("energy_records", "system_id", "systems"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_energy_records")),
    )
    op.create_index(op.f("ix_energy_records_org_id"), "energy_records", ["org_id"])
    op.create_index(op.f("ix_energy_records_system_id"), "energy_records", ["system_id"])
    op.create_table(
        "energy_publications",
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("energy_publications", "system_id", "systems"),
        _fk("energy_publications", "org_id", "orgs"),
        sa.PrimaryKeyConstraint("system_id", name=op.f("pk_energy_publications")),
    )
    op.create_index(op.f("ix_energy_publications_org_id"), "energy_publications", ["org_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_energy_publications_org_id"), table_name="energy_publications")
    op.drop_table("energy_publications")
    op.drop_index(op.f("ix_energy_records_system_id"), table_name="energy_records")
    op.drop_index(op.f("ix_energy_records_org_id"), table_name="energy_records")
    op.drop_table("energy_records")
