"""The audit log: every write appends an event in the same transaction.

Events form a hash chain per organisation (core/audit.py). Checkpoints signed
with the deployment's Ed25519 key pin the chain: one every ``CHECKPOINT_EVERY``
events (every write carries the signer) and one at every export. Verification
requires them (``checkpoint_problems``); anchors (``services/audit_anchors.py``)
witness the head from outside the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.audit import (
    BASELINE_ACTION,
    CHECKPOINT_EVERY,
    EXPORT_FORMAT,
    AnchorStatus,
    AuditEvent,
    AuditExport,
    AuditProblem,
    Checkpoint,
    anchor_problems,
    checkpoint_message,
    checkpoint_problems,
    link_problems,
    next_event,
)
from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.audit import AuditCheckpointRow, AuditEventRow
from tekisei.db.orgs import OrgRow
from tekisei.errors import IntegrityError, InvalidInputError, NotFoundError
from tekisei.services import audit_anchor_file as anchor_file
from tekisei.services.audit_anchor_file import AnchorLines
from tekisei.services.signing import Signer, key_id, signature_valid

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
        sign_head(session, org, signer)
    session.flush()
    return row


def sign_head(session: Session, org: OrgRow, signer: Signer) -> AuditCheckpointRow | None:
    """Sign a checkpoint at the head of ``org``'s chain (once per sequence number)."""
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


# ----------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class ChainCheck:
    """The verification of one organisation's chain."""

    org: str
    events: int
    problems: list[AuditProblem]
    signed_through: int
    """The highest event a valid signed checkpoint covers (0 when none). Events after it
    are protected only by the hash chain, and by an anchor taken after them."""
    anchor: AnchorStatus | None = None
    """The anchor check, when an anchor file was given."""
    warnings: list[AuditProblem] = field(default_factory=list)
    """What weakens the checks without being a break: no anchor file, no anchor yet."""

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.problems

    def messages(self, lang: str = "en") -> list[str]:
        """The problems in ``lang``."""
        return [p.localized(lang) for p in self.problems]


def _signed(public_key: str) -> Callable[[bytes, str], bool]:
    return lambda message, signature: signature_valid(public_key, message, signature)


def snapshot(session: Session) -> None:
    """Make the session's reads one consistent snapshot (PostgreSQL: REPEATABLE READ;
    SQLite's read transaction already is one). Call before its first query."""
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _org(session: Session, org_id: int, *, lock: bool = False) -> OrgRow:
    query = select(OrgRow).where(OrgRow.id == org_id).execution_options(populate_existing=True)
    # The same lock as record() takes (FOR NO KEY UPDATE on PostgreSQL): writers queue on
    # it while an export or a baseline reads and signs the chain.
    row = session.scalars(query.with_for_update(key_share=True) if lock else query).first()
    if row is None:
        raise NotFoundError("organisation not found", ja="組織が見つかりません。")
    return row


def _stored(session: Session, org: OrgRow) -> tuple[list[AuditEvent], list[Checkpoint]]:
    events = [
        _event(row)
        for row in session.scalars(
            select(AuditEventRow).where(AuditEventRow.org_id == org.id).order_by(AuditEventRow.seq)
        )
    ]
    checkpoints = [
        _checkpoint_model(row, org.slug)
        for row in session.scalars(
            select(AuditCheckpointRow)
            .where(AuditCheckpointRow.org_id == org.id)
            .order_by(AuditCheckpointRow.seq)
        )
    ]
    return events, checkpoints


def anchors_of(path: Path, org: str, *, every_anchor: bool) -> AnchorLines:
    """The anchors of ``org`` in the file: all of them (and any damaged line), or only
    the latest (enough for a routine check: each anchor was taken over a chain that
    extended the ones before it)."""
    if not every_anchor:
        return anchor_file.read_latest(path, org)
    read = anchor_file.read_all(path)
    return AnchorLines(read.exists, [a for a in read.anchors if a.anchor.org == org], read.damaged)


def _anchor_warnings(org: str, lines: AnchorLines) -> list[AuditProblem]:
    if not lines.exists:
        return [
            AuditProblem(
                "anchor",
                "the anchor file (TEKISEI_AUDIT_ANCHOR_FILE) does not exist yet, or no longer: "
                "run 'tekisei audit anchor' (from cron); if it was there before, it was "
                "deleted or its volume is not mounted",
                "アンカーファイル（TEKISEI_AUDIT_ANCHOR_FILE）がありません。tekisei audit anchor "
                "を（cron などで）実行してください。以前はあった場合は、削除されたか、置き場所の"
                "ボリュームがマウントされていません",
            )
        ]
    if not lines.anchors:
        return [
            AuditProblem(
                "anchor",
                f"no anchor of {org} yet: run 'tekisei audit anchor' (from cron)",
                f"{org} のアンカーはまだありません。tekisei audit anchor を"
                "（cron などで）実行してください",
            )
        ]
    return []


