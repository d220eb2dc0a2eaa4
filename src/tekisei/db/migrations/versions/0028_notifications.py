"""Notifications: in the app per member, each member's choices, and the e-mail outbox.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _belongs(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.Constraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("title_ja", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        _when("created_at"),
        _when("read_at", nullable=True),
        _belongs("notifications", "org_id", "orgs"),
        _belongs("notifications", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "org_id", "user_id", "key", name=op.f("uq_notifications_org_id_user_key")
        ),
    )
    op.create_index(
        "ix_notifications_user_id_org_id_id", "notifications", ["user_id", "org_id", "id"]
    )
    op.create_table(
        "notification_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=True),
        _when("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        _belongs("notification_settings", "org_id", "orgs"),
        _belongs("notification_settings", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_settings")),
        sa.UniqueConstraint("org_id", "user_id", name=op.f("uq_notification_settings_org_id")),
    )
    for column in ("org_id", "user_id"):
        op.create_index(
            op.f(f"ix_notification_settings_{column}"), "notification_settings", [column]
        )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        _when("claimed_until", nullable=True),
        _when("created_at"),
        _when("sent_at", nullable=True),
        _belongs("mail_outbox", "org_id", "orgs"),
        _belongs("mail_outbox", "notification_id", "notifications", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index(op.f("ix_mail_outbox_org_id"), "mail_outbox", ["org_id"])
    op.create_index(
        "ix_mail_outbox_status_next_attempt_at", "mail_outbox", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_status_next_attempt_at", table_name="mail_outbox")
    op.drop_index(op.f("ix_mail_outbox_org_id"), table_name="mail_outbox")
    op.drop_table("mail_outbox")
    for column in ("org_id", "user_id"):
        op.drop_index(
            op.f(f"ix_notification_settings_{column}"), table_name="notification_settings"
        )
    op.drop_table("notification_settings")
    op.drop_index("ix_notifications_user_id_org_id_id", table_name="notifications")
    op.drop_table("notifications")
