"""Tables of the HAIP reports (guideline fn 16) and their published versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class HaipReportRow(Base):
    """An organisation's HAIP report: the draft being written, the executive approval of
    one of its versions (with the facts as they were then), and where its published
    versions stand. Reached publicly only by ``public_id``, never by ``id``."""

    __tablename__ = "haip_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    """A random, unguessable id: the public address of the published report."""
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    details_public: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The narratives (``HaipContent``)."""
    approval_status: Mapped[str] = mapped_column(String(20))
    """Empty, ``pending``, ``approved`` or ``rejected``."""
    approval_version: Mapped[int | None] = mapped_column(Integer)
    """The draft version the request and the decision are about."""
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The facts and their coverage (``HaipFacts``) when approval was requested: what the
    executive approves and what is published with the narratives."""
    approval_requested_by: Mapped[str | None] = mapped_column(String(320))
    approval_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    approval_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decider_added_by: Mapped[str | None] = mapped_column(String(320))
    """Who made the deciding executive a member (separation of duties)."""
    published_version: Mapped[int | None] = mapped_column(Integer)
    """The number of the version the public reads (None: never published)."""
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(320))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class HaipReportVersionRow(Base):
    """One published version of a HAIP report, kept exactly as it was published."""

    __tablename__ = "haip_report_versions"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("haip_reports.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    details_public: Mapped[bool] = mapped_column(Boolean)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The approved snapshot (``HaipFacts``)."""
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_by: Mapped[str] = mapped_column(String(320))
    approved_by: Mapped[str] = mapped_column(String(320))
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime())
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))


@event.listens_for(HaipReportVersionRow, "before_update")
def _published_versions_never_change(*_: Any) -> None:
    raise RuntimeError("a published HAIP report version is never changed; publish a new one")
