"""Content credentials for generated images: the deployment's signing PKI, signing with a
keyed watermark as soft binding, and verification that falls back to the watermark when
the manifest was stripped, offering the stored manifest only for a picture that looks
like the signed one."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.orgs import OrgRow
from tekisei.db.provenance import ImageCredentialRow
from tekisei.errors import ConfigError, ConflictError, InvalidInputError, NotFoundError
from tekisei.provenance import (
    HASH_BOUND,
    LEGACY_WATERMARK_ALG,
    WATERMARK_ALG,
    ClaimSigner,
    DeploymentPki,
    ImageCheck,
    PkiKeyError,
    TimeStampError,
    check_image,
    decode_payload,
    decode_picture,
    embed_watermark,
    format_asset_id,
    hash_distance,
    image_fits,
    manifest_store,
    payload_bits,
    perceptual_hash,
    read_bits,
    read_watermark,
    sign_image,
)
from tekisei.services import audit, scope, systems, timestamps
from tekisei.services.image_inputs import DEFAULT_MAX_PIXELS, refuse_oversized, refused_image

__all__ = [
    "WATERMARK_ALG",
    "CertificateOut",
    "ImageCheck",
    "ImageVerification",
    "PkiOut",
    "Recovered",
    "WatermarkFinding",
    "binding_asset_id",
    "credential_by_asset",
    "credential_by_manifest_id",
    "find_by_binding",
    "issued_certificates",
    "manifest_id",
    "org_signer",
    "pki",
    "pki_init",
    "pki_show",
    "sign",
    "trust_anchor",
    "trust_anchors",
    "verify",
    "watermark_key",
]


def pki(data_dir: Path, master: bytes | None = None) -> DeploymentPki:
    """The deployment's signing PKI (``<data_dir>/pki``); ``master`` (the deployment's
    master key) opens its sealed private keys."""
    return DeploymentPki(data_dir / "pki", master)


def unopenable(exc: PkiKeyError) -> ConfigError:
    """A signing key that does not open with this deployment secret, as the error people
    see (what to do, in their language)."""
    return ConfigError(str(exc), ja=exc.ja)


class CertificateOut(BaseModel):
    """A certificate as people read it."""

    subject: str
    serial: str
    """Decimal, as C2PA readers show it."""
    not_before: datetime
    not_after: datetime
    sha256: str
    """The fingerprint of the DER certificate."""


def _certificate(found: x509.Certificate) -> CertificateOut:
    return CertificateOut(
        subject=found.subject.rfc4514_string(),
        serial=str(found.serial_number),
        not_before=found.not_valid_before_utc,
        not_after=found.not_valid_after_utc,
        sha256=found.fingerprint(hashes.SHA256()).hex(),
    )


class PkiOut(BaseModel):
    """An organisation's image signer, the roots verifiers trust, and the time-stamps."""

    signer: CertificateOut | None
    """The organisation's current signing certificate (none until it first signs)."""
    trust_anchors: list[CertificateOut]
    time_stamp_authority: str


