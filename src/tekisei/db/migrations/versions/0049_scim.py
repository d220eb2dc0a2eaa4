"""SCIM provisioning: the organisation's SCIM tokens, the provisioned users and the groups
that assign roles.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0049"
down_revision = "0048"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "scim_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        _when("created_at"),
        _when("revoked_at", nullable=True),
        _when("last_used_at", nullable=True),
        _fk("scim_tokens", "org_id", "orgs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_scim_tokens_token_hash")),
    )
    op.create_index(op.f("ix_scim_tokens_org_id"), "scim_tokens", ["org_id"])
    op.create_table(
        "scim_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("emails", sa.JSON(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        _fk("scim_users", "org_id", "orgs"),
        _fk("scim_users", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_users")),
        sa.UniqueConstraint("org_id", "user_id", name=op.f("uq_scim_users_org_id")),
    )
    op.create_index(op.f("ix_scim_users_org_id"), "scim_users", ["org_id"])
    op.create_index(op.f("ix_scim_users_user_id"), "scim_users", ["user_id"])
    op.create_table(
        "scim_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        _fk("scim_groups", "org_id", "orgs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_groups")),
        sa.UniqueConstraint("org_id", "display_name", name=op.f("uq_scim_groups_org_id")),
    )
    op.create_index(op.f("ix_scim_groups_org_id"), "scim_groups", ["org_id"])
    op.create_table(
        "scim_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _fk("scim_group_members", "group_id", "scim_groups"),
        _fk("scim_group_members", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_group_members")),
        sa.UniqueConstraint("group_id", "user_id", name=op.f("uq_scim_group_members_group_id")),
    )
    op.create_index(op.f("ix_scim_group_members_group_id"), "scim_group_members", ["group_id"])
    op.create_index(op.f("ix_scim_group_members_user_id"), "scim_group_members", ["user_id"])


def downgrade() -> None:
    op.drop_table("scim_group_members")
    op.drop_table("scim_groups")
    op.drop_table("scim_users")
    op.drop_table("scim_tokens")
