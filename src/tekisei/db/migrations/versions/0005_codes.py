"""Stable codes of systems and risks for governance as code.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 08:39:51.738875
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_risks_system_id"), ["system_id", "code"])

    with op.batch_alter_table("systems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_systems_org_id"), ["org_id", "code"])


def downgrade() -> None:
    with op.batch_alter_table("systems", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_systems_org_id"), type_="unique")
        batch_op.drop_column("code")

    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_risks_system_id"), type_="unique")
        batch_op.drop_column("code")
