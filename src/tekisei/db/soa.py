"""Tables of the ISO/IEC 42001 Statement of Applicability: the statement of each
organisation, what it states per control, every change, and every approved version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class SoaRow(Base):
    """An organisation's statement: its version goes up by one with every change of a
    control (made when the first control is stated)."""

    __tablename__ = "soa"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))


class SoaControlRow(Base):
    """What the organisation states about one control (made when it is first stated)."""

    __tablename__ = "soa_controls"
    __table_args__ = (UniqueConstraint("org_id", "control_urn"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    control_urn: Mapped[str] = mapped_column(String(200))
    applicable: Mapped[bool] = mapped_column(Boolean)
    justification: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """The member who owns the control (kept when they leave the organisation)."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    # UPDATE … WHERE version = <read version>: a concurrent change makes it match no row.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class SoaChangeRow(Base):
    """One change of the statement: the control's fields as they became, kept as written.
    The statement's version ``soa_version`` is the one this change made."""

    __tablename__ = "soa_changes"
    __table_args__ = (UniqueConstraint("org_id", "soa_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    soa_version: Mapped[int] = mapped_column(Integer)
    control_urn: Mapped[str] = mapped_column(String(200), index=True)
    control_version: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed: Mapped[list[str]] = mapped_column(JSON)
    """The names of the fields this change changed."""
    changed_by: Mapped[str] = mapped_column(String(320))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SoaApprovalRow(Base):
    """One approved version of the statement, kept exactly as the executive approved it
    (``core.soa.Statement``), with the states the assessments gave at that moment."""

    __tablename__ = "soa_approvals"
    __table_args__ = (UniqueConstraint("org_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    soa_version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    approved_by: Mapped[str] = mapped_column(String(320))
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text)
    approver_added_by: Mapped[str | None] = mapped_column(String(320))
    """Who made the approving executive a member (separation of duties)."""
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))


@event.listens_for(SoaChangeRow, "before_update")
@event.listens_for(SoaApprovalRow, "before_update")
def _kept_as_written(*_: Any) -> None:
    raise RuntimeError("a change or an approval of a statement is never changed; make a new one")
