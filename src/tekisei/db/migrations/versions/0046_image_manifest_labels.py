"""Content provenance: the label of each signed image's C2PA manifest
(``urn:c2pa:<uuid>``), the manifest identifier the Soft Binding Resolution API answers
with and accepts, unique; filled from the stored manifests.

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("image_credentials") as batch:
        batch.add_column(sa.Column("manifest_label", sa.String(100), nullable=True))
    connection = op.get_bind()
    table = sa.table(
        "image_credentials",
        sa.column("id", sa.Integer),
        sa.column("manifest", sa.JSON),
        sa.column("manifest_label", sa.String),
    )
    seen: set[str] = set()
    for row_id, manifest in connection.execute(sa.select(table.c.id, table.c.manifest)).all():
        found = json.loads(manifest) if isinstance(manifest, str) else manifest
        label = found.get("label") if isinstance(found, dict) else None
        if isinstance(label, str) and 0 < len(label) <= 100 and label not in seen:
            seen.add(label)
            connection.execute(
                table.update().where(table.c.id == row_id).values(manifest_label=label)
            )
    with op.batch_alter_table("image_credentials") as batch:
        batch.create_unique_constraint(
            batch.f("uq_image_credentials_manifest_label"), ["manifest_label"]
        )


def downgrade() -> None:
    with op.batch_alter_table("image_credentials") as batch:
        batch.drop_constraint(batch.f("uq_image_credentials_manifest_label"), type_="unique")
        batch.drop_column("manifest_label")
