"""Tables of the vendor register (guideline 2(4); APPI art. 28)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class VendorRow(Base):
    """One vendor of an organisation, as it stands now; archived (exited), never deleted."""

    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(200))
    abroad: Mapped[bool] = mapped_column(Boolean)
    abroad_basis: Mapped[str] = mapped_column(Text)
    contract_ref: Mapped[str] = mapped_column(String(200))
    contract_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    contract_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    covers_ai_use: Mapped[bool] = mapped_column(Boolean)
    covers_data_use: Mapped[bool] = mapped_column(Boolean)
    covers_incidents: Mapped[bool] = mapped_column(Boolean)
    covers_exit: Mapped[bool] = mapped_column(Boolean)
    data_categories: Mapped[list[str]] = mapped_column(JSON)
    last_review: Mapped[date | None] = mapped_column(Date, nullable=True)
    review_result: Mapped[str] = mapped_column(Text)
    next_review: Mapped[date | None] = mapped_column(Date, nullable=True)
    contact: Mapped[str] = mapped_column(String(500))
    """Shown to administrators and editors only."""
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    """The vendor as evidence in the guideline assessments of the systems that depend on it."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class VendorSystemRow(Base):
    """A system that depends on a vendor."""

    __tablename__ = "vendor_systems"
    __table_args__ = (UniqueConstraint("vendor_id", "system_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)


class VendorEventRow(Base):
    """One entry of a vendor's history: added, edited, changed (with why), archived."""

    __tablename__ = "vendor_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(30))
    """A change's reason code (empty for other kinds)."""
    detail: Mapped[str] = mapped_column(Text)
    fields: Mapped[list[str]] = mapped_column(JSON)
    """The fields an edit changed."""
    reviews: Mapped[list[int]] = mapped_column(JSON)
    """The systems whose reviews were opened."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(320))
