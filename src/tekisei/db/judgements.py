"""Tables of DS-920 high-risk judgements (guideline 3(1))."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class JudgementRow(Base):
    """One judgement of one system: a draft while answered, immutable once signed (a newer
    signed judgement supersedes it)."""

    __tablename__ = "judgements"
    __table_args__ = (UniqueConstraint("system_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    """1, 2, … per system, in the order they were started."""
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Question id → {"answer": yes|no|unsure, "note": …}."""
    high_risk: Mapped[bool] = mapped_column(Boolean)
    perspectives: Mapped[list[str]] = mapped_column(JSON)
    """The perspectives that made it high-risk, in sheet order."""
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The system's facts when it was signed."""
    facts_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    signed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    signed_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    """The signed judgement as evidence for 3(1) in its system's assessment."""
    redo_of: Mapped[int | None] = mapped_column(
        ForeignKey("judgements.id", ondelete="SET NULL"), nullable=True
    )
    """The stale judgement this draft redoes (its answers were carried over): the signer
    must confirm every perspective again."""
    reconfirmed: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    """The perspectives the signer confirmed again when signing a redo."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
