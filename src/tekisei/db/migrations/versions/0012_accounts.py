"""Accounts: invitations, who created a membership, password change at first sign-in,
sign-in throttling per (email, client), and who made an approver a member.

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-27 09:00:00.000000

The old ``login_failures`` table held short-lived throttling state keyed by the plain
email; it is replaced by ``signin_failures`` (keyed by the email's SHA-256 and the client
address), so its rows are not carried over: at worst a throttled address may try again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_email"))
    op.drop_table("login_failures")

    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signin_failures")),
    )
    with op.batch_alter_table("signin_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signin_failures_at"), ["at"], unique=False)
        batch_op.create_index("ix_signin_failures_client_at", ["client", "at"], unique=False)
        batch_op.create_index(
            "ix_signin_failures_email_client", ["email_digest", "client", "at"], unique=False
        )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_invitations_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invitations_code_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_org_id"), ["org_id"], unique=False)

    # A plain ADD COLUMN: batch mode would copy and drop "users" on SQLite, and dropping
    # it with foreign keys on would cascade to memberships, tokens and sessions.
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.String(length=320), nullable=True))
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acceptor_added_by", sa.String(length=320), nullable=True))
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decider_added_by", sa.String(length=320), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): recreating these tables would cascade deletes.
    op.drop_column("approvals", "decider_added_by")
    op.drop_column("risks", "acceptor_added_by")
    op.drop_column("memberships", "created_by")
    op.drop_column("users", "must_change_password")

    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_org_id"))
        batch_op.drop_index(batch_op.f("ix_invitations_email"))
    op.drop_table("invitations")

    with op.batch_alter_table("signin_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_signin_failures_email_client")
        batch_op.drop_index("ix_signin_failures_client_at")
        batch_op.drop_index(batch_op.f("ix_signin_failures_at"))
    op.drop_table("signin_failures")

    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_email"), ["email"], unique=False)
