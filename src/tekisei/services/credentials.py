"""Content credentials for generated images: the deployment's signing PKI, signing with a
watermark soft binding, and verification that falls back to the watermark when the
manifest was stripped."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.orgs import OrgRow
from tekisei.db.provenance import ImageCredentialRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.provenance import (
    MIN_BITS,
    WATERMARK_ALG,
    ImageCheck,
    Pki,
    bits_matching,
    check_image,
    embed_watermark,
    init_pki,
    manifest_store,
    read_watermark,
    sign_image,
)
from tekisei.services import audit, scope, systems
from tekisei.services.image_inputs import DEFAULT_MAX_PIXELS, refuse_oversized, refused_image

__all__ = [
    "WATERMARK_ALG",
    "ImageCheck",
    "ImageVerification",
    "Recovered",
    "credential_by_asset",
    "find_by_binding",
    "pki",
    "pki_init",
    "sign",
    "trust_anchor",
    "verify",
]


def pki(data_dir: Path) -> Pki:
    """The deployment's signing PKI (``<data_dir>/pki``)."""
    return Pki(data_dir / "pki")


def pki_init(session: Session, principal: Principal, data_dir: Path) -> Pki:
    """Create the deployment's root CA and claim-signing certificate.

    Raises:
        PermissionDeniedError: only those who manage the organisation may.
        ConflictError: a PKI exists already (it is never replaced silently).
    """
    require(principal, Permission.MANAGE_ORG)
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    try:
        made = init_pki(data_dir / "pki", org.name)
    except FileExistsError:
        raise ConflictError(
            "this deployment already has a signing PKI in <data_dir>/pki",
            ja="この環境にはすでに署名用の証明書があります（<data_dir>/pki）。",
        ) from None
    audit.record(session, org, principal.email, "provenance.pki_init", "pki", "c2pa", {})
    return made


def trust_anchor(data_dir: Path) -> str | None:
    """The root certificate (PEM) verifiers trust, when there is one."""
    found = pki(data_dir)
    return found.root.read_text(encoding="ascii") if found.root.is_file() else None


def _invalid(exc: ValueError) -> InvalidInputError:
    return refused_image(exc)