def _org_row(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _not_set_up() -> InvalidInputError:
    return InvalidInputError(
        "there is no signing PKI yet; run: tekisei provenance pki init",
        ja="署名用の証明書がまだありません。tekisei provenance pki init を実行してください。",
    )


def _unnamable(org: OrgRow) -> InvalidInputError:
    return InvalidInputError(
        f"the organisation's name {org.name!r} has nothing a certificate can hold; rename it",
        ja="組織名に証明書に書ける文字がありません。組織名を変えてください。",
    )


def org_signer(
    session: Session, principal: Principal, data_dir: Path, master: bytes
) -> ClaimSigner:
    """The caller's organisation's claim-signing certificate, issued from the deployment
    root on first need (and again when it nears its expiry or the organisation was
    renamed). A deployment set up before per-organisation signers gets its new root here.

    Raises:
        InvalidInputError: signing was never set up.
        ConfigError: the signing keys do not open with this deployment secret.
    """
    deployment = pki(data_dir, master)
    if not deployment.exists():
        raise _not_set_up()
    org = _org_row(session, principal)
    try:
        deployment.ensure_root()
        return deployment.signer(org.id, org.name)
    except PkiKeyError as exc:
        raise unopenable(exc) from None
    except ValueError:
        raise _unnamable(org) from None


def pki_init(session: Session, principal: Principal, data_dir: Path, *, master: bytes) -> PkiOut:
    """Issue the caller's organisation its claim-signing certificate, creating the
    deployment's root CA first when there is none.

    Raises:
        PermissionDeniedError: only those who manage the organisation may.
        ConflictError: the organisation has a signing certificate already (it is renewed
            by itself before it expires, never replaced silently).
        InvalidInputError: the organisation's name cannot go in a certificate.
        ConfigError: the signing keys do not open with this deployment secret.
    """
    require(principal, Permission.MANAGE_ORG)
    org = _org_row(session, principal)
    deployment = pki(data_dir, master)
    if deployment.has_root() and deployment.current_certificate(org.id) is not None:
        raise ConflictError(
            f"{org.name} already has an image signing certificate",
            ja=f"{org.name} にはすでに画像署名用の証明書があります。",
        )
    root_made = not deployment.has_root()
    try:
        deployment.ensure_root()
        made = deployment.issue(org.id, org.name)
    except PkiKeyError as exc:
        raise unopenable(exc) from None
    except ValueError:
        raise _unnamable(org) from None
    audit.record(
        session,
        org,
        principal.email,
        "provenance.pki_init",
        "pki",
        "c2pa",
        {"serial": str(made.certificate.serial_number), "root_created": root_made},
    )
    return pki_show(session, principal, data_dir)


def pki_show(
    session: Session, principal: Principal, data_dir: Path, time_stamps: str = "own"
) -> PkiOut:
    """The caller's organisation's signer, the trust anchors and the time-stamp authority
    (``time_stamps``: the ``TEKISEI_TSA_URL`` setting)."""
    deployment = pki(data_dir)
    org = _org_row(session, principal)
    current = deployment.current_certificate(org.id)
    return PkiOut(
        signer=_certificate(current) if current is not None else None,
        trust_anchors=[
            _certificate(x509.load_pem_x509_certificate(pem.encode("ascii")))
            for pem in deployment.trust_anchors()
        ],
        time_stamp_authority=timestamps.authority_in_use(time_stamps),
    )


def trust_anchors(data_dir: Path) -> list[str]:
    """The root certificates (PEM each) verifiers trust: the deployment root, and the root
    of the deployment's earlier single signer when it had one."""
    return pki(data_dir).trust_anchors()


def trust_anchor(data_dir: Path) -> str | None:
    """The trust anchors as one PEM text, when there are any."""
    return "".join(trust_anchors(data_dir)) or None


def issued_certificates(data_dir: Path) -> list[x509.Certificate]:
    """Every claim-signing certificate the deployment issued (to tell an expired one of
    ours from a stranger's)."""
    return pki(data_dir).all_issued()


_KEY_INFO = b"tekisei image watermark key v1"
_ASSET_ID = re.compile(r"[0-9a-f]{12}")
_LEGACY_ASSET_ID = re.compile(r"[0-9a-f]{8}")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}")
MANIFEST_LABEL = re.compile(r"urn:(?:c2pa|uuid):[0-9A-Za-z][0-9A-Za-z:._-]{0,89}")
"""A C2PA manifest label (``urn:c2pa:<uuid>``, ``urn:uuid:<uuid>`` before C2PA 2.0, with
the optional claim generator and version suffixes): what the Soft Binding Resolution API
names a manifest by."""


