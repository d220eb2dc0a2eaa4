"""Tables of the stakeholder register and the engagement log (guideline 1(3)②)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class StakeholderRow(Base):
    """One stakeholder of an organisation, as it stands now; archived, never deleted."""

    __tablename__ = "stakeholders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    relation: Mapped[str] = mapped_column(String(10))
    interests: Mapped[str] = mapped_column(Text)
    engagement: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(500))
    """Personal data: shown to administrators and editors only."""
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    """The stakeholder as evidence in the guideline assessments of its systems."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    # UPDATE … WHERE version = <read version>: a concurrent change makes it match no row.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class StakeholderSystemRow(Base):
    """A system a stakeholder is concerned with (none: every system of the organisation)."""

    __tablename__ = "stakeholder_systems"
    __table_args__ = (UniqueConstraint("stakeholder_id", "system_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)


class EngagementRow(Base):
    """One entry of a stakeholder's engagement log, kept as written."""

    __tablename__ = "stakeholder_engagements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    happened_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    systems: Mapped[list[int]] = mapped_column(JSON)
    """The systems it concerned (ids of the organisation's systems; empty: the
    stakeholder's)."""
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(320))
