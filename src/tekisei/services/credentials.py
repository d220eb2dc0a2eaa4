"""Content credentials for generated images: the deployment's signing PKI, signing with a
keyed watermark as soft binding, and verification that falls back to the watermark when
the manifest was stripped, offering the stored manifest only for a picture that looks
like the signed one."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.orgs import OrgRow
from tekisei.db.provenance import ImageCredentialRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.provenance import (
    HASH_BOUND,
    LEGACY_WATERMARK_ALG,
    WATERMARK_ALG,
    ImageCheck,
    Pki,
    check_image,
    decode_payload,
    embed_watermark,
    format_asset_id,
    hash_distance,
    image_fits,
    init_pki,
    payload_bits,
    perceptual_hash,
    read_bits,
    read_watermark,
    sign_image,
)
from tekisei.services import audit, scope, systems

__all__ = [
    "WATERMARK_ALG",
    "ImageCheck",
    "ImageVerification",
    "Recovered",
    "WatermarkFinding",
    "credential_by_asset",
    "find_by_binding",
    "pki",
    "pki_init",
    "sign",
    "trust_anchor",
    "verify",
    "watermark_key",
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


_KEY_INFO = b"tekisei image watermark key v1"
_ASSET_ID = re.compile(r"[0-9a-f]{12}")
_LEGACY_ASSET_ID = re.compile(r"[0-9a-f]{8}")


def watermark_key(master: bytes) -> bytes:
    """The deployment's image watermark key: HKDF-SHA256 of the master key (itself
    derived from the deployment secret), so that only this deployment can write an asset
    id into a picture or read one out."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(master)


def _invalid(exc: ValueError) -> InvalidInputError:
    return InvalidInputError(
        f"this image cannot be used: {exc}",
        ja="この画像は扱えません。壊れていない PNG または JPEG の画像を選んでください。",
    )


def _by_asset(session: Session, asset_id: str) -> ImageCredentialRow | None:
    return session.scalars(
        select(ImageCredentialRow).where(ImageCredentialRow.asset_id == asset_id)
    ).one_or_none()


def _new_asset_id(session: Session) -> int:
    while True:  # 48 random bits: a repeat is rare even among millions of images
        asset = secrets.randbits(48)
        if _by_asset(session, format_asset_id(asset)) is None:
            return asset


def sign(
    session: Session,
    principal: Principal,
    data_dir: Path,
    data: bytes,
    system_id: int,
    generator: str,
    *,
    master: bytes,
) -> tuple[bytes, ImageCredentialRow]:
    """Watermark an AI-generated image with a fresh 48-bit asset id under the deployment's
    watermark key, sign C2PA content credentials for it (naming the system and generator,
    with the watermark as soft binding) and keep the manifest and the signed image's
    perceptual hash for lookups.

    An image smaller than 256 pixels a side, or one whose watermark does not read back
    (too flat to carry it), is signed without a watermark and without a soft binding.

    Raises:
        InvalidInputError: not a PNG/JPEG, or no PKI yet.
    """
    system = systems.visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    signing = pki(data_dir)
    if not signing.exists():
        raise InvalidInputError(
            "there is no signing PKI yet; run: tekisei provenance pki init",
            ja="署名用の証明書がまだありません。tekisei provenance pki init を実行してください。",
        )
    key = watermark_key(master)
    asset = _new_asset_id(session)
    try:
        marked, alg = data, None
        if image_fits(data):
            candidate = embed_watermark(data, key, asset)
            read = read_watermark(candidate, key)
            if read is not None and read[0] == asset:
                marked, alg = candidate, WATERMARK_ALG
        binding = format_asset_id(asset) if alg else None
        signed = sign_image(
            marked, signing, generator=generator, system=system.name, soft_binding=binding
        )
        check = check_image(signed, trust_anchor(data_dir))
        pictured = perceptual_hash(signed)
    except ValueError as exc:
        raise _invalid(exc) from None
    row = ImageCredentialRow(
        org_id=principal.org_id,
        system_id=system.id,
        asset_id=format_asset_id(asset),
        watermark_alg=alg,
        perceptual_hash=f"{pictured:016x}",
        generator=generator,
        mime="image/png" if signed.startswith(b"\x89PNG") else "image/jpeg",
        signed_sha256=hashlib.sha256(signed).hexdigest(),
        manifest=check.manifest or {},
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
        {"system": system.id, "generator": generator, "sha256": row.signed_sha256,
         "watermark": alg},
    )  # fmt: skip
    return signed, row


class WatermarkFinding(StrEnum):
    """What the watermark said, when it was read."""

    NOT_CHECKED = "not_checked"
    """The image carries content credentials: they decide, the watermark is not read."""
    TOO_SMALL = "too_small"
    """Smaller than 256 pixels a side: no watermark can be there."""
    ABSENT = "absent"
    """No watermark of this deployment (or one of an image no longer kept)."""
    MISMATCH = "mismatch"
    """A watermark naming a signed image, in a picture that does not look like it (a
    copied watermark): no credentials are offered."""
    FOUND = "found"
    """A watermark naming a signed image that this picture looks like."""


