"""Tables of the compute and energy records of AI systems (guideline 1(2)).

Figures are kept as whole numbers in small units (watt-hours, mg-CO2e per kWh) so that
SQLite and PostgreSQL hold them exactly; ``core/energy.py`` converts them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class EnergyRecordRow(Base):
    """One phase and period of a system's electricity use, as recorded."""

    __tablename__ = "energy_records"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids in the audit log: never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    compute: Mapped[str] = mapped_column(Text)
    energy_wh: Mapped[int] = mapped_column(BigInteger)
    """The energy in watt-hours (kWh × 1000)."""
    basis: Mapped[str] = mapped_column(String(20))
    factor_mg: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The emission factor in mg-CO2e per kWh (kg-CO2e/kWh × 10⁶); None: none stated."""
    factor_source: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(320))


class EnergyPublicationRow(Base):
    """Whether a system's figures are shown on its public notice and the organisation's
    governance statement (no row: not shown)."""

    __tablename__ = "energy_publications"

    system_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    published: Mapped[bool] = mapped_column(Boolean)
    show_sources: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The source of each figure is shown too (off: the totals and the factors' sources)."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class EnergyDefaultRow(Base):
    """The organisation's default for systems that have made no choice of their own (no
    :class:`EnergyPublicationRow`): whether their figures are shown publicly (no row: not
    shown)."""

    __tablename__ = "energy_defaults"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    published: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
