"""Indexes that list a large inventory in order, a page at a time.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_systems_org_id_name", "systems", ["org_id", "name", "id"])
    op.create_index("ix_systems_org_id_updated_at", "systems", ["org_id", "updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_systems_org_id_updated_at", table_name="systems")
    op.drop_index("ix_systems_org_id_name", table_name="systems")