class Recovered(BaseModel):
    """Credentials of a possibly related image: the stored manifest of a signed image
    whose watermark this picture carries and which it looks like (perceptual hashes
    within ``hash_bound`` bits). They describe the signed image, not this picture."""

    asset_id: str
    generator: str
    signed_on: date
    bits_corrected: int
    """Watermark bits the error-correcting code had to correct."""
    bits_total: int
    hash_distance: int
    """Bits (of 64) by which this picture's perceptual hash differs from the signed image's."""
    hash_bound: int
    system_id: int | None = None
    """The signing system, for those who may see it."""
    manifest: dict[str, Any] | None = None
    """The stored manifest (it names the system), for those who may see the system."""


class ImageVerification(BaseModel):
    """What an image's credentials and watermark say."""

    c2pa: ImageCheck
    watermark: WatermarkFinding = WatermarkFinding.NOT_CHECKED
    recovered: Recovered | None = None


def verify(
    session: Session,
    data_dir: Path,
    data: bytes,
    principal: Principal | None = None,
    *,
    master: bytes,
) -> ImageVerification:
    """Check an image: the embedded C2PA credentials against the deployment's root; only
    when there are none, the watermark under the deployment's key, looked up by its exact
    asset id and offered as credentials of a possibly related image when the picture's
    perceptual hash is within ``HASH_BOUND`` bits of the signed image's.

    A manifest found again names its system only to a ``principal`` who may see that
    system; anyone else gets what the public page shows.

    Raises:
        InvalidInputError: not a PNG/JPEG, or unreadable.
    """
    try:
        check = check_image(data, trust_anchor(data_dir))
        if check.present:
            return ImageVerification(c2pa=check)
        bits = read_bits(data)
    except ValueError as exc:
        raise _invalid(exc) from None
    if bits is None:
        return ImageVerification(c2pa=check, watermark=WatermarkFinding.TOO_SMALL)
    decoded = decode_payload(watermark_key(master), bits)
    row = _by_asset(session, format_asset_id(decoded[0])) if decoded else None
    if decoded is None or row is None or row.watermark_alg != WATERMARK_ALG:
        return ImageVerification(c2pa=check, watermark=WatermarkFinding.ABSENT)
    distance = (
        hash_distance(perceptual_hash(data), int(row.perceptual_hash, 16))
        if row.perceptual_hash
        else None
    )
    if distance is None or distance > HASH_BOUND:
        return ImageVerification(c2pa=check, watermark=WatermarkFinding.MISMATCH)
    visible = principal is not None and scope.system_is_visible(session, principal, row.system_id)
    return ImageVerification(
        c2pa=check,
        watermark=WatermarkFinding.FOUND,
        recovered=Recovered(
            asset_id=row.asset_id,
            generator=row.generator,
            signed_on=row.created_at.date(),
            bits_corrected=decoded[1],
            bits_total=payload_bits(),
            hash_distance=distance,
            hash_bound=HASH_BOUND,
            system_id=row.system_id if visible else None,
            manifest=row.manifest if visible else None,
        ),
    )


def find_by_binding(session: Session, alg: str, value: str) -> list[str]:
    """Asset ids whose soft binding is exactly ``value`` (C2PA soft-binding lookup).

    Raises:
        InvalidInputError: another algorithm (the earlier 32-bit one included), or a value
            that is not 12 lower-case hex digits.
    """
    if alg == LEGACY_WATERMARK_ALG:
        raise InvalidInputError(
            f"{LEGACY_WATERMARK_ALG} is the earlier 32-bit watermark, no longer looked up "
            f"(too many chance matches); this service uses {WATERMARK_ALG}",
            ja=f"{LEGACY_WATERMARK_ALG} は以前の32ビットの透かしで、偶然の一致が多いため照会を"
            f"やめました。現在の方式は {WATERMARK_ALG} です。",
        )
    if alg != WATERMARK_ALG:
        raise InvalidInputError(
            f"unknown soft-binding algorithm; this service uses {WATERMARK_ALG}",
            ja="指定されたソフトバインディングの方式には対応していません。"
            f"現在の方式は {WATERMARK_ALG} です。",
        )
    if not _ASSET_ID.fullmatch(value):
        raise InvalidInputError(
            f"the value of {WATERMARK_ALG} is 12 lower-case hex digits (0-9, a-f)",
            ja=f"{WATERMARK_ALG} の値は16進数12桁（0〜9 と小文字の a〜f）で指定してください。",
        )
    row = _by_asset(session, value)
    return [row.asset_id] if row is not None and row.watermark_alg == WATERMARK_ALG else []


def credential_by_asset(session: Session, asset_id: str) -> ImageCredentialRow:
    """A signed image's record by its asset id (12 hex digits; 8 for images signed with
    the earlier 32-bit watermark).

    Raises:
        NotFoundError: none, or not an asset id.
    """
    shaped = _ASSET_ID.fullmatch(asset_id) or _LEGACY_ASSET_ID.fullmatch(asset_id)
    row = _by_asset(session, asset_id) if shaped else None
    if row is None:
        raise NotFoundError("no such manifest", ja="そのマニフェストはありません。")
    return row