def _anchor_check(
    events: list[AuditEvent],
    lines: AnchorLines,
    public_key: str,
    *,
    newer_than: datetime | None = None,
) -> tuple[list[AuditProblem], AnchorStatus]:
    problems = anchor_problems(
        events, lines.anchors, _signed(public_key), key_id(public_key), newer_than=newer_than
    ) + list(lines.damaged)
    latest = max(lines.anchors, key=lambda a: a.line, default=None)
    return problems, AnchorStatus(
        checked=len(lines.anchors),
        latest_seq=latest.anchor.seq if latest else None,
        latest_at=latest.anchor.at if latest else None,
        found=lines.exists,
        ok=not problems,
    )


def check_org(
    session: Session, org: OrgRow, signer: Signer, anchors: AnchorLines | None
) -> ChainCheck:
    """Check ``org``'s live chain: links, the checkpoint rule, the stored head, and the
    anchors given (no principal: callers check permissions or are the operator)."""
    events, checkpoints = _stored(session, org)
    problems = link_problems(events, org.slug)
    found, signed_through = checkpoint_problems(
        org.slug, events, checkpoints, _signed(signer.public_key), require_head=False
    )
    problems += found
    last = events[-1] if events else None
    if (last.seq if last else 0) != org.audit_seq or (last and last.hash != org.audit_head):
        end = last.seq if last else 0
        problems.append(
            AuditProblem(
                "head",
                f"the stored head of {org.slug} is event {org.audit_seq}, but the chain ends "
                f"at event {end} (events were removed or added outside tekisei)",
                f"{org.slug} に記録された末尾はイベント {org.audit_seq} ですが、チェーンは"
                f"イベント {end} で終わっています（tekisei の外でイベントが削除・追加されました）",
                end,
            )
        )
    status = None
    warnings: list[AuditProblem] = []
    if anchors is not None:
        found, status = _anchor_check(events, anchors, signer.public_key)
        problems += found
        warnings = _anchor_warnings(org.slug, anchors)
    return ChainCheck(org.slug, len(events), problems, signed_through, status, warnings)


def check_live(
    session: Session,
    principal: Principal,
    signer: Signer,
    anchors: Path | None = None,
    *,
    every_anchor: bool = False,
) -> ChainCheck:
    """Check the organisation's chain in the database.

    Every interval must carry a valid signed checkpoint and the organisation's stored
    head must be the last event. The events after the last interval are not required
    to be signed here (the head moves with every write): an anchor taken after them
    covers them. With ``anchors`` (a path), the chain must still extend the
    organisation's latest anchor, or every anchor with ``every_anchor``.
    """
    require(principal, Permission.READ_AUDIT)
    snapshot(session)
    org = _org(session, principal.org_id)
    lines = None if anchors is None else anchors_of(anchors, org.slug, every_anchor=every_anchor)
    return check_org(session, org, signer, lines)


def check_export(
    data: AuditExport, trusted_key: str | None = None, anchors: Path | None = None
) -> ChainCheck:
    """Check an export offline: links, a valid checkpoint at every interval and at the
    head, the signing key (when ``trusted_key`` is given) and every anchor of the
    organisation in the ``anchors`` file taken up to the export's signed head."""
    problems = link_problems(data.events, data.org)
    found, signed_through = checkpoint_problems(
        data.org, data.events, data.checkpoints, _signed(data.public_key), require_head=True
    )
    problems += found
    if trusted_key is not None and key_id(trusted_key) != key_id(data.public_key):
        problems.append(
            AuditProblem(
                "key",
                f"the export is signed by key {data.key_id}, not by the trusted key "
                f"{key_id(trusted_key)}",
                f"このエクスポートは信頼する鍵 {key_id(trusted_key)} ではなく、"
                f"鍵 {data.key_id} で署名されています",
            )
        )
    status = None
    warnings: list[AuditProblem] = []
    if anchors is not None:
        last = data.events[-1].seq if data.events else 0
        head = next((c for c in data.checkpoints if c.seq == last), None)
        newer_than = None
        if head is not None and signed_through == last:
            with suppress(ValueError):
                newer_than = datetime.fromisoformat(head.at)
        lines = anchors_of(anchors, data.org, every_anchor=True)
        found, status = _anchor_check(
            data.events, lines, trusted_key or data.public_key, newer_than=newer_than
        )
        problems += found
        warnings = _anchor_warnings(data.org, lines)
    return ChainCheck(data.org, len(data.events), problems, signed_through, status, warnings)


