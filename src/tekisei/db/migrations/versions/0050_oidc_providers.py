"""Single sign-on: each organisation's OpenID provider (client secret sealed), the
sign-ins sent to it and not yet back, and the sessions opened through it.

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0049"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_providers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "org_id",
            sa.Integer(),
            sa.ForeignKey("orgs.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("client_secret_sealed", sa.Text(), nullable=False),
        sa.Column("allowed_domains", sa.JSON(), nullable=False),
        sa.Column("role_claim", sa.String(100), nullable=False),
        sa.Column("role_map", sa.JSON(), nullable=False),
        sa.Column("default_role", sa.String(32), nullable=False),
        sa.Column("jit", sa.Boolean(), nullable=False),
        sa.Column("passwords_disabled", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "oidc_logins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("state_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "provider_id",
            sa.Integer(),
            sa.ForeignKey("oidc_providers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("nonce", sa.String(100), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("redirect_uri", sa.String(500), nullable=False),
        sa.Column("next_url", sa.String(2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_oidc_logins_provider_id", "oidc_logins", ["provider_id"])
    op.create_index("ix_oidc_logins_expires_at", "oidc_logins", ["expires_at"])
    op.create_table(
        "oidc_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "web_session_id",
            sa.Integer(),
            sa.ForeignKey("web_sessions.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "provider_id",
            sa.Integer(),
            sa.ForeignKey("oidc_providers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("id_token", sa.Text(), nullable=False),
    )
    op.create_index("ix_oidc_sessions_provider_id", "oidc_sessions", ["provider_id"])


def downgrade() -> None:
    op.drop_index("ix_oidc_sessions_provider_id", table_name="oidc_sessions")
    op.drop_table("oidc_sessions")
    op.drop_index("ix_oidc_logins_expires_at", table_name="oidc_logins")
    op.drop_index("ix_oidc_logins_provider_id", table_name="oidc_logins")
    op.drop_table("oidc_logins")
    op.drop_table("oidc_providers")
