"""Provenance mechanisms per system and checks of their sample outputs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 11:22:17.567031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provenance_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("texts", sa.Integer(), nullable=False),
        sa.Column("texts_detected", sa.Integer(), nullable=False),
        sa.Column("images", sa.Integer(), nullable=False),
        sa.Column("images_verified", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("checked_by", sa.String(length=320), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_provenance_checks_evidence_id_evidence"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_provenance_checks_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_provenance_checks_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provenance_checks")),
    )
    with op.batch_alter_table("provenance_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provenance_checks_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_provenance_checks_system_id"), ["system_id"], unique=False
        )

    op.create_table(
        "system_provenance",
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("text_key_id", sa.String(length=40), nullable=True),
        sa.Column("c2pa", sa.Boolean(), nullable=False),
        sa.Column("other", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_system_provenance_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["systems.id"],
            name=op.f("fk_system_provenance_system_id_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("system_id", name=op.f("pk_system_provenance")),
    )
    with op.batch_alter_table("system_provenance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_system_provenance_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("system_provenance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_system_provenance_org_id"))

    op.drop_table("system_provenance")
    with op.batch_alter_table("provenance_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provenance_checks_system_id"))
        batch_op.drop_index(batch_op.f("ix_provenance_checks_org_id"))

    op.drop_table("provenance_checks")
