"""Evaluation runs: each organisation's allow-list of targets; run names unique per
organisation (no longer across all of them); the queue and leases of executing runs.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eval_target_hosts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=270), nullable=False),
        sa.Column("added_by", sa.String(length=320), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_eval_target_hosts_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eval_target_hosts")),
        sa.UniqueConstraint("org_id", "host", name=op.f("uq_eval_target_hosts_org_id")),
    )
    with op.batch_alter_table("eval_target_hosts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eval_target_hosts_org_id"), ["org_id"], unique=False)

    # names were unique across organisations, so they are unique within each: no data moves
    with op.batch_alter_table("eval_runs", schema=None) as batch_op:
        batch_op.drop_constraint("uq_eval_runs_key", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_eval_runs_org_id"), ["org_id", "key"])

    op.create_table(
        "eval_jobs",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("secrets", sa.Text(), nullable=True),
        sa.Column("acting", sa.JSON(), nullable=False),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_eval_jobs_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["eval_runs.id"],
            name=op.f("fk_eval_jobs_run_id_eval_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_eval_jobs")),
    )
    with op.batch_alter_table("eval_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eval_jobs_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("eval_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eval_jobs_org_id"))
    op.drop_table("eval_jobs")

    # fails if two organisations now have runs of the same name: rename one first
    with op.batch_alter_table("eval_runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_eval_runs_org_id"), type_="unique")
        batch_op.create_unique_constraint("uq_eval_runs_key", ["key"])

    with op.batch_alter_table("eval_target_hosts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eval_target_hosts_org_id"))
    op.drop_table("eval_target_hosts")
