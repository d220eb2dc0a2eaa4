"""Provenance per system (guideline 2(3)): which mechanisms a system uses, and checks of
its sample outputs kept as evidence and read by ``tekisei check``."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.catalog import urn
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.orgs import OrgRow
from tekisei.db.provenance import (
    ImageCredentialRow,
    ProvenanceCheckRow,
    ProvenanceKeyRow,
    SystemProvenanceRow,
)
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import assessments, audit, credentials, evidence, systems
from tekisei.services import provenance as text_provenance
from tekisei.services.image_inputs import DEFAULT_MAX_PIXELS, refuse_oversized
from tekisei.services.people import ActorNames
from tekisei.untrusted import MAX_FILE_BYTES, read_bytes, read_text

TEXT_SUFFIXES = {".txt", ".md"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
REQUIREMENT = "2.3"


class MechanismsOut(BaseModel):
    """The provenance mechanisms a system uses."""

    system_id: int
    text_key_id: str | None
    c2pa: bool
    other: str
    updated_by: str | None
    updated_at: datetime | None


class CheckOut(BaseModel):
    """A check of a system's sample outputs."""

    id: int
    system_id: int
    texts: int
    texts_detected: int
    images: int
    images_verified: int
    passed: bool
    details: list[dict[str, Any]]
    evidence_id: int | None
    checked_at: datetime


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def mechanisms(session: Session, principal: Principal, system_id: int) -> MechanismsOut:
    """What the system records (nothing set: no mechanism)."""
    system = systems.visible_system(session, principal, system_id)
    row = session.get(SystemProvenanceRow, system.id)
    if row is None:
        return MechanismsOut(
            system_id=system.id, text_key_id=None, c2pa=False, other="", updated_by=None,
            updated_at=None,
        )  # fmt: skip
    out = MechanismsOut.model_validate(row, from_attributes=True)
    return out.model_copy(update={"updated_by": ActorNames(session, principal)(out.updated_by)})


def set_mechanisms(
    session: Session,
    principal: Principal,
    system_id: int,
    *,
    text_key_id: str | None,
    c2pa: bool,
    other: str = "",
) -> MechanismsOut:
    """Record which mechanisms the system uses: a text watermark key of the organisation,
    C2PA credentials for its images, and anything else in words.

    Raises:
        NotFoundError: the key is not the organisation's.
    """
    system = systems.visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    if text_key_id:
        key = session.scalars(
            select(ProvenanceKeyRow).where(ProvenanceKeyRow.key_id == text_key_id)
        ).first()
        if key is None or key.org_id != principal.org_id:
            raise NotFoundError(
                f"no watermark key {text_key_id} in this organisation",
                ja=f"この組織に透かしの鍵 {text_key_id} はありません。",
            )
    row = session.get(SystemProvenanceRow, system.id)
    if row is None:
        row = SystemProvenanceRow(system_id=system.id, org_id=principal.org_id)
        session.add(row)
    row.text_key_id = text_key_id or None
    row.c2pa = c2pa
    row.other = other.strip()
    row.updated_by = principal.email
    row.updated_at = datetime.now(UTC)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "provenance.mechanisms",
        "system",
        system.id,
        {"text_key": row.text_key_id, "c2pa": c2pa, "other": row.other},
    )
    return mechanisms(session, principal, system.id)


def _signed_by_org(
    session: Session,
    org_id: int,
    data_dir: Path,
    data: bytes,
    result: credentials.ImageVerification,
) -> bool:
    """Whether the image carries the organisation's own credentials: Trusted and signed by
    a certificate issued to it, or (signed before signers were per organisation) one of
    its signed images byte for byte, or found again through the watermark as one of its
    images. Another organisation's credentials on the same deployment do not count."""
    if result.c2pa.state == "Trusted":
        own = {str(c.serial_number) for c in credentials.pki(data_dir).issued(org_id)}
        if result.c2pa.certificate_serial in own:
            return True
        digest = hashlib.sha256(data).hexdigest()
        return (
            session.scalars(
                select(ImageCredentialRow.id).where(
                    ImageCredentialRow.org_id == org_id,
                    ImageCredentialRow.signed_sha256 == digest,
                )
            ).first()
            is not None
        )
    if result.recovered is not None:
        row = credentials.credential_by_asset(session, result.recovered.asset_id)
        return row.org_id == org_id
    return False


