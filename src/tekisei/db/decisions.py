"""Tables of the records of AI-assisted administrative decisions (guideline 3(4))."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
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


class DecisionRow(Base):
    """One decision of one case, as last imported; one per (system, case reference)."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("system_id", "case_ref"),
        Index("ix_decisions_system_id_decided_on", "system_id", "decided_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    case_ref: Mapped[str] = mapped_column(String(100))
    """The case system's id of the case, as text."""
    decided_on: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(Text)
    grounds: Mapped[str] = mapped_column(Text)
    contribution: Mapped[str] = mapped_column(String(20))
    ai_suggestion: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    """The member who reviewed and decided, when the file named one by email."""
    reviewer_name: Mapped[str] = mapped_column(String(200))
    """Who reviewed and decided, as the file wrote it."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class DecisionSettingsRow(Base):
    """An organisation's retention of decision records and the systems whose statistics it
    publishes."""

    __tablename__ = "decision_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    retention_days: Mapped[int] = mapped_column(Integer)
    published: Mapped[list[int]] = mapped_column(JSON)
    publish_records: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Whether the anonymised records of the published systems are public too."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
