"""Tables of SCIM provisioning: the organisation's SCIM tokens, the provisioned state of
its users and its groups (which assign roles)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class ScimTokenRow(Base):
    """A bearer token an identity provider uses on ``/scim/v2`` for one organisation;
    only its SHA-256 is stored. Not an API token: it acts for no member."""

    __tablename__ = "scim_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ScimUserRow(Base):
    """What the identity provider said about an account in one organisation.

    The membership is the access: ``active`` false (or DELETE) removes it, and this row
    keeps the provisioned attributes so that the provider can read and reactivate it
    (DELETE forgets the row too).
    """

    __tablename__ = "scim_users"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    emails: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    deactivated_role: Mapped[str | None] = mapped_column(String(32))
    """The role the member had when ``active`` false removed their membership, given back
    at reactivation; none once used, or when a role group changes meanwhile (the groups'
    role is given then)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ScimGroupRow(Base):
    """A group pushed by the identity provider; its display name names a tekisei role."""

    __tablename__ = "scim_groups"
    # ids in the audit log and in the identity provider: never reused
    __table_args__ = (UniqueConstraint("org_id", "display_name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ScimGroupMemberRow(Base):
    """An account in a group."""

    __tablename__ = "scim_group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("scim_groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
