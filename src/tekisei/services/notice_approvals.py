"""Executive approval of a disclosure notice (2(2), fn 18): the draft of a high or
critical tier system is published only after an executive approved that very draft.

An editor requests the approval of the draft version they read; an executive approves or
rejects the version they read, with a reason recorded in the audit log together with who
made them a member (separation of duties). Saving the draft again makes a new version, so
an approval never covers text the executive did not see.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tekisei.core.notices import needs_approval
from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.notices import NoticeRow
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import audit, notices
from tekisei.services.changes import check_version
from tekisei.services.notifications import Event, notify
from tekisei.services.orgs import approver_facts
from tekisei.services.scope import visible_system


def request_approval(
    session: Session, principal: Principal, system_id: int, version: int, note: str = ""
) -> NoticeRow:
    """Ask an executive to approve publishing the draft (high and critical tiers).

    Raises:
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current, or this draft is already waiting.
        InvalidInputError: the tier needs no approval, or the note is too long.
    """
    row = notices.get_notice(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    system = visible_system(session, principal, system_id)
    check_version("お知らせ", system_id, version, row.version, kind_en="the notice of system")
    if not needs_approval(notices.tier_of(system)):
        raise InvalidInputError(
            "this system's tier needs no approval to publish its notice; publish it",
            ja="このシステムのリスク区分では、お知らせの公開に承認は不要です。そのまま公開してください。",
        )
    if row.approval_status in ("pending", "approved") and row.approval_version == row.version:
        raise ConflictError(
            "this draft is already waiting for an executive or approved",
            ja="この下書きはすでに承認待ちか、承認済みです。",
        )
    if len(note) > notices.MAX_REASON:
        raise InvalidInputError(
            f"the note is longer than {notices.MAX_REASON} characters",
            ja=f"メモが長すぎます（{notices.MAX_REASON}文字まで）。",
        )
    row.approval_status = "pending"
    row.approval_version = row.version
    row.approval_requested_by = principal.email
    row.approval_requested_at = datetime.now(UTC)
    row.approval_note = note.strip()
    row.decided_by = row.decided_at = row.decision_reason = row.decider_added_by = None
    session.flush()
    audit.record(
        session,
        notices.org_of(session, principal),
        principal.email,
        "notice.request_approval",
        "notice",
        row.id,
        {"system": system.id, "version": row.version, "note": row.approval_note},
    )
    notify(
        session, principal.org_id, Event.APPROVAL_REQUESTED,
        permission=Permission.APPROVE_NOTICE, skip=principal.user_id,
        link=f"/systems/{system.id}/notice",
        title_ja=f"「{system.name}」の利用者へのお知らせの公開について承認を求められています",
        title_en=f"Approval asked: publish the disclosure notice of “{system.name}”",
    )  # fmt: skip
    return row


def decide_approval(
    session: Session,
    principal: Principal,
    system_id: int,
    *,
    approve: bool,
    reason: str,
    version: int,
) -> NoticeRow:
    """An executive approves or rejects publishing the draft they read (``version``),
    with a reason.

    Raises:
        PermissionDeniedError: not an executive.
        ConflictError: nothing waits for a decision, or the draft changed since.
        InvalidInputError: no reason, or too long a one.
    """
    row = notices.get_notice(session, principal, system_id)
    require(principal, Permission.APPROVE_NOTICE)
    if row.approval_status != "pending":
        raise ConflictError(
            "no approval of this notice is waiting; the editor requests one first",
            ja="このお知らせに承認待ちの申請はありません。先に編集者が承認を申請します。",
        )
    if version != row.version or row.approval_version != row.version:
        raise ConflictError(
            "the draft changed after approval was requested; read it again and ask for "
            "approval again",
            ja="承認の申請後に下書きが変更されました。読み直してから、改めて承認を申請してください。",
        )
    if not reason.strip() or len(reason) > notices.MAX_REASON:
        raise InvalidInputError(
            f"give the reason for the decision (at most {notices.MAX_REASON} characters)",
            ja=f"判断の理由を記入してください（{notices.MAX_REASON}文字まで）。",
        )
    facts = approver_facts(session, principal)
    row.approval_status = "approved" if approve else "rejected"
    row.decided_by = principal.email
    row.decided_at = datetime.now(UTC)
    row.decision_reason = reason.strip()
    row.decider_added_by = facts["approver_added_by"]
    session.flush()
    audit.record(
        session,
        notices.org_of(session, principal),
        principal.email,
        "notice.approve" if approve else "notice.reject",
        "notice",
        row.id,
        {
            "system": row.system_id,
            "version": row.version,
            "reason": row.decision_reason,
            **facts,
            "subject_created_by": row.approval_requested_by,
        },
    )
    return row
