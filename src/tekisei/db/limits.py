"""Table of per-client request counters (the public rate limit and the like)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base


class RateLimitRow(Base):
    """How many requests one client sent under one limit in one fixed window.

    Kept in the database so that every server process shares the count; windows that
    have ended are deleted."""

    __tablename__ = "rate_limits"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    """Which limit (``public``, …)."""
    client: Mapped[str] = mapped_column(String(200), primary_key=True)
    """Who is counted: the client's address."""
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    """Start of the window, in seconds since the epoch (a multiple of its length)."""
    hits: Mapped[int] = mapped_column(Integer)
