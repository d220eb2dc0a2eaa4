"""Executive approval of an AI policy (guideline 2(1): management's involvement).

An editor asks for the approval of the draft version they read; an executive approves or
rejects the version they read, with a reason recorded in the audit log together with who
made them a member (separation of duties). Approving makes the draft the policy's next
version, kept exactly as approved and kept as evidence; saving the draft again makes a
new draft version, so an approval never covers text the executive did not see.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.policies import MAX_REASON, approval_problems
from tekisei.db.policies import PolicyRow, PolicyVersionRow
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import audit, policies, transparency
from tekisei.services.changes import check_version
from tekisei.services.notifications import Event, notify
from tekisei.services.orgs import approver_facts


def request_approval(
    session: Session, principal: Principal, policy_id: int, version: int, note: str = ""
) -> PolicyRow:
    """Ask an executive to approve the draft the caller read (``version``).

    Raises:
        PermissionDeniedError: the role may not write policies.
        ConflictError: ``version`` is not current; this draft is already waiting, or was
            approved and is unchanged since.
        InvalidInputError: the draft lacks a title, a body or an effective date; or the
            note is too long.
    """
    row = policies.get_policy(session, principal, policy_id)
    require(principal, Permission.WRITE_POLICIES)
    check_version("方針", policy_id, version, row.version, kind_en="policy")
    if row.approval_status == "pending" and row.approval_version == row.version:
        raise ConflictError(
            "this draft is already waiting for an executive",
            ja="この下書きはすでに経営層の承認待ちです。",
        )
    latest = policies.latest_version(session, row)
    if latest is not None and latest.draft_version == row.version:
        if latest.published_at is None:
            raise ConflictError(
                f"this draft was approved as version {latest.number}; publish it",
                ja=f"この下書きは第{latest.number}版として承認済みです。公開してください。",
            )
        if row.withdrawn_at is None:
            raise ConflictError(
                f"the draft has not changed since version {latest.number}, which is published",
                ja=f"下書きは公開中の第{latest.number}版から変わっていません。",
            )
    problems = approval_problems(policies.content_of(row), policies.terms_of(row))
    if problems:
        raise InvalidInputError(
            "the draft is not ready for approval: " + "; ".join(en for en, _ in problems),
            ja="下書きはまだ承認を受けられません: " + "。".join(ja for _, ja in problems) + "。",
        )
    if len(note) > MAX_REASON:
        raise InvalidInputError(
            f"the note is longer than {MAX_REASON} characters",
            ja=f"メモが長すぎます（{MAX_REASON}文字まで）。",
            field="note",
        )
    row.approval_status = "pending"
    row.approval_version = row.version
    row.approval_requested_by = principal.email
    row.approval_requested_at = datetime.now(UTC)
    row.approval_note = note.strip()
    row.decided_by = row.decided_at = row.decision_reason = None
    session.flush()
    audit.record(
        session,
        policies.org_of(session, principal),
        principal.email,
        "policy.request_approval",
        "policy",
        row.id,
        {"version": row.version, "note": row.approval_note},
    )
    content = policies.content_of(row)
    notify(
        session, principal.org_id, Event.APPROVAL_REQUESTED,
        permission=Permission.APPROVE_POLICY, skip=principal.user_id,
        link=f"/policies/{row.id}",
        title_ja=f"AI方針「{content.title('ja')}」の承認を求められています",
        title_en=f"Approval asked: the AI policy “{content.title('en')}”",
    )  # fmt: skip
    return row


def decide_approval(
    session: Session,
    principal: Principal,
    policy_id: int,
    *,
    approve: bool,
    reason: str,
    version: int,
) -> PolicyVersionRow | None:
    """An executive approves (the draft becomes the next version, returned) or rejects
    (None) the draft they read (``version``), with a reason.

    Raises:
        PermissionDeniedError: not an executive.
        ConflictError: nothing waits for a decision, or the draft changed since.
        InvalidInputError: no reason, or too long a one.
    """
    row = policies.get_policy(session, principal, policy_id)
    require(principal, Permission.APPROVE_POLICY)
    if row.approval_status != "pending":
        raise ConflictError(
            "no approval of this policy is waiting; an editor asks for one first",
            ja="この方針に承認待ちの申請はありません。先に編集者が承認を申請します。",
        )
    if version != row.version or row.approval_version != row.version:
        raise ConflictError(
            "the draft changed after approval was asked for; read it again and ask for "
            "approval again",
            ja="承認の申請後に下書きが変更されました。読み直してから、改めて承認を申請してください。",
        )
    if not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidInputError(
            f"give the reason for the decision (at most {MAX_REASON} characters)",
            ja=f"判断の理由を記入してください（{MAX_REASON}文字まで）。",
            field="reason",
        )
    facts = approver_facts(session, principal)
    now = datetime.now(UTC)
    row.approval_status = "approved" if approve else "rejected"
    row.decided_by = principal.email
    row.decided_at = now
    row.decision_reason = reason.strip()
    made = (
        _make_version(session, principal, row, now, facts["approver_added_by"]) if approve else None
    )
    try:
        session.flush()
    except IntegrityError:  # another executive approved the same draft at the same moment
        raise ConflictError(
            "the draft was approved at the same moment by someone else; read it again",
            ja="この下書きは、同時に別の人が承認しました。読み込み直してください。",
        ) from None
    audit.record(
        session,
        policies.org_of(session, principal),
        principal.email,
        "policy.approve" if approve else "policy.reject",
        "policy",
        row.id,
        {
            "version": row.version,
            "number": made.number if made else None,
            "reason": row.decision_reason,
            **facts,
            "subject_created_by": row.approval_requested_by,
        },
    )
    return made


def _make_version(
    session: Session,
    principal: Principal,
    row: PolicyRow,
    now: datetime,
    added_by: str | None,
) -> PolicyVersionRow:
    """The draft as the policy's next version, with its evidence (a reference to the
    policy, titled per reader)."""
    terms = policies.terms_of(row)
    assert terms.effective_on is not None  # approval_problems made sure
    number = (
        session.scalar(
            select(func.max(PolicyVersionRow.number)).where(PolicyVersionRow.policy_id == row.id)
        )
        or 0
    ) + 1
    title = policies.content_of(row).title("ja")
    kept = transparency.reference(
        session,
        principal,
        ref=f"policy:{row.id}",
        title=AutoNote.of(NoteKey.POLICY_EVIDENCE, title=title, number=number),
    )
    made = PolicyVersionRow(
        policy_id=row.id,
        org_id=row.org_id,
        number=number,
        content=row.content,
        items=list(row.items),
        audience=row.audience,
        effective_on=terms.effective_on,
        draft_version=row.version,
        requested_by=row.approval_requested_by or "",
        requested_at=row.approval_requested_at or now,
        approved_by=principal.email,
        approved_at=now,
        approval_reason=row.decision_reason or "",
        approver_added_by=added_by,
        evidence_id=kept.id,
    )
    session.add(made)
    return made
