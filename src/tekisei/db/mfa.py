"""Tables of multi-factor authentication: each account's TOTP secret (sealed), its
recovery codes (hashed), organisations' policies and wrong codes (for throttling)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class MfaTotpRow(Base):
    """An account's authenticator (one at most). ``confirmed_at`` is empty until its owner
    has entered a valid code; only a confirmed one is asked for at sign-in."""

    __tablename__ = "mfa_totp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    secret_sealed: Mapped[str] = mapped_column(Text)
    """The base32 secret, AES-GCM sealed with a key derived from the deployment secret."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The last time step accepted: no code of that step or before is accepted again."""


class MfaRecoveryCodeRow(Base):
    """A single-use recovery code, kept as the SHA-256 of the account id and the code."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class MfaPolicyRow(Base):
    """An organisation's multi-factor policy (no row: not required)."""

    __tablename__ = "mfa_policies"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=false())
    roles: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))


class MfaFailureRow(Base):
    """A wrong second-factor code, kept for throttling (per account)."""

    __tablename__ = "mfa_failures"
    __table_args__ = (Index("ix_mfa_failures_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
