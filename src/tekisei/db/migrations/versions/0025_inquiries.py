"""Inquiries and requests from the public, their history, and each organisation's days
to answer and retention of personal data (guideline fn 17, fn 18, 2(5)).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _refers(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "inquiries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("tracking", sa.String(length=20), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("form_nonce", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=True),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        _when("received_at"),
        _when("due_at"),
        _when("first_reply_at", nullable=True),
        _when("ended_at", nullable=True),
        _when("erased_at", nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _refers("inquiries", "org_id", "orgs", "CASCADE"),
        _refers("inquiries", "system_id", "systems", "SET NULL"),
        _refers("inquiries", "dataset_id", "dataset_records", "SET NULL"),
        _refers("inquiries", "holder_id", "data_holders", "SET NULL"),
        _refers("inquiries", "assignee_id", "users", "SET NULL"),
        _refers("inquiries", "evidence_id", "evidence", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiries")),
        sa.UniqueConstraint("tracking", name=op.f("uq_inquiries_tracking")),
        sa.UniqueConstraint("form_nonce", name=op.f("uq_inquiries_form_nonce")),
    )
    for column in ("org_id", "state", "system_id"):
        op.create_index(op.f(f"ix_inquiries_{column}"), "inquiries", [column])
    op.create_table(
        "inquiry_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        _refers("inquiry_entries", "org_id", "orgs", "CASCADE"),
        _refers("inquiry_entries", "inquiry_id", "inquiries", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_entries")),
    )
    for column in ("org_id", "inquiry_id"):
        op.create_index(op.f(f"ix_inquiry_entries_{column}"), "inquiry_entries", [column])
    op.create_table(
        "inquiry_settings",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("due_days", sa.JSON(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _refers("inquiry_settings", "org_id", "orgs", "CASCADE"),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_inquiry_settings")),
    )


def downgrade() -> None:
    op.drop_table("inquiry_settings")
    for column in ("org_id", "inquiry_id"):
        op.drop_index(op.f(f"ix_inquiry_entries_{column}"), table_name="inquiry_entries")
    op.drop_table("inquiry_entries")
    for column in ("org_id", "state", "system_id"):
        op.drop_index(op.f(f"ix_inquiries_{column}"), table_name="inquiries")
    op.drop_table("inquiries")
