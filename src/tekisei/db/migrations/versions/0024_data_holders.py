"""The data-holder register, its links to dataset records, the communication log and the
benefit-return arrangements (guideline 2(5)).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0024"
down_revision = "0023"
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


def _holder(table: str) -> list[SchemaItem]:
    return [
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["data_holders.id"],
            name=op.f(f"fk_{table}_holder_id_data_holders"),
            ondelete="CASCADE",
        ),
    ]


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "data_holders",
        *_owned("data_holders"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("rights", sa.JSON(), nullable=False),
        sa.Column("interests", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=500), nullable=False),
        _when("archived_at", nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_data_holders_evidence_id_evidence"),
            ondelete="SET NULL",
        ),
        _when("created_at"),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    _indexes("data_holders", "org_id")
    op.create_table(
        "data_holder_datasets",
        *_owned("data_holder_datasets"),
        *_holder("data_holder_datasets"),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset_records.id"],
            name=op.f("fk_data_holder_datasets_dataset_id_dataset_records"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "holder_id", "dataset_id", name=op.f("uq_data_holder_datasets_holder_id")
        ),
    )
    _indexes("data_holder_datasets", "org_id", "holder_id", "dataset_id")
    op.create_table(
        "data_holder_communications",
        *_owned("data_holder_communications"),
        *_holder("data_holder_communications"),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=320), nullable=False),
    )
    _indexes("data_holder_communications", "org_id", "holder_id")
    op.create_table(
        "data_holder_benefits",
        *_owned("data_holder_benefits"),
        *_holder("data_holder_benefits"),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    _indexes("data_holder_benefits", "org_id", "holder_id")


_TABLES = {
    "data_holder_benefits": ("org_id", "holder_id"),
    "data_holder_communications": ("org_id", "holder_id"),
    "data_holder_datasets": ("org_id", "holder_id", "dataset_id"),
    "data_holders": ("org_id",),
}


def downgrade() -> None:
    for table, columns in _TABLES.items():
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
