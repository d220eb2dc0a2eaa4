"""Table of reviews: plan, do, check and act records per system."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class ReviewRow(Base):
    """One review cycle of one system."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    auto_reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    """Why tekisei opened or extended it (core.notes.AutoNote each), in the reader's words;
    ``reason`` keeps what people wrote."""
    status: Mapped[str] = mapped_column(String(20), index=True)
    due: Mapped[date] = mapped_column(Date)
    plan: Mapped[str] = mapped_column(Text, default="")
    do: Mapped[str] = mapped_column(Text, default="")
    check: Mapped[str] = mapped_column(Text, default="")
    act: Mapped[str] = mapped_column(Text, default="")
    maturity: Mapped[int | None] = mapped_column(Integer)
    opened_by: Mapped[str] = mapped_column(String(320))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(320))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
