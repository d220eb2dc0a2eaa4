"""Tables of passkeys (WebAuthn) used as a second factor: each account's registered
credentials and the single-use challenges of ceremonies under way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class PasskeyRow(Base):
    """A passkey of an account: its credential id and public key (COSE), never a secret."""

    __tablename__ = "webauthn_credentials"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids in the audit log: never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(2048))
    sign_count: Mapped[int] = mapped_column(Integer)
    """The authenticator's signature counter last seen (0: it keeps none)."""
    transports: Mapped[list[str]] = mapped_column(JSON)
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class PasskeyChallengeRow(Base):
    """The challenge of a passkey ceremony a browser session has begun: bound to that
    session and account, short-lived and spent by the first answer, right or wrong (kept
    in the database so that any server process can check the answer)."""

    __tablename__ = "webauthn_challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), index=True)
    """SHA-256 of the session cookie that asked for it."""
    purpose: Mapped[str] = mapped_column(String(16))
    """``register`` or ``authenticate``."""
    challenge: Mapped[bytes] = mapped_column(LargeBinary(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
