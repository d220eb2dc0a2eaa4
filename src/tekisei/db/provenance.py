"""Table of the watermark key registry (secrets sealed with the deployment secret)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class ProvenanceKeyRow(Base):
    """One watermark key of one organisation."""

    __tablename__ = "provenance_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[str] = mapped_column(String(40), unique=True)
    scheme: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    tokenizer_sha256: Mapped[str] = mapped_column(String(64))
    tokenizer_name: Mapped[str] = mapped_column(String(200))
    secret_sealed: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    replaced_by: Mapped[str | None] = mapped_column(String(40))
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the organisation retired the key: it verifies no new text after that."""
    retired_by: Mapped[str | None] = mapped_column(String(320))


class ImageCredentialRow(Base):
    """An image signed by the deployment: its asset id (the watermark's payload and the
    soft-binding value), its perceptual hash and the manifest, so that a copy whose
    manifest was stripped can be matched back."""

    __tablename__ = "image_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int | None] = mapped_column(
        ForeignKey("systems.id", ondelete="SET NULL"), index=True
    )
    asset_id: Mapped[str] = mapped_column(String(16), unique=True)
    """The 48-bit asset id as 12 hex digits (8 hex digits: the earlier 32-bit watermark);
    the watermark lookup is one query on its unique index."""
    watermark_alg: Mapped[str | None] = mapped_column(String(40))
    """The soft-binding algorithm of the watermark the image carries; None when it carries
    none (smaller than 256 pixels a side, or the watermark did not read back)."""
    perceptual_hash: Mapped[str | None] = mapped_column(String(16))
    """64-bit pHash of the signed image (16 hex digits); None for images signed before it
    was kept, which are therefore never offered through the watermark."""
    generator: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(40))
    signed_sha256: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    manifest_label: Mapped[str | None] = mapped_column(String(100), unique=True)
    """The active manifest's label (``urn:c2pa:<uuid>``): the manifest identifier of the
    Soft Binding Resolution API. None for a record whose manifest had none."""
    manifest_store: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    """The signed C2PA manifest store (JUMBF) as embedded, served as ``application/c2pa``."""
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SystemProvenanceRow(Base):
    """Which provenance mechanisms a system uses (guideline 2(3))."""

    __tablename__ = "system_provenance"

    system_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    text_key_id: Mapped[str | None] = mapped_column(String(40))
    c2pa: Mapped[bool] = mapped_column(Boolean, default=False)
    other: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProvenanceCheckRow(Base):
    """A verification of a system's sample outputs, kept as evidence."""

    __tablename__ = "provenance_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    texts: Mapped[int] = mapped_column(Integer)
    texts_detected: Mapped[int] = mapped_column(Integer)
    images: Mapped[int] = mapped_column(Integer)
    images_verified: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    details: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    checked_by: Mapped[str] = mapped_column(String(320))
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime())