def verify_export(data: AuditExport, trusted_key: str | None = None) -> tuple[bool, int, list[str]]:
    """:func:`check_export` as (ok, events checked, problems in English)."""
    check = check_export(data, trusted_key)
    return check.ok, check.events, check.messages()


def verify_live(
    session: Session, principal: Principal, signer: Signer
) -> tuple[bool, int, list[str]]:
    """:func:`check_live` as (ok, events checked, problems in English)."""
    check = check_live(session, principal, signer)
    return check.ok, check.events, check.messages()


def _refusal(check: ChainCheck, what: str, what_ja: str) -> IntegrityError:
    more = len(check.problems) - 1
    first = check.problems[0]
    return IntegrityError(
        f"the audit chain of {check.org} does not verify, so tekisei refuses to {what}: "
        f"{first.en}{f' (and {more} more)' if more else ''}. See every problem with "
        f"'tekisei audit verify --org {check.org}' or on the audit page, and find out what "
        "happened before anything else",
        ja=f"{check.org} の監査ログのチェーンが検証に失敗したため、{what_ja}: {first.ja}"
        f"{f'（ほか {more} 件）' if more else ''}。tekisei audit verify --org {check.org} "
        "または監査ログの画面ですべての問題を確認し、何が起きたかを先に調べてください。",
    )


def export_log(
    session: Session, principal: Principal, signer: Signer, anchors: Path | None = None
) -> AuditExport:
    """A self-contained export of the organisation's chain, with a fresh checkpoint.

    Raises:
        IntegrityError: the chain does not verify (nor, with ``anchors``, extend the
            latest anchor); a new checkpoint would vouch for it, so nothing is signed.
    """
    require(principal, Permission.EXPORT_AUDIT)
    org = _org(session, principal.org_id, lock=True)
    lines = None if anchors is None else anchors_of(anchors, org.slug, every_anchor=False)
    check = check_org(session, org, signer, lines)
    if not check.ok:
        raise _refusal(
            check,
            "sign a new checkpoint over it and export it",
            "新しいチェックポイントには署名しません（エクスポートもしません）",
        )
    sign_head(session, org, signer)
    events, checkpoints = _stored(session, org)
    return AuditExport(
        format=EXPORT_FORMAT,
        org=org.slug,
        exported_at=now_iso(),
        public_key=signer.public_key,
        key_id=signer.key_id,
        events=events,
        checkpoints=checkpoints,
    )


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


def baseline(
    session: Session, principal: Principal, signer: Signer, anchors: Path | None = None
) -> AuditEvent:
    """Start the checkpoint rule on a chain written before it (a one-off, by an operator).

    Records an ``audit.baseline`` event listing the intervals that have no checkpoint
    and signs a checkpoint at it. Verification then accepts those intervals, and only
    those, as long as the baseline's own checkpoint holds; every later interval follows
    the rule. It proves that the chain has not changed since the baseline, not that
    it had not been changed before it.

    Raises:
        IntegrityError: the chain is broken in another way (a baseline must not vouch
            for it).
        InvalidInputError: no interval is missing; the chain needs no baseline.
    """
    require(principal, Permission.MANAGE_ORG)
    org = _org(session, principal.org_id, lock=True)
    lines = None if anchors is None else anchors_of(anchors, org.slug, every_anchor=True)
    check = check_org(session, org, signer, lines)
    others = [p for p in check.problems if p.kind != "missing"]
    if others:
        raise _refusal(
            ChainCheck(check.org, check.events, others, check.signed_through),
            "sign a baseline over it",
            "基準点には署名しません",
        )
    missing = [p.seq for p in check.problems if p.seq is not None]
    if not missing:
        raise InvalidInputError(
            f"the chain of {org.slug} has a signed checkpoint at every interval; "
            "no baseline is needed",
            ja=f"{org.slug} のチェーンには必要なチェックポイントがすべてあります。"
            "基準点は不要です。",
        )
    head = {"seq": org.audit_seq, "hash": org.audit_head}
    row = record(
        session,
        org,
        principal.email,
        BASELINE_ACTION,
        "audit",
        org.slug,
        {
            "exempt": missing,
            "head": head,
            "note": "intervals written before signed checkpoints were required",
        },
    )
    sign_head(session, org, signer)
    return _event(row)
