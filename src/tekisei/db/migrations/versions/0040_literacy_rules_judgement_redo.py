"""Standing "every member" literacy rules (a member who joins later is assigned too), the
rule each assignment came from, and DS-920 redos: the stale judgement a draft redoes and
the perspectives its signer confirmed again.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "literacy_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.String(length=60), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_literacy_rules_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_literacy_rules")),
        sa.UniqueConstraint("org_id", "module_id", name=op.f("uq_literacy_rules_org_id")),
    )
    op.create_index(op.f("ix_literacy_rules_org_id"), "literacy_rules", ["org_id"])
    with op.batch_alter_table("literacy_assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_literacy_assignments_rule_id_literacy_rules"), "literacy_rules",
            ["rule_id"], ["id"], ondelete="SET NULL",
        )  # fmt: skip
    with op.batch_alter_table("judgements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redo_of", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reconfirmed", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_judgements_redo_of_judgements"), "judgements", ["redo_of"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("judgements", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_judgements_redo_of_judgements"), type_="foreignkey")
        batch_op.drop_column("reconfirmed")
        batch_op.drop_column("redo_of")
    with op.batch_alter_table("literacy_assignments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_literacy_assignments_rule_id_literacy_rules"), type_="foreignkey"
        )
        batch_op.drop_column("rule_id")
    op.drop_index(op.f("ix_literacy_rules_org_id"), table_name="literacy_rules")
    op.drop_table("literacy_rules")
