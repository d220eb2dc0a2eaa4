"""The public governance statement of each organisation (guideline 2(1), 3(4)): put
together from the workspace, previewed by its members, published by an administrator as
immutable versions at a stable address (``/orgs/<slug>/statement``), taken down with a
record of when and why.

Other parts of tekisei add sections through :func:`register_section`: a provider is given
the session and the organisation and returns a :class:`StatementSection` (or None, the
default of every organisation that has nothing to show). The latest published HAIP report
is meant to be one.

A published statement is evidence for 2(1) and 3(4) in the open guideline assessments of
the organisation's systems, where those items apply (``services/transparency.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.catalog import Localized
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, require, sees_all_systems
from tekisei.core.policies import Audience, PolicyKind
from tekisei.core.statements import (
    Responsible,
    StatementContent,
    StatementPolicy,
    StatementSection,
    StatementSystem,
    digest,
)
from tekisei.db.notices import NoticeRow
from tekisei.db.orgs import OrgRow
from tekisei.db.policies import PolicyRow
from tekisei.db.statements import StatementRow, StatementVersionRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, PermissionDeniedError
from tekisei.services import audit, haip_reports, policy_versions, transparency
from tekisei.services.notices import public_path as notice_path
from tekisei.services.people import ActorNames

Status = Literal["draft", "published", "withdrawn"]
MAX_REASON = 2000

SectionProvider = Callable[[Session, OrgRow], StatementSection | None]
"""What a part of tekisei that adds a section to statements provides."""
_SECTIONS: dict[str, SectionProvider] = {}


def register_section(key: str, provider: SectionProvider) -> None:
    """Add a section, under ``key`` (sections are shown in the order of their keys), to
    every statement put together from now on; registering a key again replaces it."""
    _SECTIONS[key] = provider


def unregister_section(key: str) -> None:
    """Stop adding the section ``key``."""
    _SECTIONS.pop(key, None)


def registered_sections() -> list[str]:
    """The keys of the sections statements get, in order."""
    return sorted(_SECTIONS)


def public_path(slug: str) -> str:
    """The public address of an organisation's statement, relative to the site."""
    return f"/orgs/{slug}/statement"


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def compose(session: Session, org: OrgRow) -> StatementContent:
    """The statement as it would be published now."""
    kinds = list(PolicyKind)
    public: list[StatementPolicy] = []
    for version in policy_versions.in_force_for_org(session, org):
        policy = session.get(PolicyRow, version.policy_id)
        if policy is None or version.audience != Audience.PUBLIC.value:
            continue
        public.append(
            StatementPolicy.model_validate(
                {
                    "policy_id": policy.id,
                    "kind": policy.kind,
                    "number": version.number,
                    "effective_on": version.effective_on,
                    "content": version.content,
                }
            )
        )
    public.sort(key=lambda p: (kinds.index(p.kind), p.policy_id))
    basic = next((p for p in public if p.kind is PolicyKind.BASIC), None)
    notices = session.execute(
        select(SystemRow, NoticeRow)
        .join(NoticeRow, NoticeRow.system_id == SystemRow.id)
        .where(
            SystemRow.org_id == org.id,
            NoticeRow.published_version.is_not(None),
            NoticeRow.withdrawn_at.is_(None),
        )
        .order_by(SystemRow.name, SystemRow.id)
    )
    systems = [
        StatementSystem(
            name=system.name,
            tier=system.tier,
            notice_path=notice_path(notice.public_id),
            notice_version=notice.published_version or 0,
        )
        for system, notice in notices
    ]
    person = (org.responsible_person or "").strip()
    return StatementContent(
        organisation=org.name,
        slug=org.slug,
        actors=list(org.actors),
        responsible=Responsible(person=person, title=(org.responsible_title or "").strip())
        if person
        else None,
        basic_policy=basic,
        policies=[p for p in public if p is not basic],
        systems=systems,
        sections=[
            section
            for key in registered_sections()
            if (section := _SECTIONS[key](session, org)) is not None
        ],
    )


