"""Tables of the disclosure notices (guideline 2(2), fn 18) and their published versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class NoticeRow(Base):
    """A system's notice: the draft being edited, its approval, and where its published
    versions stand. Reached publicly only by ``public_id``, never by ``id``."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), unique=True
    )
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    """A random, unguessable id: the public address of the published notice."""
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The draft (``NoticeContent``)."""
    published_version: Mapped[int | None] = mapped_column(Integer)
    """The number of the version the public reads (None: never published)."""
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(320))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    approval_status: Mapped[str] = mapped_column(String(20))
    """Empty, ``pending``, ``approved`` or ``rejected``."""
    approval_version: Mapped[int | None] = mapped_column(Integer)
    """The draft version the request and the decision are about."""
    approval_requested_by: Mapped[str | None] = mapped_column(String(320))
    approval_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    approval_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decider_added_by: Mapped[str | None] = mapped_column(String(320))
    """Who made the deciding executive a member (separation of duties)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class NoticeVersionRow(Base):
    """One published version of a notice, kept exactly as it was published."""

    __tablename__ = "notice_versions"
    __table_args__ = (UniqueConstraint("notice_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_by: Mapped[str] = mapped_column(String(320))
    approved_by: Mapped[str | None] = mapped_column(String(320))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))


@event.listens_for(NoticeVersionRow, "before_update")
def _published_versions_never_change(*_: Any) -> None:
    raise RuntimeError("a published notice version is never changed; publish a new one")
