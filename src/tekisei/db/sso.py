"""Tables of single sign-on: each organisation's OpenID provider and the sign-ins under way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class OidcProviderRow(Base):
    """An organisation's OpenID provider (at most one); the client secret is kept sealed
    with the deployment secret, never in clear."""

    __tablename__ = "oidc_providers"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids in the audit log: never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_sealed: Mapped[str] = mapped_column(Text)
    allowed_domains: Mapped[list[str]] = mapped_column(JSON)
    role_claim: Mapped[str] = mapped_column(String(100))
    role_map: Mapped[dict[str, str]] = mapped_column(JSON)
    default_role: Mapped[str] = mapped_column(String(32))
    jit: Mapped[bool] = mapped_column(Boolean)
    """Whether someone the provider vouches for joins the organisation at first sign-in."""
    passwords_disabled: Mapped[bool] = mapped_column(Boolean)
    """Members sign in to this organisation only through the provider."""
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OidcLoginRow(Base):
    """A sign-in sent to the provider and not yet back: only the SHA-256 of its ``state``
    is kept; the row is deleted when the answer comes back, so a state works once."""

    __tablename__ = "oidc_logins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("oidc_providers.id", ondelete="CASCADE"), index=True
    )
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    next_url: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class OidcSessionRow(Base):
    """A web session opened through the provider: the ID token it was opened with (the
    ``id_token_hint`` of the provider's sign-out)."""

    __tablename__ = "oidc_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    web_session_id: Mapped[int] = mapped_column(
        ForeignKey("web_sessions.id", ondelete="CASCADE"), unique=True
    )
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("oidc_providers.id", ondelete="CASCADE"), index=True
    )
    id_token: Mapped[str] = mapped_column(Text)
