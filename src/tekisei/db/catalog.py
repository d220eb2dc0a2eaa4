"""Tables of the catalog: frameworks, nodes, crosswalks and their links."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tekisei.db.base import Base, UtcDateTime


class FrameworkRow(Base):
    """One framework version, as loaded from its catalog file."""

    __tablename__ = "frameworks"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[str] = mapped_column(String(80))
    title_ja: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    publisher_ja: Mapped[str] = mapped_column(Text)
    publisher_en: Mapped[str] = mapped_column(Text)
    published: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    note_ja: Mapped[str | None] = mapped_column(Text)
    note_en: Mapped[str | None] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime())

    nodes: Mapped[list[CatalogNodeRow]] = relationship(
        back_populates="framework", order_by="CatalogNodeRow.position"
    )


class CatalogNodeRow(Base):
    """One node of a framework, addressed by its URN."""

    __tablename__ = "catalog_nodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    urn: Mapped[str] = mapped_column(String(200), unique=True)
    framework_id: Mapped[str] = mapped_column(
        ForeignKey("frameworks.id", ondelete="CASCADE"), index=True
    )
    ref: Mapped[str] = mapped_column(String(80))
    section: Mapped[str] = mapped_column(String(200))
    parent_urn: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer)
    assessable: Mapped[bool] = mapped_column(Boolean)
    title_ja: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    text_ja: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    evidence_ja: Mapped[str | None] = mapped_column(Text)
    evidence_en: Mapped[str | None] = mapped_column(Text)
    actors: Mapped[list[str]] = mapped_column(JSON)
    system_roles: Mapped[list[str]] = mapped_column(JSON)

    framework: Mapped[FrameworkRow] = relationship(back_populates="nodes")


class CrosswalkRow(Base):
    """A crosswalk file: links from one framework to another."""

    __tablename__ = "crosswalks"

    id: Mapped[str] = mapped_column(String(170), primary_key=True)
    source_framework: Mapped[str] = mapped_column(
        ForeignKey("frameworks.id", ondelete="CASCADE"), index=True
    )
    target_framework: Mapped[str] = mapped_column(
        ForeignKey("frameworks.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    checksum: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CrosswalkLinkRow(Base):
    """One source node → target node link; a null target means "no counterpart"."""

    __tablename__ = "crosswalk_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crosswalk_id: Mapped[str] = mapped_column(
        ForeignKey("crosswalks.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    source_urn: Mapped[str] = mapped_column(
        ForeignKey("catalog_nodes.urn", ondelete="CASCADE"), index=True
    )
    target_framework: Mapped[str] = mapped_column(String(80))
    target_urn: Mapped[str | None] = mapped_column(
        ForeignKey("catalog_nodes.urn", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str | None] = mapped_column(String(20))
    rationale_ja: Mapped[str] = mapped_column(Text)
    rationale_en: Mapped[str] = mapped_column(Text)
