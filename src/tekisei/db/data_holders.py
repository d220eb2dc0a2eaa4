"""Tables of the data-holder register, its links to dataset records, the communication log
and the benefit-return arrangements (guideline 2(5))."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class DataHolderRow(Base):
    """One data holder of an organisation, as it stands now; archived, never deleted."""

    __tablename__ = "data_holders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    data: Mapped[str] = mapped_column(Text)
    rights: Mapped[list[str]] = mapped_column(JSON)
    interests: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(500))
    """Personal data: shown to administrators and editors only."""
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    """The holder as evidence for 2(5) in the assessments of its datasets' systems."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    # UPDATE … WHERE version = <read version>: a concurrent change makes it match no row.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class DataHolderDatasetRow(Base):
    """A dataset record of the organisation that holds a data holder's data."""

    __tablename__ = "data_holder_datasets"
    __table_args__ = (UniqueConstraint("holder_id", "dataset_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("data_holders.id", ondelete="CASCADE"), index=True
    )
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_records.id", ondelete="CASCADE"), index=True
    )


class DataHolderCommunicationRow(Base):
    """One entry of a data holder's communication log, kept as written."""

    __tablename__ = "data_holder_communications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("data_holders.id", ondelete="CASCADE"), index=True
    )
    happened_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(320))


class DataHolderBenefitRow(Base):
    """One arrangement returning benefits to a data holder, as it stands now."""

    __tablename__ = "data_holder_benefits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("data_holders.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(Text)
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
