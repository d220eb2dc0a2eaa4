"""Content provenance: the signed C2PA manifest store of each signed image, kept as
embedded so that the soft-binding resolution API can serve it as ``application/c2pa``
(images signed before have none).

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("image_credentials") as batch:
        batch.add_column(sa.Column("manifest_store", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("image_credentials") as batch:
        batch.drop_column("manifest_store")