class VersionSummary(BaseModel):
    """One published version of the statement."""

    number: int
    published_at: datetime
    published_by: str | None


class StatementView(BaseModel):
    """The statement as members of the organisation see it: what publishing now would
    publish, and where the published one stands."""

    content: StatementContent
    digest: str
    """Identifies this preview: publishing with it refuses a statement that changed since."""
    status: Status
    published_version: int | None
    changed_since_published: bool
    public_path: str
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    versions: list[VersionSummary]


def _row(session: Session, org_id: int) -> StatementRow | None:
    return session.scalars(select(StatementRow).where(StatementRow.org_id == org_id)).first()


def _readable(principal: Principal) -> None:
    require(principal, Permission.READ)
    if not sees_all_systems(principal.role):
        raise PermissionDeniedError(
            "external testers do not see the organisation's governance statement here; read "
            "the published one at its public address",
            ja="外部テスターはここで組織のAIガバナンス声明を閲覧できません。公開ページを"
            "ご覧ください。",
        )


def status_of(row: StatementRow | None) -> Status:
    if row is None or row.published_version is None:
        return "draft"
    return "withdrawn" if row.withdrawn_at is not None else "published"


def latest(session: Session, row: StatementRow | None) -> StatementVersionRow | None:
    """The published version the public reads (or last read, when taken down)."""
    if row is None or row.published_version is None:
        return None
    return session.scalars(
        select(StatementVersionRow).where(
            StatementVersionRow.statement_id == row.id,
            StatementVersionRow.number == row.published_version,
        )
    ).first()


def preview(session: Session, principal: Principal) -> StatementView:
    """What publishing the statement now would publish, and the versions published.

    Raises:
        PermissionDeniedError: an external tester.
    """
    _readable(principal)
    org = _org(session, principal)
    row = _row(session, org.id)
    content = compose(session, org)
    found = digest(content)
    shown = latest(session, row)
    actors = ActorNames(session, principal)
    versions: list[StatementVersionRow] = (
        list(
            session.scalars(
                select(StatementVersionRow)
                .where(StatementVersionRow.statement_id == row.id)
                .order_by(StatementVersionRow.number.desc())
            )
        )
        if row is not None
        else []
    )
    return StatementView(
        content=content,
        digest=found,
        status=status_of(row),
        published_version=row.published_version if row else None,
        changed_since_published=shown is None or shown.digest != found,
        public_path=public_path(org.slug),
        withdrawn_at=row.withdrawn_at if row else None,
        withdrawal_reason=row.withdrawal_reason if row else None,
        versions=[
            VersionSummary(
                number=v.number, published_at=v.published_at, published_by=actors(v.published_by)
            )
            for v in versions
        ],
    )


