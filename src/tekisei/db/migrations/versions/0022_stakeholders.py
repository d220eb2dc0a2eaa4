"""The stakeholder register, the systems each stakeholder is concerned with, and the
engagement log (guideline 1(3)②).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _owned(table: str) -> list[SchemaItem]:
    """The columns and keys every table here has: id and organisation."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f(f"fk_{table}_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _evidence(table: str) -> list[SchemaItem]:
    return [
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f(f"fk_{table}_evidence_id_evidence"),
            ondelete="SET NULL",
        ),
    ]


def _stakeholder(table: str) -> list[SchemaItem]:
    return [
        sa.Column("stakeholder_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholders.id"],
            name=op.f(f"fk_{table}_stakeholder_id_stakeholders"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "stakeholders",
        *_owned("stakeholders"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("relation", sa.String(length=10), nullable=False),
        sa.Column("interests", sa.Text(), nullable=False),
        sa.Column("engagement", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=500), nullable=False),
        _when("archived_at", nullable=True),
        *_evidence("stakeholders"),
        _when("created_at"),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index(op.f("ix_stakeholders_org_id"), "stakeholders", ["org_id"], unique=False)
    op.create_table(
        "stakeholder_systems",
        *_owned("stakeholder_systems"),
        *_stakeholder("stakeholder_systems"),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_stakeholder_systems_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "stakeholder_id", "system_id", name=op.f("uq_stakeholder_systems_stakeholder_id")
        ),
    )
    for column in ("org_id", "stakeholder_id", "system_id"):
        op.create_index(op.f(f"ix_stakeholder_systems_{column}"), "stakeholder_systems", [column])
    op.create_table(
        "stakeholder_engagements",
        *_owned("stakeholder_engagements"),
        *_stakeholder("stakeholder_engagements"),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("systems", sa.JSON(), nullable=False),
        *_evidence("stakeholder_engagements"),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=320), nullable=False),
    )
    for column in ("org_id", "stakeholder_id"):
        op.create_index(
            op.f(f"ix_stakeholder_engagements_{column}"), "stakeholder_engagements", [column]
        )


def downgrade() -> None:
    for column in ("org_id", "stakeholder_id"):
        op.drop_index(
            op.f(f"ix_stakeholder_engagements_{column}"), table_name="stakeholder_engagements"
        )
    op.drop_table("stakeholder_engagements")
    for column in ("org_id", "stakeholder_id", "system_id"):
        op.drop_index(op.f(f"ix_stakeholder_systems_{column}"), table_name="stakeholder_systems")
    op.drop_table("stakeholder_systems")
    op.drop_index(op.f("ix_stakeholders_org_id"), table_name="stakeholders")
    op.drop_table("stakeholders")
