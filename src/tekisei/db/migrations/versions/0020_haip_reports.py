"""HAIP reports (guideline fn 16) and their published versions.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _who(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(length=320), nullable=nullable)


def _org(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id"], ["orgs.id"], name=op.f(f"fk_{table}_org_id_orgs"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "haip_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("details_public", sa.Boolean(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("approval_status", sa.String(length=20), nullable=False),
        sa.Column("approval_version", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        _who("approval_requested_by", nullable=True),
        _when("approval_requested_at", nullable=True),
        sa.Column("approval_note", sa.Text(), nullable=True),
        _who("decided_by", nullable=True),
        _when("decided_at", nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        _who("decider_added_by", nullable=True),
        sa.Column("published_version", sa.Integer(), nullable=True),
        _when("withdrawn_at", nullable=True),
        _who("withdrawn_by", nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        _who("created_by"),
        _when("created_at"),
        _when("updated_at"),
        _who("updated_by"),
        sa.Column("version", sa.Integer(), nullable=False),
        _org("haip_reports"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_haip_reports")),
        sa.UniqueConstraint("public_id", name=op.f("uq_haip_reports_public_id")),
    )
    op.create_index(op.f("ix_haip_reports_org_id"), "haip_reports", ["org_id"], unique=False)
    op.create_table(
        "haip_report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("details_public", sa.Boolean(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        _when("published_at"),
        _who("published_by"),
        _who("approved_by"),
        _when("approved_at"),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        _org("haip_report_versions"),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["haip_reports.id"],
            name=op.f("fk_haip_report_versions_report_id_haip_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_haip_report_versions_evidence_id_evidence"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_haip_report_versions")),
        sa.UniqueConstraint("report_id", "number", name=op.f("uq_haip_report_versions_report_id")),
    )
    for column in ("report_id", "org_id"):
        op.create_index(
            op.f(f"ix_haip_report_versions_{column}"),
            "haip_report_versions",
            [column],
            unique=False,
        )


def downgrade() -> None:
    for column in ("org_id", "report_id"):
        op.drop_index(op.f(f"ix_haip_report_versions_{column}"), table_name="haip_report_versions")
    op.drop_table("haip_report_versions")
    op.drop_index(op.f("ix_haip_reports_org_id"), table_name="haip_reports")
    op.drop_table("haip_reports")
