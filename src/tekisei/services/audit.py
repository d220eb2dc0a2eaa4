"""The audit log: every write appends an event in the same transaction.

Events form a hash chain per organisation (core/audit.py). Checkpoints signed
with the deployment's Ed25519 key pin the head: one every ``CHECKPOINT_EVERY``
events when a signer is attached to the session, and one at every export.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.audit import (
    EXPORT_FORMAT,
    AuditEvent,
    AuditExport,
    Checkpoint,
    chain_problems,
    checkpoint_message,
    next_event,
)
from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.audit import AuditCheckpointRow, AuditEventRow
from tekisei.db.orgs import OrgRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services.signing import Signer, key_id, signature_valid

CHECKPOINT_EVERY = 100
SIGNER_KEY = "audit_signer"


def now_iso() -> str:
    """The current UTC time as ISO 8601 with microseconds."""
    return datetime.now(UTC).isoformat()


def record(
    session: Session,
    org: OrgRow,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    summary: dict[str, Any],
) -> AuditEventRow:
    """Append an event to ``org``'s chain in the caller's transaction.

    The organisation row is locked (PostgreSQL) so concurrent writers extend
    the chain one after another. Pending changes to ``org`` itself are flushed
    first, so re-reading the chain's head never discards them.
    """
    session.flush()
    # FOR NO KEY UPDATE: writers queue on it, but it does not wait for the key-share locks
    # that other transactions hold on the row because they inserted rows referring to the
    # organisation (a plain FOR UPDATE would, and two such writers deadlock).
    session.refresh(org, with_for_update={"key_share": True})
    event = next_event(
        org.audit_seq,
        org.audit_head,
        org=org.slug,
        at=now_iso(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=json.loads(json.dumps(summary, default=str, ensure_ascii=False)),
    )
    row = AuditEventRow(org_id=org.id, **event.model_dump())
    session.add(row)
    org.audit_seq = event.seq
    org.audit_head = event.hash
    signer = session.info.get(SIGNER_KEY)
    if isinstance(signer, Signer) and event.seq % CHECKPOINT_EVERY == 0:
        _checkpoint(session, org, signer)
    session.flush()
    return row


def _checkpoint(session: Session, org: OrgRow, signer: Signer) -> AuditCheckpointRow | None:
    if org.audit_seq == 0:
        return None
    existing = session.scalars(
        select(AuditCheckpointRow).where(
            AuditCheckpointRow.org_id == org.id, AuditCheckpointRow.seq == org.audit_seq
        )
    ).first()
    if existing is not None:
        return existing
    at = now_iso()
    row = AuditCheckpointRow(
        org_id=org.id,
        seq=org.audit_seq,
        hash=org.audit_head,
        at=at,
        key_id=signer.key_id,
        signature=signer.sign(checkpoint_message(org.slug, org.audit_seq, org.audit_head, at)),
    )
    session.add(row)
    session.flush()
    return row


def _event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        seq=row.seq,
        org=row.org,
        at=row.at,
        actor=row.actor,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        summary=row.summary,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _checkpoint_model(row: AuditCheckpointRow, org: str) -> Checkpoint:
    return Checkpoint(
        org=org, seq=row.seq, hash=row.hash, at=row.at, key_id=row.key_id, signature=row.signature
    )


def list_events(
    session: Session,
    principal: Principal,
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[AuditEvent]]:
    """Events of the principal's organisation, newest first, with the total count."""
    require(principal, Permission.READ_AUDIT)
    query = select(AuditEventRow).where(AuditEventRow.org_id == principal.org_id)
    if action:
        query = query.where(AuditEventRow.action == action)
    if object_type:
        query = query.where(AuditEventRow.object_type == object_type)
    if object_id:
        query = query.where(AuditEventRow.object_id == object_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEventRow.seq.desc()).offset(offset).limit(limit))
    return total, [_event(row) for row in rows]


