"""Image credentials: the keyed 48-bit watermark (12-hex-digit asset ids), the soft-binding
algorithm each image carries and the signed image's perceptual hash. Images signed before
keep their rows and their 32-bit algorithm name.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-04 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None

LEGACY = "org.tekisei.dwtdctsvd.32"


def upgrade() -> None:
    with op.batch_alter_table("image_credentials") as batch:
        batch.alter_column(
            "asset_id", existing_type=sa.String(length=8), type_=sa.String(length=16)
        )
        batch.add_column(sa.Column("watermark_alg", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("perceptual_hash", sa.String(length=16), nullable=True))
    op.execute(sa.text(f"UPDATE image_credentials SET watermark_alg = '{LEGACY}'"))


def downgrade() -> None:
    # 12-digit asset ids do not fit the earlier column: those rows go with the scheme.
    op.execute(sa.text("DELETE FROM image_credentials WHERE length(asset_id) > 8"))
    with op.batch_alter_table("image_credentials") as batch:
        batch.drop_column("perceptual_hash")
        batch.drop_column("watermark_alg")
        batch.alter_column(
            "asset_id", existing_type=sa.String(length=16), type_=sa.String(length=8)
        )
