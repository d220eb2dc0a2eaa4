"""The ISO/IEC 42001 Statement of Applicability: each organisation's statement, what it
states per control, every change and every approved version (guideline 2(1), fn 16).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _owned(table: str) -> list[SchemaItem]:
    """The columns and keys every table of the statement has: id and organisation."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f(f"fk_{table}_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "soa",
        *_owned("soa"),
        sa.Column("version", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.UniqueConstraint("org_id", name=op.f("uq_soa_org_id")),
    )
    op.create_table(
        "soa_controls",
        *_owned("soa_controls"),
        sa.Column("control_urn", sa.String(length=200), nullable=False),
        sa.Column("applicable", sa.Boolean(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_soa_controls_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("org_id", "control_urn", name=op.f("uq_soa_controls_org_id")),
    )
    op.create_index(op.f("ix_soa_controls_org_id"), "soa_controls", ["org_id"], unique=False)
    op.create_table(
        "soa_changes",
        *_owned("soa_changes"),
        sa.Column("soa_version", sa.Integer(), nullable=False),
        sa.Column("control_urn", sa.String(length=200), nullable=False),
        sa.Column("control_version", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=320), nullable=False),
        _when("changed_at"),
        sa.UniqueConstraint("org_id", "soa_version", name=op.f("uq_soa_changes_org_id")),
    )
    op.create_index(op.f("ix_soa_changes_org_id"), "soa_changes", ["org_id"], unique=False)
    op.create_index(
        op.f("ix_soa_changes_control_urn"), "soa_changes", ["control_urn"], unique=False
    )
    op.create_table(
        "soa_approvals",
        *_owned("soa_approvals"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("soa_version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("approved_by", sa.String(length=320), nullable=False),
        _when("approved_at"),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("approver_added_by", sa.String(length=320), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_soa_approvals_evidence_id_evidence"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("org_id", "number", name=op.f("uq_soa_approvals_org_id")),
    )
    op.create_index(op.f("ix_soa_approvals_org_id"), "soa_approvals", ["org_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_soa_approvals_org_id"), table_name="soa_approvals")
    op.drop_table("soa_approvals")
    op.drop_index(op.f("ix_soa_changes_control_urn"), table_name="soa_changes")
    op.drop_index(op.f("ix_soa_changes_org_id"), table_name="soa_changes")
    op.drop_table("soa_changes")
    op.drop_index(op.f("ix_soa_controls_org_id"), table_name="soa_controls")
    op.drop_table("soa_controls")
    op.drop_table("soa")
