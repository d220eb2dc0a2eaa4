"""Tables of the training-data and model records (guideline 2(2), fn 17, 2(5))."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class ModelRecordRow(Base):
    """One AI model a system uses, as it stands now (earlier versions: RecordVersionRow)."""

    __tablename__ = "model_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    model_version: Mapped[str] = mapped_column(String(200))
    licence: Mapped[str] = mapped_column(String(200))
    model_card_url: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text)
    disclosed: Mapped[list[str]] = mapped_column(JSON)
    """The fields shown on the system's public notice."""
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    """The record as evidence in the system's guideline assessment."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    # UPDATE … WHERE version = <read version>: a concurrent change makes it match no row.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class DatasetRecordRow(Base):
    """One dataset a system is trained on or uses, as it stands now."""

    __tablename__ = "dataset_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    collection_method: Mapped[str] = mapped_column(Text)
    licence: Mapped[str] = mapped_column(String(200))
    personal_data: Mapped[list[str]] = mapped_column(JSON)
    personal_data_basis: Mapped[str] = mapped_column(Text)
    copyrighted: Mapped[str] = mapped_column(String(20))
    article_30_4: Mapped[str] = mapped_column(Text)
    opt_out: Mapped[str] = mapped_column(String(20))
    opt_out_details: Mapped[str] = mapped_column(Text)
    retention: Mapped[str] = mapped_column(Text)
    data_holders: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text)
    disclosed: Mapped[list[str]] = mapped_column(JSON)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class RecordVersionRow(Base):
    """Every version of every record, kept as written (never changed afterwards)."""

    __tablename__ = "record_versions"
    __table_args__ = (UniqueConstraint("kind", "record_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    """``model`` or ``dataset``."""
    record_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(320))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