def watermark_key(master: bytes) -> bytes:
    """The deployment's image watermark key: HKDF-SHA256 of the master key (itself
    derived from the deployment secret), so that only this deployment can write an asset
    id into a picture or read one out."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(master)


def _invalid(exc: ValueError) -> InvalidInputError:
    return refused_image(exc)


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
    time_stamps: str = "own",
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[bytes, ImageCredentialRow]:
    """Watermark an AI-generated image with a fresh 48-bit asset id under the deployment's
    watermark key, sign C2PA content credentials for it (naming the generator, not the system,
    with the watermark as soft binding) and keep the manifest and the signed image's
    perceptual hash for lookups. The organisation's own certificate signs, time-stamped
    as ``time_stamps`` says (``TEKISEI_TSA_URL``: ``own``, ``none`` or a URL).

    An image smaller than 256 pixels a side, or one whose watermark does not read back
    (too flat to carry it), is signed without a watermark and without a soft binding.

    Raises:
        InvalidInputError: not a PNG/JPEG of at most ``max_pixels`` pixels, no PKI yet,
            or the time-stamp authority did not answer.
    """
    refuse_oversized(data, max_pixels)
    system = systems.visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    signing = org_signer(session, principal, data_dir, master)
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
        with timestamps.time_stamp_url(time_stamps, data_dir, master=master) as tsa:
            signed = sign_image(
                marked,
                signing,
                generator=generator,  # the system's name stays inside the deployment
                soft_binding=binding,
                watermarked=alg is not None,
                time_stamp_url=tsa,
            )
        check = check_image(signed, trust_anchor(data_dir))
        pictured = perceptual_hash(signed)
    except ValueError as exc:
        raise _invalid(exc) from None
    except TimeStampError as exc:
        raise InvalidInputError(
            f"{exc}; check TEKISEI_TSA_URL, or set it to 'own' to use this deployment's "
            "own time-stamps",
            ja="タイムスタンプ局から応答がありませんでした。TEKISEI_TSA_URL を確かめるか、"
            "own（この環境のタイムスタンプ）にしてください。",
        ) from None
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
        manifest_label=_label(check.manifest),
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
        {"system": system.id, "generator": generator, "sha256": row.signed_sha256,
         "watermark": alg},
    )  # fmt: skip
    return signed, row


def _label(manifest: dict[str, Any] | None) -> str | None:
    label = (manifest or {}).get("label")
    return label if isinstance(label, str) and MANIFEST_LABEL.fullmatch(label) else None


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
    """The stored manifest, for those who may see the system."""


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
        check = check_image(data, trust_anchor(data_dir), issued=issued_certificates(data_dir))
        if check.present:
            return ImageVerification(c2pa=check)
        picture = decode_picture(data)  # once, for the watermark and the perceptual hash
        bits = read_bits(picture)
    except ValueError as exc:
        raise _invalid(exc) from None
    if bits is None:
        return ImageVerification(c2pa=check, watermark=WatermarkFinding.TOO_SMALL)
    decoded = decode_payload(watermark_key(master), bits)
    row = _by_asset(session, format_asset_id(decoded[0])) if decoded else None
    if decoded is None or row is None or row.watermark_alg != WATERMARK_ALG:
        return ImageVerification(c2pa=check, watermark=WatermarkFinding.ABSENT)
    distance = (
        hash_distance(perceptual_hash(picture), int(row.perceptual_hash, 16))
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


def binding_asset_id(value: str) -> str | None:
    """The asset id (12 hex digits) a soft-binding value names, or None when the value is
    not one. Accepted, strictly (canonical encodings only, no blanks):

    - base64 (standard or URL-safe alphabet, padding optional) of the 6 bytes of the
      48-bit asset id, big-endian: the C2PA Soft Binding Resolution API's encoding of
      this algorithm's value (8 characters);
    - base64 of the 12 hex digits as ASCII text (what a client gets by base64-encoding
      the value it read from the manifest's soft-binding assertion; 16 characters);
    - the 12 lower-case hex digits themselves, as earlier clients of this service sent.
    """
    if _ASSET_ID.fullmatch(value):
        return value
    if not _BASE64.fullmatch(value):
        return None
    body = value.rstrip("=")
    if len(body) not in (8, 16) or (value != body and len(value) % 4):
        return None
    try:
        raw = base64.urlsafe_b64decode(
            body.replace("+", "-").replace("/", "_") + "=" * (-len(body) % 4)
        )
    except (binascii.Error, ValueError):
        return None
    canonical = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    if canonical != body.replace("+", "-").replace("/", "_"):
        return None  # stray bits: not an encoding base64 itself would give
    if len(raw) == 6:
        return raw.hex()
    text = raw.decode("ascii", errors="replace")
    return text if _ASSET_ID.fullmatch(text) else None


def manifest_id(row: ImageCredentialRow) -> str:
    """The identifier the Soft Binding Resolution API names a signed image's manifest by:
    its manifest label (``urn:c2pa:<uuid>``), or the asset id for a record without one."""
    return row.manifest_label or row.asset_id


def find_by_binding(session: Session, alg: str, value: str) -> list[str]:
    """Manifest ids (:func:`manifest_id`) whose soft binding is exactly ``value`` (C2PA
    soft-binding lookup; ``value`` as :func:`binding_asset_id` reads it).

    Raises:
        InvalidInputError: another algorithm (the earlier 32-bit one included), or a value
            that names no 48-bit asset id.
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
    asset = binding_asset_id(value)
    if asset is None:
        raise InvalidInputError(
            f"the value of {WATERMARK_ALG} is the base64 of the 6-byte asset id (8 "
            "characters, as the C2PA Soft Binding Resolution API sends it), or its 12 "
            "lower-case hex digits (0-9, a-f)",
            ja=f"{WATERMARK_ALG} の値は、6バイトの画像IDを base64 にしたもの（8文字。C2PA の"
            "ソフトバインディング照会 API の形式）か、16進数12桁（0〜9 と小文字の a〜f）で"
            "指定してください。",
        )
    row = _by_asset(session, asset)
    return [manifest_id(row)] if row is not None and row.watermark_alg == WATERMARK_ALG else []


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


def credential_by_manifest_id(session: Session, manifest: str) -> ImageCredentialRow:
    """A signed image's record by the Soft Binding Resolution API's manifest id: its
    manifest label (``urn:c2pa:<uuid>``) or, as earlier answers gave, its asset id.

    Raises:
        NotFoundError: none, or neither a label nor an asset id.
    """
    if MANIFEST_LABEL.fullmatch(manifest):
        row = session.scalars(
            select(ImageCredentialRow).where(ImageCredentialRow.manifest_label == manifest)
        ).one_or_none()
        if row is None:
            raise NotFoundError("no such manifest", ja="そのマニフェストはありません。")
        return row
    return credential_by_asset(session, manifest)
