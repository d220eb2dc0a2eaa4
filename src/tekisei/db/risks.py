"""Table of the risk register."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class RiskRow(Base):
    """One risk of one system."""

    __tablename__ = "risks"
    __table_args__ = (UniqueConstraint("system_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    code: Mapped[str | None] = mapped_column(String(80))
    """Stable key given in a governance-as-code file (``tekisei apply``)."""
    title: Mapped[str] = mapped_column(String(200))
    taxonomy: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text)
    likelihood: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    inherent: Mapped[int] = mapped_column(Integer)
    residual_likelihood: Mapped[int | None] = mapped_column(Integer)
    residual_impact: Mapped[int | None] = mapped_column(Integer)
    residual: Mapped[int | None] = mapped_column(Integer)
    treatment: Mapped[str | None] = mapped_column(String(20))
    treatment_plan: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """The member who owns the risk (kept when they leave the organisation)."""
    owner_text: Mapped[str] = mapped_column(String(200))
    """The owner as written before owners were chosen from members (0016); empty since."""
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acceptance_note: Mapped[str | None] = mapped_column(Text)
    acceptor_added_by: Mapped[str | None] = mapped_column(String(320))
    """Who made the accepting executive a member (separation of duties, item 9)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    # UPDATE … WHERE version = <read version>: a concurrent change makes it match no row.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
