"""Decision records (guideline 3(4)): AI-assisted administrative decisions per system,
and each organisation's retention and published statistics.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sa.String(length=100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("contribution", sa.String(length=20), nullable=False),
        sa.Column("ai_suggestion", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_name", sa.String(length=200), nullable=False),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("decisions", "org_id", "orgs"),
        _fk("decisions", "system_id", "systems"),
        _fk("decisions", "reviewer_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("system_id", "case_ref", name=op.f("uq_decisions_system_id")),
    )
    op.create_index(op.f("ix_decisions_org_id"), "decisions", ["org_id"])
    op.create_index("ix_decisions_system_id_decided_on", "decisions", ["system_id", "decided_on"])
    op.create_table(
        "decision_settings",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("published", sa.JSON(), nullable=False),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("decision_settings", "org_id", "orgs"),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_decision_settings")),
    )


def downgrade() -> None:
    op.drop_table("decision_settings")
    op.drop_index("ix_decisions_system_id_decided_on", table_name="decisions")
    op.drop_index(op.f("ix_decisions_org_id"), table_name="decisions")
    op.drop_table("decisions")
