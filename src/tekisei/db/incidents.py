"""Tables of incidents (guideline fn 16, 1(3)④): the incident, the systems it affected,
and the published versions of its public notice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class IncidentRow(Base):
    """One incident, as it stands now. Its timeline, corrective actions and notifications
    are kept as lists (each entry only ever added); every change is audited."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), index=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    detected_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    people_affected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    affected_parties: Mapped[str] = mapped_column(Text)
    harms: Mapped[list[str]] = mapped_column(JSON)
    containment: Mapped[str] = mapped_column(Text)
    root_cause: Mapped[str] = mapped_column(Text)
    lessons: Mapped[str] = mapped_column(Text)
    timeline: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    notifications: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(20))
    """``form``, ``inquiry``, ``eval_run`` or ``provenance_check``."""
    source_ref: Mapped[str] = mapped_column(String(100))
    """The id of the inquiry, run or check it came from."""
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    """A random, unguessable id: the address of its public notice, once published."""
    public_choice: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """What its public notice shows (``PublicChoice``), once chosen."""
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    """The closed incident, with its lessons, as evidence for 1(3)④ and fn 16."""
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reported_by: Mapped[str] = mapped_column(String(320))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class IncidentSystemRow(Base):
    """A system an incident affected."""

    __tablename__ = "incident_systems"
    __table_args__ = (UniqueConstraint("incident_id", "system_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)


class IncidentNoticeVersionRow(Base):
    """One published version of an incident's public notice, kept as it was published."""

    __tablename__ = "incident_notice_versions"
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_by: Mapped[str] = mapped_column(String(320))


@event.listens_for(IncidentNoticeVersionRow, "before_update")
def _published_versions_never_change(*_: Any) -> None:
    raise RuntimeError("a published incident notice version is never changed; publish anew")
