"""Disclosure notices (guideline 2(2), fn 18): generated from what the workspace knows,
edited by a person, approved by an executive when the system's tier asks for it, and
published as immutable versions at an unguessable public address.

The draft is private to the organisation. Publishing is an audited action of a role that
writes systems; a high or critical tier system's notice also needs an executive's
approval of the very draft being published (an edit after the approval withdraws it).
Every published version is kept as it was; unpublishing leaves a record of when and why.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.notice_drafts import NoticeFacts, ProvenanceFacts, disclosed_records, draft
from tekisei.core.notices import (
    LANGS,
    SECTIONS,
    Lang,
    NoticeContent,
    NoticeLanguage,
    NoticeText,
    needs_approval,
    publishing_problems,
)
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.systems import Tier
from tekisei.db.assessments import EvidenceRow
from tekisei.db.notices import NoticeRow, NoticeVersionRow
from tekisei.db.orgs import OrgRow
from tekisei.db.provenance import SystemProvenanceRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, evidence, records, systems, transparency
from tekisei.services.changes import check_version
from tekisei.services.scope import visible_system

Status = Literal["draft", "published", "withdrawn"]
MAX_REASON = 2000


def org_of(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def public_path(public_id: str) -> str:
    """The public address of a notice, relative to the site."""
    return f"/notices/{public_id}"


def facts_of(session: Session, principal: Principal, system: SystemRow) -> NoticeFacts:
    org = org_of(session, principal)
    marks = session.get(SystemProvenanceRow, system.id)
    responsible = " ".join(p for p in (org.responsible_title, org.responsible_person) if p)
    return NoticeFacts(
        system=systems.view(system, org.slug),
        org_name=org.name,
        org_responsible=responsible,
        models=[
            records.model_fields(r) for r in records.list_models(session, principal, system.id)
        ],
        datasets=[
            records.dataset_fields(r) for r in records.list_datasets(session, principal, system.id)
        ],
        provenance=ProvenanceFacts(
            text_watermark=bool(marks and marks.text_key_id),
            c2pa=bool(marks and marks.c2pa),
            other=marks.other if marks else "",
        ),
    )


def _not_found(system_id: int) -> NotFoundError:
    return NotFoundError(
        f"system {system_id} has no notice yet; generate one ('tekisei notices draft')",
        ja=f"システム {system_id} のお知らせはまだありません。作成してください"
        "（tekisei notices draft）。",
    )


def find_notice(session: Session, principal: Principal, system_id: int) -> NoticeRow | None:
    """The notice of a visible system, if it has one.

    Raises:
        NotFoundError: the system is not visible.
    """
    system = visible_system(session, principal, system_id)
    return session.scalars(select(NoticeRow).where(NoticeRow.system_id == system.id)).first()


def get_notice(session: Session, principal: Principal, system_id: int) -> NoticeRow:
    """The notice of a visible system.

    Raises:
        NotFoundError: the system is not visible, or it has no notice yet.
    """
    row = find_notice(session, principal, system_id)
    if row is None:
        raise _not_found(system_id)
    return row


def content_of(row: NoticeRow) -> NoticeContent:
    return NoticeContent.model_validate(row.content)


def _generated(facts: NoticeFacts) -> NoticeContent:
    return NoticeContent(ja=draft(facts, "ja"), en=draft(facts, "en"))


def draft_notice(
    session: Session,
    principal: Principal,
    system_id: int,
    *,
    regenerate: bool = False,
    version: int | None = None,
) -> NoticeRow:
    """Write the first draft of a system's notice from its facts, records and provenance
    register; with ``regenerate``, write it again over the current draft (whose
    ``version`` the caller read).

    Raises:
        NotFoundError: the system is not visible.
        PermissionDeniedError: the role may not write systems.
        ConflictError: a notice exists (and ``regenerate`` was not asked), or ``version``
            is not current.
    """
    system = visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    row = session.scalars(select(NoticeRow).where(NoticeRow.system_id == system.id)).first()
    now = datetime.now(UTC)
    content = _generated(facts_of(session, principal, system))
    if row is None:
        row = NoticeRow(
            org_id=principal.org_id,
            system_id=system.id,
            public_id=secrets.token_urlsafe(16),
            content=content.model_dump(mode="json"),
            approval_status="",
            created_at=now,
            updated_at=now,
            updated_by=principal.email,
            version=1,
        )
        session.add(row)
    elif not regenerate:
        raise ConflictError(
            f"system {system_id} has a notice already; edit it, or generate it again "
            "(which replaces the draft)",
            ja=f"システム {system_id} にはお知らせがあります。編集するか、作り直してください"
            "（作り直すと下書きは置き換わります）。",
        )
    else:
        check_version(
            "お知らせ",
            system_id,
            version if version is not None else 0,
            row.version,
            kind_en="the notice of system",
        )
        row.content = content.model_dump(mode="json")
        _changed(row, principal, now)
    session.flush()
    audit.record(
        session,
        org_of(session, principal),
        principal.email,
        "notice.draft",
        "notice",
        row.id,
        {"system": system.id, "version": row.version, "regenerated": regenerate},
    )
    return row


def _changed(row: NoticeRow, principal: Principal, now: datetime) -> None:
    row.version += 1
    row.updated_at = now
    row.updated_by = principal.email


def save_notice(
    session: Session,
    principal: Principal,
    system_id: int,
    texts: dict[Lang, NoticeText | None],
    version: int,
) -> NoticeRow:
    """Save a person's edit of the draft, per language (a language left blank is not
    given); the disclosed fields of the system's records are taken again as they are now.

    Raises:
        NotFoundError: the system is not visible, or has no notice.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current.
    """
    row = get_notice(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    check_version("お知らせ", system_id, version, row.version, kind_en="the notice of system")
    system = visible_system(session, principal, system_id)
    facts = facts_of(session, principal, system)
    before = content_of(row)
    after: dict[str, NoticeLanguage | None] = {}
    for lang in LANGS:
        text = texts.get(lang)
        after[lang] = (
            None
            if text is None or text.blank
            else NoticeLanguage(**text.model_dump(), records=disclosed_records(facts, lang))
        )
    content = NoticeContent.model_validate(after)
    changed = _differences(before, content)
    if not changed:
        return row
    row.content = content.model_dump(mode="json")
    _changed(row, principal, datetime.now(UTC))
    session.flush()
    audit.record(
        session,
        org_of(session, principal),
        principal.email,
        "notice.edit",
        "notice",
        row.id,
        {"system": system.id, "version": row.version, "changed": changed},
    )
    return row


def _differences(before: NoticeContent, after: NoticeContent) -> list[str]:
    """The fields (``ja.limits``, ``en``, ``ja.records`` …) that differ."""
    out: list[str] = []
    for lang in LANGS:
        old, new = before.text(lang), after.text(lang)
        if (old is None) != (new is None):
            out.append(lang)
            continue
        if old is None or new is None:
            continue
        for name in ("title", *SECTIONS, "records"):
            if getattr(old, name) != getattr(new, name):
                out.append(f"{lang}.{name}")
    return out


def tier_of(system: SystemRow) -> Tier:
    return Tier.parse(system.tier)


def approved(row: NoticeRow) -> bool:
    return row.approval_status == "approved" and row.approval_version == row.version


def latest_version(session: Session, row: NoticeRow) -> NoticeVersionRow | None:
    if row.published_version is None:
        return None
    return session.scalars(
        select(NoticeVersionRow).where(
            NoticeVersionRow.notice_id == row.id,
            NoticeVersionRow.number == row.published_version,
        )
    ).first()


def publish_notice(
    session: Session,
    principal: Principal,
    system_id: int,
    version: int,
    *,
    files_dir: Path,
    max_bytes: int,
) -> NoticeVersionRow:
    """Publish the draft the caller read (``version``) as the notice's next version, kept
    as evidence for 2(2) and fn 18.

    Raises:
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not current; a high or critical tier system's draft
            has no executive approval; or nothing changed since the version the public
            reads.
        InvalidInputError: a required section is empty.
    """
    row = get_notice(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    system = visible_system(session, principal, system_id)
    check_version("お知らせ", system_id, version, row.version, kind_en="the notice of system")
    content = content_of(row)
    problems = publishing_problems(content)
    if problems:
        raise InvalidInputError(
            "; ".join(en for en, _ in problems), ja=" ".join(ja + "。" for _, ja in problems)
        )
    tier = tier_of(system)
    if needs_approval(tier) and not approved(row):
        tier_ja = {Tier.HIGH: "高", Tier.CRITICAL: "重大"}[tier]
        raise ConflictError(
            f"{system.name} is in the {tier.label} risk tier: an executive approves its notice "
            "before it is published. Request approval (the button on the notice page, or "
            "'tekisei notices request-approval'), then ask an executive to approve this draft",
            ja=f"「{system.name}」はリスク区分が「{tier_ja}」のため、お知らせを公開する前に"
            "経営層の承認が必要です。お知らせの画面（または tekisei notices request-approval）"
            "で承認を申請し、経営層にこの下書きを承認してもらってください。",
        )
    latest = latest_version(session, row)
    if latest is not None and row.withdrawn_at is None and latest.content == row.content:
        raise ConflictError(
            f"nothing changed since version {latest.number}, which the public reads now",
            ja=f"公開中の第{latest.number}版から変更がありません。",
        )
    number = (
        session.scalar(
            select(func.max(NoticeVersionRow.number)).where(NoticeVersionRow.notice_id == row.id)
        )
        or 0
    ) + 1
    now = datetime.now(UTC)
    # The evidence is kept first: a published version is written once and never updated.
    kept = _keep_as_evidence(
        session, principal, system, row, number, now, files_dir=files_dir, max_bytes=max_bytes
    )
    published = NoticeVersionRow(
        notice_id=row.id,
        org_id=row.org_id,
        system_id=row.system_id,
        number=number,
        content=row.content,
        published_at=now,
        published_by=principal.email,
        approved_by=row.decided_by if approved(row) else None,
        approved_at=row.decided_at if approved(row) else None,
        evidence_id=kept.id,
    )
    session.add(published)
    row.published_version = number
    row.withdrawn_at = row.withdrawn_by = row.withdrawal_reason = None
    session.flush()
    audit.record(
        session,
        org_of(session, principal),
        principal.email,
        "notice.publish",
        "notice",
        row.id,
        {
            "system": system.id,
            "number": number,
            "draft_version": row.version,
            "public_id": row.public_id,
            "languages": content.languages(),
            "approved_by": published.approved_by,
            "evidence": kept.id,
        },
    )
    transparency.link(session, principal, system.id, kept.id, "notice")
    return published


def _keep_as_evidence(
    session: Session,
    principal: Principal,
    system: SystemRow,
    row: NoticeRow,
    number: int,
    published_at: datetime,
    *,
    files_dir: Path,
    max_bytes: int,
) -> EvidenceRow:
    """The version about to be published, as a JSON file of evidence."""
    document = {
        "format": "tekisei-notice/1",
        "system": {"id": system.id, "name": system.name},
        "public_id": row.public_id,
        "number": number,
        "published_at": published_at.isoformat(),
        "content": row.content,
    }
    return evidence.add_file(
        session,
        principal,
        files_dir,
        filename=f"notice-{system.id}-v{number}.json",
        data=json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"),
        content_type="application/json",
        max_bytes=max_bytes,
        auto_title=AutoNote.of(NoteKey.NOTICE_EVIDENCE, system=system.name, number=number),
    )


def unpublish_notice(
    session: Session, principal: Principal, system_id: int, reason: str
) -> NoticeRow:
    """Take the notice down. Its address then says when and why (never that it did not
    exist); its versions stay in the workspace and the audit log.

    Raises:
        PermissionDeniedError: the role may not write systems.
        ConflictError: it is not published.
        InvalidInputError: no reason, or too long a one.
    """
    row = get_notice(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    if row.published_version is None or row.withdrawn_at is not None:
        raise ConflictError("the notice is not published", ja="このお知らせは公開されていません。")
    if not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidInputError(
            f"say why the notice is taken down (at most {MAX_REASON} characters); the public "
            "page shows the reason",
            ja=f"公開を取り下げる理由を記入してください（{MAX_REASON}文字まで）。"
            "理由は公開ページに表示されます。",
        )
    row.withdrawn_at = datetime.now(UTC)
    row.withdrawn_by = principal.email
    row.withdrawal_reason = reason.strip()
    session.flush()
    audit.record(
        session,
        org_of(session, principal),
        principal.email,
        "notice.unpublish",
        "notice",
        row.id,
        {"system": row.system_id, "number": row.published_version, "reason": row.withdrawal_reason},
    )
    return row


def status_of(row: NoticeRow) -> Status:
    if row.published_version is None:
        return "draft"
    return "withdrawn" if row.withdrawn_at is not None else "published"
