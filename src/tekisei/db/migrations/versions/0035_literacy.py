"""AI literacy (guideline 1(2) AIリテラシー, 3(2)): modules assigned to members, and the
quizzes members completed.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "literacy_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.String(length=60), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("literacy_assignments", "org_id", "orgs"),
        _fk("literacy_assignments", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_literacy_assignments")),
        sa.UniqueConstraint(
            "org_id", "user_id", "module_id", name=op.f("uq_literacy_assignments_org_id")
        ),
    )
    op.create_index(op.f("ix_literacy_assignments_org_id"), "literacy_assignments", ["org_id"])
    op.create_index(op.f("ix_literacy_assignments_user_id"), "literacy_assignments", ["user_id"])
    op.create_table(
        "literacy_completions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.String(length=60), nullable=False),
        sa.Column("module_version", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        _fk("literacy_completions", "org_id", "orgs"),
        _fk("literacy_completions", "user_id", "users"),
        _fk("literacy_completions", "evidence_id", "evidence", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_literacy_completions")),
    )
    op.create_index(
        "ix_literacy_completions_org_id_user_id", "literacy_completions", ["org_id", "user_id"]
    )
    op.create_index(op.f("ix_literacy_completions_user_id"), "literacy_completions", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_literacy_completions_user_id"), table_name="literacy_completions")
    op.drop_index("ix_literacy_completions_org_id_user_id", table_name="literacy_completions")
    op.drop_table("literacy_completions")
    op.drop_index(op.f("ix_literacy_assignments_user_id"), table_name="literacy_assignments")
    op.drop_index(op.f("ix_literacy_assignments_org_id"), table_name="literacy_assignments")
    op.drop_table("literacy_assignments")
