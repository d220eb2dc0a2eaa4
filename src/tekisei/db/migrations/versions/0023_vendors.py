"""The vendor register, the systems that depend on each vendor, and each vendor's history
(guideline 2(4); APPI art. 28).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _owned(table: str) -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f(f"fk_{table}_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _vendor(table: str) -> list[SchemaItem]:
    return [
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vendors.id"],
            name=op.f(f"fk_{table}_vendor_id_vendors"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "vendors",
        *_owned("vendors"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.Column("abroad", sa.Boolean(), nullable=False),
        sa.Column("abroad_basis", sa.Text(), nullable=False),
        sa.Column("contract_ref", sa.String(length=200), nullable=False),
        sa.Column("contract_start", sa.Date(), nullable=True),
        sa.Column("contract_end", sa.Date(), nullable=True),
        sa.Column("covers_ai_use", sa.Boolean(), nullable=False),
        sa.Column("covers_data_use", sa.Boolean(), nullable=False),
        sa.Column("covers_incidents", sa.Boolean(), nullable=False),
        sa.Column("covers_exit", sa.Boolean(), nullable=False),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("last_review", sa.Date(), nullable=True),
        sa.Column("review_result", sa.Text(), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("contact", sa.String(length=500), nullable=False),
        _when("archived_at", nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_vendors_evidence_id_evidence"),
            ondelete="SET NULL",
        ),
        _when("created_at"),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index(op.f("ix_vendors_org_id"), "vendors", ["org_id"], unique=False)
    op.create_table(
        "vendor_systems",
        *_owned("vendor_systems"),
        *_vendor("vendor_systems"),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_vendor_systems_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("vendor_id", "system_id", name=op.f("uq_vendor_systems_vendor_id")),
    )
    for column in ("org_id", "vendor_id", "system_id"):
        op.create_index(op.f(f"ix_vendor_systems_{column}"), "vendor_systems", [column])
    op.create_table(
        "vendor_events",
        *_owned("vendor_events"),
        *_vendor("vendor_events"),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("reviews", sa.JSON(), nullable=False),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=320), nullable=False),
    )
    for column in ("org_id", "vendor_id"):
        op.create_index(op.f(f"ix_vendor_events_{column}"), "vendor_events", [column])


def downgrade() -> None:
    for column in ("org_id", "vendor_id"):
        op.drop_index(op.f(f"ix_vendor_events_{column}"), table_name="vendor_events")
    op.drop_table("vendor_events")
    for column in ("org_id", "vendor_id", "system_id"):
        op.drop_index(op.f(f"ix_vendor_systems_{column}"), table_name="vendor_systems")
    op.drop_table("vendor_systems")
    op.drop_index(op.f("ix_vendors_org_id"), table_name="vendors")
    op.drop_table("vendors")
