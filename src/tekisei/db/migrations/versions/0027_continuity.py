"""Business continuity (guideline 2(4)): a plan per system and its drills.

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-02 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0027"
down_revision = "0025"
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
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f(f"fk_{table}_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "continuity_plans",
        *_owned("continuity_plans"),
        sa.Column("dependencies", sa.JSON(), nullable=False),
        sa.Column("scenarios", sa.JSON(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=320), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_continuity_plans_evidence_id_evidence"),
            ondelete="SET NULL",
        ),
        _when("created_at"),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("system_id", name=op.f("uq_continuity_plans_system_id")),
    )
    op.create_index(op.f("ix_continuity_plans_org_id"), "continuity_plans", ["org_id"])
    op.create_table(
        "continuity_drills",
        *_owned("continuity_drills"),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("scenario", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=320), nullable=False),
    )
    for column in ("org_id", "system_id"):
        op.create_index(op.f(f"ix_continuity_drills_{column}"), "continuity_drills", [column])


def downgrade() -> None:
    for column in ("org_id", "system_id"):
        op.drop_index(op.f(f"ix_continuity_drills_{column}"), table_name="continuity_drills")
    op.drop_table("continuity_drills")
    op.drop_index(op.f("ix_continuity_plans_org_id"), table_name="continuity_plans")
    op.drop_table("continuity_plans")
