"""Tables of assessments, answers, evidence and the links between answers and evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class AssessmentRow(Base):
    """One assessment of one system against one framework; closed ones are frozen."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    framework_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    based_on: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AnswerRow(Base):
    """The answer to one requirement (a catalog node, by URN) in one assessment."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("assessment_id", "node_urn"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    node_urn: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text)
    auto_note: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """What tekisei noted itself (core.notes.AutoNote), worded in the reader's language."""
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """The member who owns the answer (kept when they leave the organisation)."""
    owner_text: Mapped[str] = mapped_column(String(200))
    """The owner as written before owners were chosen from members (0017); empty since."""
    justification: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class EvidenceRow(Base):
    """A piece of evidence: an uploaded file (stored by SHA-256), a link or a reference."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    auto_title: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The title tekisei gave it (core.notes.AutoNote), worded in the reader's language;
    ``title`` then holds the Japanese wording of the day, for readers of the column."""
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AnswerEvidenceRow(Base):
    """Evidence backing an answer; one piece can back several answers."""

    __tablename__ = "answer_evidence"
    __table_args__ = (UniqueConstraint("answer_id", "evidence_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), index=True
    )