def export_log(session: Session, principal: Principal, signer: Signer) -> AuditExport:
    """A self-contained export of the organisation's chain, with a fresh checkpoint."""
    require(principal, Permission.EXPORT_AUDIT)
    org = session.get(OrgRow, principal.org_id)
    if org is None:
        raise NotFoundError("organisation not found", ja="組織が見つかりません。")
    _checkpoint(session, org, signer)
    events = session.scalars(
        select(AuditEventRow).where(AuditEventRow.org_id == org.id).order_by(AuditEventRow.seq)
    )
    checkpoints = session.scalars(
        select(AuditCheckpointRow)
        .where(AuditCheckpointRow.org_id == org.id)
        .order_by(AuditCheckpointRow.seq)
    )
    return AuditExport(
        format=EXPORT_FORMAT,
        org=org.slug,
        exported_at=now_iso(),
        public_key=signer.public_key,
        key_id=signer.key_id,
        events=[_event(row) for row in events],
        checkpoints=[_checkpoint_model(row, org.slug) for row in checkpoints],
    )


def verify_export(data: AuditExport, trusted_key: str | None = None) -> tuple[bool, int, list[str]]:
    """Check an export offline.

    Returns:
        (ok, events checked, problems); the first problem names the first broken event.
    """
    problems = [
        f"event {p.seq} (position {p.position + 1}): {p.reason}"
        for p in chain_problems(data.events, data.org)
    ]
    if trusted_key is not None and key_id(trusted_key) != key_id(data.public_key):
        problems.append(
            f"the export is signed by key {data.key_id}, not by the trusted key "
            f"{key_id(trusted_key)}"
        )
    hashes = {event.seq: event.hash for event in data.events}
    for checkpoint in data.checkpoints:
        message = checkpoint_message(data.org, checkpoint.seq, checkpoint.hash, checkpoint.at)
        if not signature_valid(data.public_key, message, checkpoint.signature):
            problems.append(f"checkpoint at event {checkpoint.seq}: the signature is not valid")
        elif hashes.get(checkpoint.seq) != checkpoint.hash:
            problems.append(
                f"checkpoint at event {checkpoint.seq}: the signed head does not match the "
                "event's hash (the chain was rewritten)"
            )
    if data.events and not any(c.seq == data.events[-1].seq for c in data.checkpoints):
        problems.append(
            f"no signed checkpoint covers the last event ({data.events[-1].seq}); "
            "events after the last checkpoint could have been appended or removed"
        )
    return not problems, len(data.events), problems


def parse_export(text: str) -> AuditExport:
    """Read an export file's text.

    Raises:
        InvalidInputError: it is not an audit export.
    """
    try:
        return AuditExport.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInputError(
            f"not a tekisei audit export ({where}: {first['msg']}); "
            "give a file written by 'tekisei audit export'",
            ja="tekisei の監査ログのエクスポートではありません。"
            "tekisei audit export で書き出したファイルを指定してください。",
        ) from None


def verify_live(
    session: Session, principal: Principal, signer: Signer
) -> tuple[bool, int, list[str]]:
    """Check the organisation's chain in the database and its checkpoints."""
    require(principal, Permission.READ_AUDIT)
    org = session.get(OrgRow, principal.org_id)
    if org is None:
        raise NotFoundError("organisation not found", ja="組織が見つかりません。")
    events = [
        _event(row)
        for row in session.scalars(
            select(AuditEventRow).where(AuditEventRow.org_id == org.id).order_by(AuditEventRow.seq)
        )
    ]
    checkpoints = [
        _checkpoint_model(row, org.slug)
        for row in session.scalars(
            select(AuditCheckpointRow).where(AuditCheckpointRow.org_id == org.id)
        )
    ]
    export = AuditExport(
        format=EXPORT_FORMAT,
        org=org.slug,
        exported_at=now_iso(),
        public_key=signer.public_key,
        key_id=signer.key_id,
        events=events,
        checkpoints=checkpoints,
    )
    _ok, checked, problems = verify_export(export)
    problems = [p for p in problems if not p.startswith("no signed checkpoint covers")]
    if events and (events[-1].seq != org.audit_seq or events[-1].hash != org.audit_head):
        problems.append("the stored head does not match the last event (events were removed)")
    return not problems, checked, problems
