"""AI policies with their approved versions and the members' acknowledgements (2(1)), and
the organisations' public governance statements with their published versions (2(1),
3(4)).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _who(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(length=320), nullable=nullable)


def _key(table: str, column: str, target: str, ondelete: str = "CASCADE") -> SchemaItem:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column("approval_status", sa.String(length=20), nullable=False),
        sa.Column("approval_version", sa.Integer(), nullable=True),
        _who("approval_requested_by", nullable=True),
        _when("approval_requested_at", nullable=True),
        sa.Column("approval_note", sa.Text(), nullable=True),
        _who("decided_by", nullable=True),
        _when("decided_at", nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        _when("withdrawn_at", nullable=True),
        _who("withdrawn_by", nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        _when("created_at"),
        _who("created_by"),
        _when("updated_at"),
        _who("updated_by"),
        sa.Column("version", sa.Integer(), nullable=False),
        _key("policies", "org_id", "orgs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
    )
    _indexes("policies", "org_id")
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("draft_version", sa.Integer(), nullable=False),
        _who("requested_by"),
        _when("requested_at"),
        _who("approved_by"),
        _when("approved_at"),
        sa.Column("approval_reason", sa.Text(), nullable=False),
        _who("approver_added_by", nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        _when("published_at", nullable=True),
        _who("published_by", nullable=True),
        _key("policy_versions", "policy_id", "policies"),
        _key("policy_versions", "org_id", "orgs"),
        _key("policy_versions", "evidence_id", "evidence", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint("policy_id", "number", name=op.f("uq_policy_versions_policy_id")),
    )
    _indexes("policy_versions", "policy_id", "org_id")
    op.create_table(
        "policy_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _when("acknowledged_at"),
        _key("policy_acknowledgements", "org_id", "orgs"),
        _key("policy_acknowledgements", "policy_id", "policies"),
        _key("policy_acknowledgements", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_acknowledgements")),
        sa.UniqueConstraint(
            "policy_id", "number", "user_id", name=op.f("uq_policy_acknowledgements_policy_id")
        ),
    )
    _indexes("policy_acknowledgements", "org_id", "policy_id", "user_id")
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        _when("withdrawn_at", nullable=True),
        _who("withdrawn_by", nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        _who("updated_by"),
        sa.Column("version", sa.Integer(), nullable=False),
        _key("statements", "org_id", "orgs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("org_id", name=op.f("uq_statements_org_id")),
    )
    op.create_table(
        "statement_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        _when("published_at"),
        _who("published_by"),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        _key("statement_versions", "statement_id", "statements"),
        _key("statement_versions", "org_id", "orgs"),
        _key("statement_versions", "evidence_id", "evidence", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_versions")),
        sa.UniqueConstraint(
            "statement_id", "number", name=op.f("uq_statement_versions_statement_id")
        ),
    )
    _indexes("statement_versions", "statement_id", "org_id")


def downgrade() -> None:
    for table, columns in (
        ("statement_versions", ("org_id", "statement_id")),
        ("statements", ()),
        ("policy_acknowledgements", ("user_id", "policy_id", "org_id")),
        ("policy_versions", ("org_id", "policy_id")),
        ("policies", ("org_id",)),
    ):
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
