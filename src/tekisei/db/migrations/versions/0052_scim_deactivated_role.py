"""SCIM: the role a member had when their identity provider deactivated them, given back
when it reactivates them (unless a role group changed meanwhile).

Rows of members deactivated before this revision get none: they come back with the role
of their groups (viewer in none), as before.

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-04 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0052"
down_revision = "0051"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scim_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivated_role", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scim_users", schema=None) as batch_op:
        batch_op.drop_column("deactivated_role")