def publish_statement(
    session: Session, principal: Principal, previewed: str | None = None
) -> StatementVersionRow:
    """Publish the statement as it stands now as its next version, kept as evidence for
    2(1) and 3(4). With ``previewed`` (a preview's digest), only that very statement is
    published.

    Raises:
        PermissionDeniedError: the role may not publish the statement (administrators do).
        ConflictError: the statement changed since the preview, or nothing changed since
            the version the public reads.
        InvalidInputError: there is nothing to state yet.
    """
    require(principal, Permission.PUBLISH_STATEMENT)
    org = _org(session, principal)
    content = compose(session, org)
    found = digest(content)
    if previewed is not None and previewed != found:
        raise ConflictError(
            "the statement changed since you previewed it (a policy, a notice or the "
            "organisation's settings changed); preview it again before publishing",
            ja="プレビューの後に声明の内容が変わりました（方針・お知らせ・組織の設定の変更）。"
            "もう一度プレビューしてから公開してください。",
        )
    if content.empty:
        raise InvalidInputError(
            "the statement has nothing to say yet: name the person responsible for AI "
            "governance in the organisation's settings, or publish a public AI policy or a "
            "disclosure notice",
            ja="声明に載せる内容がまだありません。組織の設定でAIガバナンスの責任者を登録するか、"
            "一般に公開するAI方針か利用者へのお知らせを公開してください。",
        )
    now = datetime.now(UTC)
    row = _row(session, org.id)
    if row is None:
        row = StatementRow(
            org_id=org.id, created_at=now, updated_at=now, updated_by=principal.email, version=1
        )
        session.add(row)
        session.flush()
    shown = latest(session, row)
    if shown is not None and row.withdrawn_at is None and shown.digest == found:
        raise ConflictError(
            f"nothing changed since version {shown.number}, which the public reads now",
            ja=f"公開中の第{shown.number}版から変更がありません。",
        )
    number = (
        session.scalar(
            select(func.max(StatementVersionRow.number)).where(
                StatementVersionRow.statement_id == row.id
            )
        )
        or 0
    ) + 1
    kept = transparency.reference(
        session,
        principal,
        ref=f"statement:{number}",
        title=AutoNote.of(NoteKey.STATEMENT_EVIDENCE, number=number),
    )
    published = StatementVersionRow(
        statement_id=row.id,
        org_id=org.id,
        number=number,
        content=content.model_dump(mode="json"),
        digest=found,
        published_at=now,
        published_by=principal.email,
        evidence_id=kept.id,
    )
    session.add(published)
    row.published_version = number
    row.withdrawn_at = row.withdrawn_by = row.withdrawal_reason = None
    row.updated_at, row.updated_by = now, principal.email
    row.version += 1
    session.flush()
    audit.record(
        session,
        org,
        principal.email,
        "statement.publish",
        "statement",
        row.id,
        {
            "number": number,
            "digest": found,
            "policies": [
                p.policy_id for p in ([content.basic_policy] if content.basic_policy else [])
            ]
            + [p.policy_id for p in content.policies],
            "systems": len(content.systems),
            "sections": [s.key for s in content.sections],
            "evidence": kept.id,
        },
    )
    transparency.link_org(session, principal, kept.id, transparency.USES["statement"])
    return published


def unpublish_statement(session: Session, principal: Principal, reason: str) -> StatementRow:
    """Take the statement down. Its address then says when and why (never that it did
    not exist); its versions stay in the workspace and the audit log.

    Raises:
        PermissionDeniedError: the role may not publish the statement.
        ConflictError: it is not published.
        InvalidInputError: no reason, or too long a one.
    """
    require(principal, Permission.PUBLISH_STATEMENT)
    row = _row(session, principal.org_id)
    if row is None or row.published_version is None or row.withdrawn_at is not None:
        raise ConflictError(
            "the statement is not published", ja="AIガバナンス声明は公開されていません。"
        )
    if not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidInputError(
            f"say why the statement is taken down (at most {MAX_REASON} characters); the "
            "public page shows the reason",
            ja=f"公開を取り下げる理由を記入してください（{MAX_REASON}文字まで）。"
            "理由は公開ページに表示されます。",
            field="reason",
        )
    now = datetime.now(UTC)
    row.withdrawn_at = now
    row.withdrawn_by = principal.email
    row.withdrawal_reason = reason.strip()
    row.updated_at, row.updated_by = now, principal.email
    row.version += 1
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "statement.unpublish",
        "statement",
        row.id,
        {"number": row.published_version, "reason": row.withdrawal_reason},
    )
    return row


def _haip_section(session: Session, org: OrgRow) -> StatementSection | None:
    """The organisation's latest published HAIP report (guideline fn 16), when there is one."""
    report = haip_reports.latest_published(session, org.id)
    if report is None:
        return None
    return StatementSection(
        key="haip",
        heading=Localized(
            ja="HAIP報告書（広島AIプロセス）", en="HAIP report (Hiroshima AI Process)"
        ),
        title=report.title,
        detail=f"{report.period_start.isoformat()} – {report.period_end.isoformat()}",
        published_at=report.published_at,
        path=report.public_path,
    )


register_section("haip", _haip_section)
