"""Tables of AI literacy (guideline 1(2) AIリテラシー, 3(2)): modules assigned to members and
the quizzes members completed. The public self-check has no table: it stores nothing."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class LiteracyRuleRow(Base):
    """A standing rule of the organisation: a module assigned to every member, present and
    future; one per (organisation, module). A member who joins later is assigned the
    module ``due_days`` days after joining (None: no due date)."""

    __tablename__ = "literacy_rules"
    __table_args__ = (UniqueConstraint("org_id", "module_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(String(60))
    due_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(320))


class LiteracyAssignmentRow(Base):
    """A module assigned to one member, with a due date; one per (member, module)."""

    __tablename__ = "literacy_assignments"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id", "module_id"),
        {"sqlite_autoincrement": True},  # ids in the audit log: never reused
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(String(60))
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())
    assigned_by: Mapped[str] = mapped_column(String(320))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("literacy_rules.id", ondelete="SET NULL"), nullable=True
    )
    """The "every member" rule it was assigned by (None: assigned to the member by name,
    or the rule was removed since)."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class LiteracyCompletionRow(Base):
    """One quiz a member took, signed in: the score, whether it passed, the module's
    version. Every attempt is kept; the first pass of a module in an organisation carries
    the evidence for the guideline assessments."""

    __tablename__ = "literacy_completions"
    __table_args__ = (Index("ix_literacy_completions_org_id_user_id", "org_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(String(60))
    module_version: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence.id", ondelete="SET NULL"), nullable=True
    )
