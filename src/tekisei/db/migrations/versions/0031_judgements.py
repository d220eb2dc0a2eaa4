"""DS-920 high-risk judgements (guideline 3(1)): the judgements of each system, and the
perspectives of a signed high-risk one on the system (a tier reason).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_judgements_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "judgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("high_risk", sa.Boolean(), nullable=False),
        sa.Column("perspectives", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=True),
        sa.Column("facts_digest", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        _when("created_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        _when("updated_at"),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_by", sa.String(length=320), nullable=True),
        _when("signed_at", nullable=True),
        _when("superseded_at", nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("org_id", "orgs"),
        _fk("system_id", "systems"),
        _fk("signed_by_id", "users", "SET NULL"),
        _fk("evidence_id", "evidence", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgements")),
        sa.UniqueConstraint("system_id", "number", name=op.f("uq_judgements_system_id")),
    )
    for column in ("org_id", "system_id"):
        op.create_index(op.f(f"ix_judgements_{column}"), "judgements", [column])
    with op.batch_alter_table("systems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("judged_high_risk", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("systems", schema=None) as batch_op:
        batch_op.drop_column("judged_high_risk")
    for column in ("org_id", "system_id"):
        op.drop_index(op.f(f"ix_judgements_{column}"), table_name="judgements")
    op.drop_table("judgements")
