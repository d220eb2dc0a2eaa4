"""Tables of procurements of AI systems and services and their checklists (guideline 3(1))."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class ProcurementRow(Base):
    """One procurement for one system, from a vendor, with its filled checklist."""

    __tablename__ = "procurements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int | None] = mapped_column(
        ForeignKey("vendors.id", ondelete="SET NULL"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(100))
    """The tender's or the contract's number."""
    kind: Mapped[str] = mapped_column(String(20))
    phase: Mapped[str] = mapped_column(String(20))
    tender_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    contract_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Item id → {"status": …, "note": …}; an item not named is open."""
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    """The procurement as evidence for 3(1) in its system's guideline assessment."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
