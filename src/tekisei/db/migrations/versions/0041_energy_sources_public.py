"""Environmental load (guideline 1(2)): whether a system's public figures show the source
of each figure too (off for every system until its organisation chooses so).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-03 17:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("energy_publications") as batch:
        batch.add_column(
            sa.Column("show_sources", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("energy_publications") as batch:
        batch.drop_column("show_sources")
