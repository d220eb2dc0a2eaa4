"""Content credentials for generated images: the deployment's signing PKI, signing with a
watermark soft binding, and verification that falls back to the watermark when the
manifest was stripped."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
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
    ClaimSigner,
    DeploymentPki,
    ImageCheck,
    TimeStampError,
    bits_matching,
    check_image,
    embed_watermark,
    read_watermark,
    sign_image,
)
from tekisei.services import audit, scope, systems, timestamps

__all__ = [
    "WATERMARK_ALG",
    "CertificateOut",
    "ImageCheck",
    "ImageVerification",
    "PkiOut",
    "Recovered",
    "credential_by_asset",
    "find_by_binding",
    "issued_certificates",
    "org_signer",
    "pki",
    "pki_init",
    "pki_show",
    "sign",
    "trust_anchor",
    "trust_anchors",
    "verify",
]


def pki(data_dir: Path) -> DeploymentPki:
    """The deployment's signing PKI (``<data_dir>/pki``)."""
    return DeploymentPki(data_dir / "pki")


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


def org_signer(session: Session, principal: Principal, data_dir: Path) -> ClaimSigner:
    """The caller's organisation's claim-signing certificate, issued from the deployment
    root on first need (and again when it nears its expiry or the organisation was
    renamed). A deployment set up before per-organisation signers gets its new root here.

    Raises:
        InvalidInputError: signing was never set up.
    """
    deployment = pki(data_dir)
    if not deployment.exists():
        raise _not_set_up()
    org = _org_row(session, principal)
    deployment.ensure_root()
    try:
        return deployment.signer(org.id, org.name)
    except ValueError:
        raise _unnamable(org) from None


def pki_init(session: Session, principal: Principal, data_dir: Path) -> PkiOut:
    """Issue the caller's organisation its claim-signing certificate, creating the
    deployment's root CA first when there is none.

    Raises:
        PermissionDeniedError: only those who manage the organisation may.
        ConflictError: the organisation has a signing certificate already (it is renewed
            by itself before it expires, never replaced silently).
        InvalidInputError: the organisation's name cannot go in a certificate.
    """
    require(principal, Permission.MANAGE_ORG)
    org = _org_row(session, principal)
    deployment = pki(data_dir)
    if deployment.has_root() and deployment.current_signer(org.id) is not None:
        raise ConflictError(
            f"{org.name} already has an image signing certificate",
            ja=f"{org.name} にはすでに画像署名用の証明書があります。",
        )
    root_made = not deployment.has_root()
    deployment.ensure_root()
    try:
        made = deployment.issue(org.id, org.name)
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
    current = deployment.current_signer(org.id)
    return PkiOut(
        signer=_certificate(current.certificate) if current is not None else None,
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


def _invalid(exc: ValueError) -> InvalidInputError:
    return InvalidInputError(str(exc), ja=f"この画像は扱えません: {exc}")


def sign(
    session: Session,
    principal: Principal,
    data_dir: Path,
    data: bytes,
    system_id: int,
    generator: str,
    *,
    time_stamps: str = "own",
) -> tuple[bytes, ImageCredentialRow]:
    """Watermark an AI-generated image with a fresh 32-bit asset id, sign C2PA content
    credentials for it (naming the system and generator, with the watermark as soft
    binding) and keep the manifest for lookups. The organisation's own certificate
    signs, time-stamped as ``time_stamps`` says (``TEKISEI_TSA_URL``: ``own``, ``none``
    or a URL).

    Raises:
        InvalidInputError: not a PNG/JPEG of at least 256×256, no PKI yet, or the
            time-stamp authority did not answer.
    """
    system = systems.visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    signing = org_signer(session, principal, data_dir)
    taken = set(session.scalars(select(ImageCredentialRow.asset_id)))
    asset = secrets.randbits(32)
    while f"{asset:08x}" in taken:
        asset = secrets.randbits(32)
    try:
        marked = embed_watermark(data, asset)
        with timestamps.time_stamp_url(time_stamps, data_dir) as tsa:
            signed = sign_image(
                marked,
                signing,
                generator=generator,
                system=system.name,
                soft_binding=f"{asset:08x}",
                watermarked=True,
                time_stamp_url=tsa,
            )
        check = check_image(signed, trust_anchor(data_dir))
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
        asset_id=f"{asset:08x}",
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
        check = check_image(data, trust_anchor(data_dir), issued=issued_certificates(data_dir))
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
