"""Incidents (guideline fn 16, 1(3)④): incidents, the systems they affected, and the
published versions of their public notices.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        _when("occurred_at", nullable=True),
        _when("detected_at", nullable=True),
        sa.Column("people_affected", sa.Integer(), nullable=True),
        sa.Column("affected_parties", sa.Text(), nullable=False),
        sa.Column("harms", sa.JSON(), nullable=False),
        sa.Column("containment", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("timeline", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("notifications", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_ref", sa.String(length=100), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("public_choice", sa.JSON(), nullable=True),
        sa.Column("published_version", sa.Integer(), nullable=True),
        _when("withdrawn_at", nullable=True),
        sa.Column("withdrawn_by", sa.String(length=320), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        _when("reported_at"),
        sa.Column("reported_by", sa.String(length=320), nullable=False),
        _when("closed_at", nullable=True),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("incidents", "org_id", "orgs"),
        _fk("incidents", "evidence_id", "evidence", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("public_id", name=op.f("uq_incidents_public_id")),
    )
    op.create_index(op.f("ix_incidents_org_id"), "incidents", ["org_id"])
    op.create_index(op.f("ix_incidents_state"), "incidents", ["state"])
    op.create_table(
        "incident_systems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        _fk("incident_systems", "org_id", "orgs"),
        _fk("incident_systems", "incident_id", "incidents"),
        _fk("incident_systems", "system_id", "systems"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_systems")),
        sa.UniqueConstraint(
            "incident_id", "system_id", name=op.f("uq_incident_systems_incident_id")
        ),
    )
    for column in ("org_id", "incident_id", "system_id"):
        op.create_index(op.f(f"ix_incident_systems_{column}"), "incident_systems", [column])
    op.create_table(
        "incident_notice_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        _when("published_at"),
        sa.Column("published_by", sa.String(length=320), nullable=False),
        _fk("incident_notice_versions", "org_id", "orgs"),
        _fk("incident_notice_versions", "incident_id", "incidents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_notice_versions")),
        sa.UniqueConstraint(
            "incident_id", "number", name=op.f("uq_incident_notice_versions_incident_id")
        ),
    )
    for column in ("org_id", "incident_id"):
        op.create_index(
            op.f(f"ix_incident_notice_versions_{column}"), "incident_notice_versions", [column]
        )


def downgrade() -> None:
    for column in ("org_id", "incident_id"):
        op.drop_index(
            op.f(f"ix_incident_notice_versions_{column}"), table_name="incident_notice_versions"
        )
    op.drop_table("incident_notice_versions")
    for column in ("org_id", "incident_id", "system_id"):
        op.drop_index(op.f(f"ix_incident_systems_{column}"), table_name="incident_systems")
    op.drop_table("incident_systems")
    op.drop_index(op.f("ix_incidents_state"), table_name="incidents")
    op.drop_index(op.f("ix_incidents_org_id"), table_name="incidents")
    op.drop_table("incidents")
