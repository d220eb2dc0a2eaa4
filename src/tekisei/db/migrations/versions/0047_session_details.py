"""Sessions a person can recognise: how each web session was opened (``method``, every
existing one by password), when it was last seen, and the browser and address it came
from; an index on ``expires_at`` for purging expired sessions.

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-04 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0047"
down_revision = "0046"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(
            sa.Column("method", sa.String(length=20), nullable=False, server_default="password")
        )
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("user_agent", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("address", sa.String(length=64), nullable=True))
        batch.create_index("ix_web_sessions_expires_at", ["expires_at"])


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_index("ix_web_sessions_expires_at")
        batch.drop_column("address")
        batch.drop_column("user_agent")
        batch.drop_column("last_seen_at")
        batch.drop_column("method")
