"""Catalog: frameworks, nodes, crosswalks and links.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 07:20:32.724509
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "frameworks",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("title_ja", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("publisher_ja", sa.Text(), nullable=False),
        sa.Column("publisher_en", sa.Text(), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note_ja", sa.Text(), nullable=True),
        sa.Column("note_en", sa.Text(), nullable=True),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frameworks")),
    )
    op.create_table(
        "catalog_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("urn", sa.String(length=200), nullable=False),
        sa.Column("framework_id", sa.String(length=80), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=False),
        sa.Column("parent_urn", sa.String(length=200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("assessable", sa.Boolean(), nullable=False),
        sa.Column("title_ja", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("text_ja", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("evidence_ja", sa.Text(), nullable=True),
        sa.Column("evidence_en", sa.Text(), nullable=True),
        sa.Column("actors", sa.JSON(), nullable=False),
        sa.Column("system_roles", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["frameworks.id"],
            name=op.f("fk_catalog_nodes_framework_id_frameworks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_nodes")),
        sa.UniqueConstraint("urn", name=op.f("uq_catalog_nodes_urn")),
    )
    with op.batch_alter_table("catalog_nodes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_nodes_framework_id"), ["framework_id"], unique=False
        )

    op.create_table(
        "crosswalks",
        sa.Column("id", sa.String(length=170), nullable=False),
        sa.Column("source_framework", sa.String(length=80), nullable=False),
        sa.Column("target_framework", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_framework"],
            ["frameworks.id"],
            name=op.f("fk_crosswalks_source_framework_frameworks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_framework"],
            ["frameworks.id"],
            name=op.f("fk_crosswalks_target_framework_frameworks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crosswalks")),
    )
    with op.batch_alter_table("crosswalks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_crosswalks_source_framework"), ["source_framework"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_crosswalks_target_framework"), ["target_framework"], unique=False
        )

    op.create_table(
        "crosswalk_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crosswalk_id", sa.String(length=170), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_urn", sa.String(length=200), nullable=False),
        sa.Column("target_framework", sa.String(length=80), nullable=False),
        sa.Column("target_urn", sa.String(length=200), nullable=True),
        sa.Column("relation", sa.String(length=20), nullable=True),
        sa.Column("rationale_ja", sa.Text(), nullable=False),
        sa.Column("rationale_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["crosswalk_id"],
            ["crosswalks.id"],
            name=op.f("fk_crosswalk_links_crosswalk_id_crosswalks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_urn"],
            ["catalog_nodes.urn"],
            name=op.f("fk_crosswalk_links_source_urn_catalog_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_urn"],
            ["catalog_nodes.urn"],
            name=op.f("fk_crosswalk_links_target_urn_catalog_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crosswalk_links")),
    )
    with op.batch_alter_table("crosswalk_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_crosswalk_links_crosswalk_id"), ["crosswalk_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_crosswalk_links_source_urn"), ["source_urn"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_crosswalk_links_target_urn"), ["target_urn"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("crosswalk_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crosswalk_links_target_urn"))
        batch_op.drop_index(batch_op.f("ix_crosswalk_links_source_urn"))
        batch_op.drop_index(batch_op.f("ix_crosswalk_links_crosswalk_id"))

    op.drop_table("crosswalk_links")
    with op.batch_alter_table("crosswalks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crosswalks_target_framework"))
        batch_op.drop_index(batch_op.f("ix_crosswalks_source_framework"))

    op.drop_table("crosswalks")
    with op.batch_alter_table("catalog_nodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_nodes_framework_id"))

    op.drop_table("catalog_nodes")
    op.drop_table("frameworks")
