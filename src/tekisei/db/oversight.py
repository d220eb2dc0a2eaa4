"""Tables of oversight across organisations (guideline 3(2)): the grants an organisation
gives a supervising organisation, and the monthly snapshots of its aggregates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class OversightGrantRow(Base):
    """An organisation's grant to a supervising organisation; one per pair, kept (with
    ``revoked_at``) after it is revoked and reused when granted again."""

    __tablename__ = "oversight_grants"
    __table_args__ = (UniqueConstraint("org_id", "supervisor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    """The granting organisation."""
    supervisor_id: Mapped[int] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), index=True
    )
    systems: Mapped[list[int]] = mapped_column(JSON)
    """Ids of the granting organisation's systems shared item by item (their summary)."""
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    granted_by: Mapped[str] = mapped_column(String(320))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class OversightSnapshotRow(Base):
    """The aggregates of a granting organisation as its supervisor last read them in one
    calendar month (the trend)."""

    __tablename__ = "oversight_snapshots"
    __table_args__ = (UniqueConstraint("org_id", "supervisor_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    supervisor_id: Mapped[int] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[str] = mapped_column(String(7))
    """YYYY-MM."""
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime())