def sign(
    session: Session,
    principal: Principal,
    data_dir: Path,
    data: bytes,
    system_id: int,
    generator: str,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[bytes, ImageCredentialRow]:
    """Watermark an AI-generated image with a fresh 32-bit asset id, sign C2PA content
    credentials for it (naming the system and generator, with the watermark as soft
    binding) and keep the manifest for lookups.

    Raises:
        InvalidInputError: not a PNG/JPEG of at least 256×256 and at most ``max_pixels``
            pixels, or no PKI yet.
    """
    refuse_oversized(data, max_pixels)
    system = systems.visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    signing = pki(data_dir)
    if not signing.exists():
        raise InvalidInputError(
            "there is no signing PKI yet; run: tekisei provenance pki init",
            ja="署名用の証明書がまだありません。tekisei provenance pki init を実行してください。",
        )
    taken = set(session.scalars(select(ImageCredentialRow.asset_id)))
    asset = secrets.randbits(32)
    while f"{asset:08x}" in taken:
        asset = secrets.randbits(32)
    try:
        marked = embed_watermark(data, asset)
        signed = sign_image(
            marked, signing, generator=generator, system=system.name, soft_binding=f"{asset:08x}"
        )
        check = check_image(signed, trust_anchor(data_dir))
    except ValueError as exc:
        raise _invalid(exc) from None
    row = ImageCredentialRow(
        org_id=principal.org_id,
        system_id=system.id,
        asset_id=f"{asset:08x}",
        generator=generator,
        mime="image/png" if signed.startswith(b"\x89PNG") else "image/jpeg",
        signed_sha256=hashlib.sha256(signed).hexdigest(),
        manifest=check.manifest or {},
        manifest_store=manifest_store(signed),
        created_by=principal.email,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    audit.record(
        session,
        org,
        principal.email,
        "provenance.image_sign",
        "image",
        row.asset_id,
        {"system": system.id, "generator": generator, "sha256": row.signed_sha256},
    )
    return signed, row


class Recovered(BaseModel):
    """A manifest found again through the watermark (the embedded one was stripped)."""

    asset_id: str
    bits_matched: int
    system_id: int | None
    """The signing system, for those who may see it."""
    generator: str
    signed_at: datetime
    manifest: dict[str, Any]


class ImageVerification(BaseModel):
    """What an image's credentials and watermark say."""

    c2pa: ImageCheck
    watermark_bits_matched: int | None = None
    """Bits agreeing with the asset id the credentials (or the lookup) name."""
    recovered: Recovered | None = None


def _nearest(session: Session, value: int) -> tuple[ImageCredentialRow, int] | None:
    best: tuple[ImageCredentialRow, int] | None = None
    for row in session.scalars(select(ImageCredentialRow)):
        matched = bits_matching(int(row.asset_id, 16), value)
        if matched >= MIN_BITS and (best is None or matched > best[1]):
            best = (row, matched)
    return best


def verify(
    session: Session, data_dir: Path, data: bytes, principal: Principal | None = None
) -> ImageVerification:
    """Check an image: the embedded C2PA credentials against the deployment's root; when
    there are none, the watermark, matched (≥ 29 of 32 bits) against signed images.

    A manifest found again names its system only to a ``principal`` who may see that
    system; anyone else gets what the public gets.

    Raises:
        InvalidInputError: not a PNG/JPEG, or unreadable.
    """
    try:
        check = check_image(data, trust_anchor(data_dir))
    except ValueError as exc:
        raise _invalid(exc) from None
    try:
        value = read_watermark(data)
    except ValueError:
        value = None  # too small for a watermark: only the credentials count
    if check.present:
        matched = None
        if check.soft_binding and value is not None:
            matched = bits_matching(int(check.soft_binding, 16), value)
        return ImageVerification(c2pa=check, watermark_bits_matched=matched)
    found = _nearest(session, value) if value is not None else None
    if found is None:
        return ImageVerification(c2pa=check)
    row, bits = found
    return ImageVerification(
        c2pa=check,
        watermark_bits_matched=bits,
        recovered=Recovered(
            asset_id=row.asset_id,
            bits_matched=bits,
            system_id=row.system_id
            if principal is not None and scope.system_is_visible(session, principal, row.system_id)
            else None,
            generator=row.generator,
            signed_at=row.created_at,
            manifest=row.manifest,
        ),
    )


def find_by_binding(session: Session, alg: str, value: str) -> list[str]:
    """Asset ids whose soft binding matches (C2PA soft-binding lookup).

    Raises:
        InvalidInputError: another algorithm, or not 8 hex digits.
    """
    if alg != WATERMARK_ALG:
        raise InvalidInputError(
            f"unknown soft-binding algorithm {alg!r}; this service uses {WATERMARK_ALG}",
            ja=f"ソフトバインディングの方式 {alg!r} には対応していません。",
        )
    try:
        wanted = int(value, 16)
    except ValueError:
        raise InvalidInputError(
            "the value is 8 hex digits", ja="値は16進数8桁で指定してください。"
        ) from None
    found = _nearest(session, wanted)
    return [found[0].asset_id] if found else []


def credential_by_asset(session: Session, asset_id: str) -> ImageCredentialRow:
    """A signed image's record by its asset id.

    Raises:
        NotFoundError: none.
    """
    row = session.scalars(
        select(ImageCredentialRow).where(ImageCredentialRow.asset_id == asset_id.lower())
    ).first()
    if row is None:
        raise NotFoundError(f"no manifest {asset_id}", ja=f"マニフェスト {asset_id} はありません。")
    return row