def check_samples(
    session: Session,
    principal: Principal,
    *,
    master: bytes,
    data_dir: Path,
    files_dir: Path,
    max_bytes: int,
    system_id: int,
    folder: Path,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> CheckOut:
    """Verify a folder of the system's sample outputs (.txt/.md texts against its text
    key or the organisation's own keys, .png/.jpg images against the organisation's own
    signing certificates), keep the report as
    evidence on 2(3) of the open guideline assessment, and record the result: it passes
    when every sample carries the system's marks.

    Raises:
        InvalidInputError: no such folder, no samples in it, or an image over
            ``max_pixels`` pixels (refused from its header, before decoding).
    """
    system = systems.visible_system(session, principal, system_id)
    require(principal, Permission.RUN_EVALS)
    used = mechanisms(session, principal, system.id)
    if not folder.is_dir():
        raise InvalidInputError(
            f"{folder} is not a folder", ja=f"{folder} はフォルダではありません。"
        )
    files = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in TEXT_SUFFIXES | IMAGE_SUFFIXES
    )
    if not files:
        raise InvalidInputError(
            f"{folder} holds no samples (.txt, .md, .png, .jpg)",
            ja=f"{folder} にサンプル（.txt・.md・.png・.jpg）がありません。",
        )
    details: list[dict[str, Any]] = []
    texts = detected = images = verified = 0
    for path in files:
        if path.suffix.lower() in TEXT_SUFFIXES:
            texts += 1
            found = text_provenance.verify_text(
                session,
                master,
                data_dir,
                read_text(path, MAX_FILE_BYTES),
                used.text_key_id,
                org_id=principal.org_id,
            )
            ok = found.verdict.value == "watermark_detected"
            detected += ok
            details.append(
                {"file": path.name, "kind": "text", "verdict": found.verdict.value,
                 "z": found.z, "tokens": found.tokens_scored, "ok": ok}
            )  # fmt: skip
        else:
            images += 1
            data = read_bytes(path, MAX_FILE_BYTES)
            try:
                refuse_oversized(data, max_pixels)
            except InvalidInputError as exc:
                raise InvalidInputError(
                    f"{path.name}: {exc.message}", ja=f"{path.name}: {exc.message_ja}"
                ) from None
            result = credentials.verify(session, data_dir, data, master=master)
            ok = _signed_by_org(session, principal.org_id, data_dir, data, result)
            verified += ok
            details.append(
                {"file": path.name, "kind": "image", "state": result.c2pa.state,
                 "signer": result.c2pa.signer, "recovered": result.recovered is not None,
                 "ok": ok}
            )  # fmt: skip
    passed = detected == texts and verified == images
    now = datetime.now(UTC)
    report = {
        "format": "tekisei-provenance-check/1",
        "system": {"id": system.id, "name": system.name},
        "checked_at": now.isoformat(),
        "mechanisms": used.model_dump(mode="json"),
        "passed": passed,
        "samples": details,
    }
    kept = evidence.add_file(
        session,
        principal,
        files_dir,
        filename=f"provenance-check-{system.id}-{now:%Y%m%d%H%M%S}.json",
        data=json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8"),
        content_type="application/json",
        max_bytes=max_bytes,
        auto_title=AutoNote.of(
            NoteKey.PROVENANCE_EVIDENCE,
            system=system.name,
            texts_detected=detected,
            texts=texts,
            images_verified=verified,
            images=images,
        ),
    )
    requirement = urn(assessments.GUIDELINE, REQUIREMENT)
    if requirement in {r.urn for r in systems.system_requirements(session, principal, system.id)}:
        assessments.attach_test_evidence(
            session,
            principal,
            system.id,
            [requirement],
            kept,
            AutoNote.of(NoteKey.PROVENANCE_ATTACHED),
        )
    row = ProvenanceCheckRow(
        org_id=principal.org_id,
        system_id=system.id,
        texts=texts,
        texts_detected=detected,
        images=images,
        images_verified=verified,
        passed=passed,
        details=details,
        evidence_id=kept.id,
        checked_by=principal.email,
        checked_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "provenance.check",
        "system",
        system.id,
        {"passed": passed, "texts": [detected, texts], "images": [verified, images],
         "evidence": kept.id},
    )  # fmt: skip
    return CheckOut.model_validate(row, from_attributes=True)


class SystemProvenanceOut(BaseModel):
    """A system's provenance: its mechanisms and its latest check."""

    mechanisms: MechanismsOut
    latest_check: CheckOut | None


def system_provenance(
    session: Session, principal: Principal, system_id: int
) -> SystemProvenanceOut:
    """What the system uses and how its latest check went."""
    used = mechanisms(session, principal, system_id)
    latest = session.scalars(
        select(ProvenanceCheckRow)
        .where(ProvenanceCheckRow.system_id == used.system_id)
        .order_by(ProvenanceCheckRow.id.desc())
    ).first()
    return SystemProvenanceOut(
        mechanisms=used,
        latest_check=None
        if latest is None
        else CheckOut.model_validate(latest, from_attributes=True),
    )
