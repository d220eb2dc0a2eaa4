"""Decision records (guideline 3(4)): whether an organisation also publishes its
anonymised decision records on its public register (off for every organisation until it
opts in).

Revision ID: 0038
Revises: 0033
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decision_settings") as batch_op:
        batch_op.add_column(
            sa.Column("publish_records", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("decision_settings") as batch_op:
        batch_op.drop_column("publish_records")
