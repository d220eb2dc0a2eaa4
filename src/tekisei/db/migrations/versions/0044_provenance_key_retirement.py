"""Watermark keys: when a key was retired (a retired key no longer verifies new texts;
the public answer names the day it was retired).

Revision ID: 0044
Revises: 0042
Create Date: 2026-12-04 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0044"
down_revision = "0042"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provenance_keys") as batch:
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("retired_by", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provenance_keys") as batch:
        batch.drop_column("retired_by")
        batch.drop_column("retired_at")
