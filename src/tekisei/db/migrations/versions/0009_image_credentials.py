"""Signed images and their watermark soft bindings.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 11:18:46.537283
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "image_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=True),
        sa.Column("asset_id", sa.String(length=8), nullable=False),
        sa.Column("generator", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=40), nullable=False),
        sa.Column("signed_sha256", sa.String(length=64), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_image_credentials_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_image_credentials_system_id_systems"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_credentials")),
        sa.UniqueConstraint("asset_id", name=op.f("uq_image_credentials_asset_id")),
    )
    with op.batch_alter_table("image_credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_image_credentials_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_image_credentials_system_id"), ["system_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("image_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_image_credentials_system_id"))
        batch_op.drop_index(batch_op.f("ix_image_credentials_org_id"))

    op.drop_table("image_credentials")
