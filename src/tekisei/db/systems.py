"""Tables of the AI system inventory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class SystemRow(Base):
    """One AI system of an organisation."""

    __tablename__ = "systems"
    __table_args__ = (
        UniqueConstraint("org_id", "code"),
        # The inventory is listed by organisation, ordered by name or last change, a page
        # at a time: these let a page of a large inventory be read in order, not sorted.
        Index("ix_systems_org_id_name", "org_id", "name", "id"),
        Index("ix_systems_org_id_updated_at", "org_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    code: Mapped[str | None] = mapped_column(String(80))
    """Stable key given in a governance-as-code file (``tekisei apply``)."""
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(40))
    org_role: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))
    models: Mapped[list[str]] = mapped_column(JSON)
    vendors: Mapped[list[str]] = mapped_column(JSON)
    data_categories: Mapped[list[str]] = mapped_column(JSON)
    affected: Mapped[list[str]] = mapped_column(JSON)
    autonomy: Mapped[str] = mapped_column(String(30))
    scale: Mapped[str] = mapped_column(String(20))
    deployment: Mapped[str] = mapped_column(String(20))
    responsible_person: Mapped[str] = mapped_column(String(200))
    contact_window: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(20), index=True)
    judged_high_risk: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    """The perspectives of the system's signed DS-920 judgement when it judged the system
    high-risk (a tier reason), else None."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    # UPDATE … WHERE version = <read version>: a concurrent change makes it match no row.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class SystemAssignmentRow(Base):
    """An external tester assigned to a system (guideline fn 8)."""

    __tablename__ = "system_assignments"
    __table_args__ = (UniqueConstraint("system_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
