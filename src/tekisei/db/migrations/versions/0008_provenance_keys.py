"""The watermark key registry (secrets sealed with the deployment secret).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 11:02:01.830918
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provenance_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("scheme", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("tokenizer_sha256", sa.String(length=64), nullable=False),
        sa.Column("tokenizer_name", sa.String(length=200), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_provenance_keys_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provenance_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_provenance_keys_key_id")),
    )
    with op.batch_alter_table("provenance_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provenance_keys_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_provenance_keys_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("provenance_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provenance_keys_status"))
        batch_op.drop_index(batch_op.f("ix_provenance_keys_org_id"))

    op.drop_table("provenance_keys")
