"""Each organisation's time zone.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 10:00:00

Existing organisations get NULL, which means the deployment's default
(``TEKISEI_TIME_ZONE``, Asia/Tokyo unless set): the times they see do not change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: batch mode would copy and drop "orgs" on SQLite, and dropping it
    # with foreign keys on would cascade to every row of the organisation.
    op.add_column("orgs", sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("orgs", "time_zone")
