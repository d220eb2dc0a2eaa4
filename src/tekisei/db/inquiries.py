"""Tables of inquiries and requests from the public (guideline fn 17, fn 18, 2(5))."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class InquiryRow(Base):
    """One inquiry, as it stands now. The sender's personal data (``name``, ``contact``,
    ``subject``, ``message``) is erased after the retention period, the rest is kept."""

    __tablename__ = "inquiries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    tracking: Mapped[str] = mapped_column(String(20), unique=True)
    """What the sender quotes (``INQ-…``); with the secret it opens the status page."""
    secret_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the sender's secret; the secret itself is never stored."""
    form_nonce: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    """The nonce of the form it was sent with: a form is sent once."""
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(254))
    lang: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(Text)
    """Why it was rejected (shown to the sender)."""
    system_id: Mapped[int | None] = mapped_column(
        ForeignKey("systems.id", ondelete="SET NULL"), index=True, nullable=True
    )
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset_records.id", ondelete="SET NULL"), nullable=True
    )
    holder_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_holders.id", ondelete="SET NULL"), nullable=True
    )
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    first_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    """When it was closed or rejected (the retention period counts from here)."""
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    """The answered inquiry as evidence for fn 17 / fn 18 in its system's assessment."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class InquiryEntryRow(Base):
    """One entry of an inquiry's history: an internal note, a reply to the sender, a
    change of state, assignment or links, the erasure of personal data."""

    __tablename__ = "inquiry_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    inquiry_id: Mapped[int] = mapped_column(
        ForeignKey("inquiries.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    """The state it moved to (a change of state), else empty."""
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(320))


class InquirySettingsRow(Base):
    """An organisation's days to answer per kind and its retention of personal data."""

    __tablename__ = "inquiry_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    due_days: Mapped[dict[str, int]] = mapped_column(JSON)
    retention_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
