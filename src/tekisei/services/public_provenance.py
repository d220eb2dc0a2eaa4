"""The public side of content provenance: what anyone may learn from the deployment
about signed images and watermark keys, and the C2PA Soft Binding Resolution API's
look-ups (by binding value, by content, and the signed manifest store).

Public answers carry what the verification page shows and nothing of the deployment's
inside: no system names or ids (except to those who may see the system), no signer's
account, no other organisation's key ids, times to the second.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Principal
from tekisei.db.provenance import ImageCredentialRow, ProvenanceKeyRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.provenance import WATERMARK_ALG, KeyStatus, WatermarkParams
from tekisei.services import credentials, scope
from tekisei.services.credentials import ImageVerification
from tekisei.services.image_inputs import refuse_oversized

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "Found",
    "ImageAnswer",
    "OwnKey",
    "PublicManifest",
    "TextScheme",
    "Trust",
    "check_image",
    "manifest_store",
    "matches_by_binding",
    "matches_by_content",
    "public_image",
    "public_manifest",
    "similarity_score",
    "trust",
]

SUPPORTED_ALGORITHMS: dict[str, list[dict[str, str]]] = {
    "watermarks": [{"alg": WATERMARK_ALG}],
    "fingerprints": [],
}
"""The soft-binding algorithms this service resolves (``/services/supportedAlgorithms``)."""


def _second(at: datetime) -> datetime:
    return at.replace(microsecond=0)


class ImageAnswer(ImageVerification):
    """An image check as the public API gives it, with its signed receipt when asked."""

    receipt: str | None = None


def public_image(found: ImageVerification) -> ImageAnswer:
    """What the public learns of an image check: what the page shows. The manifests
    themselves are left out (the recovered one would name the original's system and
    the signer's internal ids; the embedded one is in the sender's own file), and times
    are given to the second."""
    recovered = found.recovered
    if recovered is not None:
        recovered = recovered.model_copy(update={"manifest": None})
    return ImageAnswer(
        **found.model_copy(
            update={
                "c2pa": found.c2pa.model_copy(update={"manifest": None}),
                "recovered": recovered,
            }
        ).model_dump()
    )


def check_image(
    session: Session,
    data_dir: Path,
    data: bytes,
    principal: Principal | None,
    max_pixels: int,
    *,
    master: bytes,
) -> ImageVerification:
    """Verify an image after its header shows at most ``max_pixels`` pixels (nothing is
    decoded before).

    Raises:
        InvalidInputError: not a PNG/JPEG, too many pixels, or unreadable.
    """
    refuse_oversized(data, max_pixels)
    return credentials.verify(session, data_dir, data, principal, master=master)


class PublicManifest(BaseModel):
    """A signed image as the public sees it: what the page shows of a recovered one."""

    manifest_id: str
    generator: str
    mime: str
    signed_at: datetime
    """To the second."""
    manifest_store: str | None
    """Where the signed manifest store is served (``application/c2pa``), when kept."""


def public_manifest(session: Session, manifest_id: str) -> PublicManifest:
    """The public view of a signed image's record.

    Raises:
        NotFoundError: no such manifest.
    """
    row = credentials.credential_by_manifest_id(session, manifest_id)
    kept = session.scalar(
        select(ImageCredentialRow.manifest_store.is_not(None)).where(
            ImageCredentialRow.id == row.id
        )
    )
    return PublicManifest(
        manifest_id=row.asset_id,
        generator=row.generator,
        mime=row.mime,
        signed_at=_second(row.created_at),
        manifest_store=(
            f"/api/provenance/sbr/manifests/{credentials.manifest_id(row)}" if kept else None
        ),
    )


def manifest_store(session: Session, manifest_id: str) -> bytes:
    """The signed C2PA manifest store of a signed image, as it was embedded.

    Raises:
        NotFoundError: no such manifest, or one signed before stores were kept.
    """
    row = credentials.credential_by_manifest_id(session, manifest_id)
    store = session.scalar(
        select(ImageCredentialRow.manifest_store).where(ImageCredentialRow.id == row.id)
    )
    if not store:
        raise NotFoundError(
            f"the manifest store of {row.asset_id} was not kept (the image was signed before "
            "this service kept stores); the signed image itself carries it",
            ja=f"{row.asset_id} のマニフェストストアは保存されていません（保存を始める前に署名"
            "された画像です）。署名済みの画像そのものには含まれています。",
        )
    return bytes(store)


def _need_alg(alg: str | None) -> None:
    if alg is not None and alg != WATERMARK_ALG:
        raise InvalidInputError(
            f"this service resolves only the soft-binding algorithm {WATERMARK_ALG}",
            ja=f"このサービスが扱うソフトバインディングの方式は {WATERMARK_ALG} だけです。",
        )


class Found(BaseModel):
    """A manifest a look-up leads to, and how alike the content is (0-100)."""

    manifest_id: str
    similarity_score: int


def similarity_score(distance: int) -> int:
    """The Soft Binding Resolution API's ``similarityScore`` (0-100) for a perceptual-hash
    distance of ``distance`` bits of 64: ``round(100 × (64 − distance) / 64)``. 100 is the
    signed picture itself; the bound for offering a manifest at all (``HASH_BOUND`` bits)
    is a score of at least ``similarity_score(HASH_BOUND)``."""
    return round(100 * (64 - min(max(distance, 0), 64)) / 64)


def matches_by_binding(session: Session, alg: str, value: str, max_results: int) -> list[Found]:
    """Manifests whose soft binding matches ``value`` (at most ``max_results``); an exact
    binding match scores 100.

    Raises:
        InvalidInputError: another algorithm, or a malformed value.
    """
    found = credentials.find_by_binding(session, alg, value)[:max_results]
    return [Found(manifest_id=manifest, similarity_score=100) for manifest in found]


def matches_by_content(
    session: Session,
    data_dir: Path,
    data: bytes,
    max_pixels: int,
    alg: str | None,
    max_results: int,
    *,
    master: bytes,
) -> list[Found]:
    """Manifests an image leads to: the one its embedded credentials bind when their hard
    binding holds (score 100: the signed picture itself), else the one its watermark is
    found again in, scored by :func:`similarity_score` of the perceptual-hash distance
    (the same check as the verification's).

    Raises:
        InvalidInputError: another algorithm, not a PNG/JPEG, too many pixels, unreadable.
    """
    _need_alg(alg)
    found = check_image(session, data_dir, data, None, max_pixels, master=master)
    matches: list[Found] = []
    bound = found.c2pa.soft_binding
    if bound and found.c2pa.state in ("Trusted", "Valid"):  # the hard binding holds
        with suppress(NotFoundError):  # another service's credentials: nothing to resolve
            row = credentials.credential_by_asset(session, bound)
            matches.append(Found(manifest_id=credentials.manifest_id(row), similarity_score=100))
    elif found.recovered is not None:
        row = credentials.credential_by_asset(session, found.recovered.asset_id)
        matches.append(
            Found(
                manifest_id=credentials.manifest_id(row),
                similarity_score=similarity_score(found.recovered.hash_distance),
            )
        )
    return matches[:max_results]


class TextScheme(BaseModel):
    """A text watermark in use: what a verifier needs to know of it (no key id)."""

    scheme: str
    params: WatermarkParams
    tokenizer_sha256: str


class OwnKey(BaseModel):
    """One of the caller's own organisation's keys."""

    key_id: str
    scheme: str
    status: KeyStatus


class Trust(BaseModel):
    """What a verifier may rely on. Text watermark keys are listed by scheme, parameters
    and tokenizer only: their ids and dates would tell every organisation's key history
    to anyone; a signed-in caller also sees their own organisation's key ids."""

    text_schemes: list[TextScheme]
    own_keys: list[OwnKey]
    c2pa_trust_anchor: str | None
    """Every root certificate image credentials may chain to, as one PEM text."""
    c2pa_trust_anchors: list[str]
    """The same roots one by one (PEM): the deployment root, and the root of its earlier
    single signer when it had one."""
    time_stamp_url: str
    """Where the deployment answers RFC 3161 time-stamp queries."""
    soft_binding_alg: str
    receipt_keys: dict[str, Any]
    """The JWK Set that verifies this deployment's signed receipts."""


def trust(
    session: Session,
    data_dir: Path,
    principal: Principal | None,
    receipt_keys: dict[str, Any],
) -> Trust:
    """The deployment's public trust information."""
    rows = session.execute(
        select(
            ProvenanceKeyRow.org_id,
            ProvenanceKeyRow.key_id,
            ProvenanceKeyRow.scheme,
            ProvenanceKeyRow.params,
            ProvenanceKeyRow.tokenizer_sha256,
            ProvenanceKeyRow.status,
        )
        .where(ProvenanceKeyRow.status != KeyStatus.RETIRED.value)
        .order_by(ProvenanceKeyRow.id)
    ).all()
    anchors = credentials.trust_anchors(data_dir)
    sees_keys = principal is not None and scope.sees_every_system(principal)
    schemes: dict[str, TextScheme] = {}
    own: list[OwnKey] = []
    for org_id, key_id, scheme, params, tokenizer, status in rows:
        found = TextScheme(
            scheme=scheme, params=WatermarkParams.model_validate(params), tokenizer_sha256=tokenizer
        )
        schemes.setdefault(found.model_dump_json(), found)
        if principal is not None and org_id == principal.org_id and sees_keys:
            own.append(OwnKey(key_id=key_id, scheme=scheme, status=KeyStatus(status)))
    return Trust(
        text_schemes=list(schemes.values()),
        own_keys=own,
        c2pa_trust_anchor="".join(anchors) or None,
        c2pa_trust_anchors=anchors,
        time_stamp_url="/api/provenance/tsa",
        soft_binding_alg=WATERMARK_ALG,
        receipt_keys=receipt_keys,
    )
