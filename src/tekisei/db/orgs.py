"""Tables of organisations, accounts, memberships, invitations, API tokens, web sessions
and sign-in failures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class OrgRow(Base):
    """An organisation; the tenant boundary of every query."""

    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    actors: Mapped[list[str]] = mapped_column(JSON)
    responsible_person: Mapped[str | None] = mapped_column(String(200))
    responsible_title: Mapped[str | None] = mapped_column(String(200))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    """IANA name of the zone its members read times in; None: the deployment's
    ``TEKISEI_TIME_ZONE``."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    # UPDATE … WHERE version = <read version>: a concurrent change makes it match no row.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64))


class UserRow(Base):
    """A person who signs in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    """Someone else chose the password: the owner must choose their own at first sign-in."""


class MembershipRow(Base):
    """A user's role in one organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(String(320))
    """Who made the account a member (an email, ``cli`` or ``demo``); None before 0012."""


class InvitationRow(Base):
    """An invitation to join an organisation; only the SHA-256 of its one-time code is kept."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(320))


class ApiTokenRow(Base):
    """An API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebSessionRow(Base):
    """A signed-in browser; the cookie holds a random id, the table its SHA-256."""

    __tablename__ = "web_sessions"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids in the audit log: never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    method: Mapped[str] = mapped_column(String(20), default="password", server_default="password")
    """How the session was opened: ``password``, ``oidc``; sessions before 0047: password."""
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """The last request seen, written at most once a minute; None: none since sign-in."""
    user_agent: Mapped[str | None] = mapped_column(String(300))
    """The browser's User-Agent at sign-in, cut to 300 characters (to recognise it)."""
    address: Mapped[str | None] = mapped_column(String(64))
    """The client address last seen (behind trusted proxies, the forwarded one)."""
    second_factor_pending: Mapped[bool] = mapped_column(Boolean, server_default=false())
    """The password was right but the second factor is still to be given (or, for an
    account that must have one, still to be set up): nothing but that page is served."""


class SigninFailureRow(Base):
    """A failed sign-in attempt, or one still being checked (``pending``), kept for
    throttling.

    Shared by every server process through the database. The email is kept only as
    its SHA-256, so the table holds no addresses of people who have no account.
    """

    __tablename__ = "signin_failures"
    __table_args__ = (
        Index("ix_signin_failures_email_client", "email_digest", "client", "at"),
        Index("ix_signin_failures_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email_digest: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    """Still being checked: counts against no limit until it fails."""
