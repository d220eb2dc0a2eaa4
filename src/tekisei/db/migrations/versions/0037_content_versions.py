"""Versions of what public pages are built from: a token per organisation (and one for
the deployment-wide tables) replaced with every change, so that a built public register
can be served again while nothing it was built from has changed.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-03 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_versions",
        sa.Column("scope", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_content_versions")),
    )


def downgrade() -> None:
    op.drop_table("content_versions")
