"""Tables of the public register of AI use (guideline 3(1), 3(4)): whether an
organisation publishes its register, and which of its systems the register lists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class RegisterRow(Base):
    """An organisation's register: published or not (none until it is published)."""

    __tablename__ = "registers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), unique=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the register was last published (None: the public sees nothing)."""
    published_by: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))


class RegisterEntryRow(Base):
    """A system the organisation lists on its register, with the facts only the register
    records (the division responsible, the AI's contribution to decisions)."""

    __tablename__ = "register_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), unique=True
    )
    division: Mapped[str] = mapped_column(String(200))
    contribution: Mapped[str] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
