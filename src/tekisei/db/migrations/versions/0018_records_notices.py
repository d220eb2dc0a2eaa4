"""Training-data and model records with their versions (2(2), fn 17, 2(5)), and disclosure
notices with their published versions (2(2), fn 18).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _owned(table: str) -> list[SchemaItem]:
    """The columns and keys every per-system table has: id, organisation and system."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f(f"fk_{table}_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f(f"fk_{table}_system_id_systems"),
            ondelete="CASCADE",
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


def _changes() -> list[SchemaItem]:
    return [
        _when("created_at"),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "model_records",
        *_owned("model_records"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("model_version", sa.String(length=200), nullable=False),
        sa.Column("licence", sa.String(length=200), nullable=False),
        sa.Column("model_card_url", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("disclosed", sa.JSON(), nullable=False),
        *_evidence("model_records"),
        *_changes(),
    )
    _indexes("model_records", "org_id", "system_id")
    op.create_table(
        "dataset_records",
        *_owned("dataset_records"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("collection_method", sa.Text(), nullable=False),
        sa.Column("licence", sa.String(length=200), nullable=False),
        sa.Column("personal_data", sa.JSON(), nullable=False),
        sa.Column("personal_data_basis", sa.Text(), nullable=False),
        sa.Column("copyrighted", sa.String(length=20), nullable=False),
        sa.Column("article_30_4", sa.Text(), nullable=False),
        sa.Column("opt_out", sa.String(length=20), nullable=False),
        sa.Column("opt_out_details", sa.Text(), nullable=False),
        sa.Column("retention", sa.Text(), nullable=False),
        sa.Column("data_holders", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("disclosed", sa.JSON(), nullable=False),
        *_evidence("dataset_records"),
        *_changes(),
    )
    _indexes("dataset_records", "org_id", "system_id")
    op.create_table(
        "record_versions",
        *_owned("record_versions"),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=320), nullable=False),
        _when("changed_at"),
        sa.UniqueConstraint("kind", "record_id", "version", name=op.f("uq_record_versions_kind")),
    )
    _indexes("record_versions", "org_id", "system_id")
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        _when("withdrawn_at", nullable=True),
        sa.Column("withdrawn_by", sa.String(length=320), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("approval_status", sa.String(length=20), nullable=False),
        sa.Column("approval_version", sa.Integer(), nullable=True),
        sa.Column("approval_requested_by", sa.String(length=320), nullable=True),
        _when("approval_requested_at", nullable=True),
        sa.Column("approval_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        _when("decided_at", nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decider_added_by", sa.String(length=320), nullable=True),
        *_changes(),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_notices_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_notices_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("public_id", name=op.f("uq_notices_public_id")),
        sa.UniqueConstraint("system_id", name=op.f("uq_notices_system_id")),
    )
    _indexes("notices", "org_id")
    op.create_table(
        "notice_versions",
        *_owned("notice_versions"),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        _when("published_at"),
        sa.Column("published_by", sa.String(length=320), nullable=False),
        sa.Column("approved_by", sa.String(length=320), nullable=True),
        _when("approved_at", nullable=True),
        *_evidence("notice_versions"),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_notice_versions_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("notice_id", "number", name=op.f("uq_notice_versions_notice_id")),
    )
    _indexes("notice_versions", "notice_id", "org_id", "system_id")


def downgrade() -> None:
    for table, columns in (
        ("notice_versions", ("system_id", "org_id", "notice_id")),
        ("notices", ("org_id",)),
        ("record_versions", ("system_id", "org_id")),
        ("dataset_records", ("system_id", "org_id")),
        ("model_records", ("system_id", "org_id")),
    ):
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
