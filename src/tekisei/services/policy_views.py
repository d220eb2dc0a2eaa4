"""How members see the AI policies: the list, one policy with its draft, approval,
versions and what is in force, and one version as approved (people shown as the reader
may see them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.policies import (
    Audience,
    Lang,
    PolicyContent,
    PolicyKind,
    approval_problems,
    in_force,
    scheduled,
)
from tekisei.db.policies import PolicyAcknowledgementRow, PolicyRow, PolicyVersionRow
from tekisei.errors import NotFoundError, PermissionDeniedError
from tekisei.services import policies, policy_versions
from tekisei.services.people import ActorNames

Status = Literal["draft", "scheduled", "in_force", "withdrawn"]


class Message(BaseModel):
    """Something to tell the reader, in both languages."""

    en: str
    ja: str


class ItemOut(BaseModel):
    """A guideline item a policy addresses."""

    ref: str
    section: str
    title_ja: str
    title_en: str


class ApprovalOut(BaseModel):
    """The executive approval asked for the draft."""

    status: str
    """``pending``, ``approved`` or ``rejected``."""
    version: int | None
    """The draft version the request and decision are about."""
    requested_by: str | None
    requested_at: datetime | None
    note: str | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


class VersionSummary(BaseModel):
    """One approved version, in the list of all of them."""

    number: int
    title: str
    """Its title (in Japanese, else English)."""
    audience: Audience
    effective_on: date
    approved_by: str | None
    approved_at: datetime
    published_at: datetime | None
    languages: list[Lang]
    in_force: bool
    scheduled: bool
    """Published, and taking effect on a later date."""


class VersionView(VersionSummary):
    """One approved version, exactly as approved."""

    policy_id: int
    kind: PolicyKind
    content: PolicyContent
    items: list[ItemOut]
    approval_reason: str
    requested_by: str | None
    published_by: str | None


class PolicyView(BaseModel):
    """A policy as members of the organisation see it."""

    id: int
    kind: PolicyKind
    status: Status
    content: PolicyContent
    """The draft."""
    items: list[ItemOut]
    audience: Audience
    effective_on: date | None
    template: str
    """The templates the draft started from (tekisei's wording), or empty."""
    version: int
    approval: ApprovalOut | None
    approved_as: int | None
    """The version number the draft, unchanged since, was approved as."""
    problems: list[Message]
    """What keeps the draft from being approved now."""
    in_force: int | None
    current: int | None
    """The newest published version: the one members acknowledge."""
    scheduled: int | None
    latest: int | None
    """The newest approved version."""
    publishable: int | None
    """The approved version that may be published now (None: none)."""
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    withdrawn_by: str | None
    versions: list[VersionSummary]
    created_at: datetime
    updated_at: datetime
    updated_by: str


class PolicySummary(BaseModel):
    """A policy in the organisation's list."""

    id: int
    kind: PolicyKind
    title: str
    """The title of the version in force, else of the draft (Japanese, else English)."""
    title_en: str
    status: Status
    audience: Audience
    in_force: int | None
    effective_on: date | None
    """The effective date of the version in force (or, before one is, of the draft)."""
    approval_status: str
    acknowledged: bool | None
    """Whether the reader acknowledged the current version (None: nothing published)."""


def _items(session: Session, refs: list[str]) -> list[ItemOut]:
    wanted = set(refs)
    return [
        ItemOut(ref=n.ref, section=n.section, title_ja=n.title_ja, title_en=n.title_en)
        for n in policies.guideline_items(session)
        if n.ref in wanted
    ]


def status_of(row: PolicyRow, in_force_number: int | None, scheduled_number: int | None) -> Status:
    """Where a policy stands: withdrawn, in force, published ahead of its date, or draft."""
    if row.withdrawn_at is not None:
        return "withdrawn"
    if in_force_number is not None:
        return "in_force"
    return "scheduled" if scheduled_number is not None else "draft"


def _versions(session: Session, row: PolicyRow) -> list[PolicyVersionRow]:
    return list(
        session.scalars(
            select(PolicyVersionRow)
            .where(PolicyVersionRow.policy_id == row.id)
            .order_by(PolicyVersionRow.number.desc())
        )
    )


def _summary(
    version: PolicyVersionRow, actors: ActorNames, force: int | None, later: int | None
) -> VersionSummary:
    content = PolicyContent.model_validate(version.content)
    return VersionSummary(
        number=version.number,
        title=content.title("ja"),
        audience=Audience(version.audience),
        effective_on=version.effective_on,
        approved_by=actors(version.approved_by),
        approved_at=version.approved_at,
        published_at=version.published_at,
        languages=content.languages(),
        in_force=version.number == force,
        scheduled=version.number == later,
    )


def view(session: Session, principal: Principal, row: PolicyRow) -> PolicyView:
    """The reader's view of a policy (people shown as the reader may see them)."""
    row = policies.get_policy(session, principal, row.id)
    actors = ActorNames(session, principal)
    versions = _versions(session, row)
    today = policy_versions.today(session, policies.org_of(session, principal))
    published = policy_versions.as_published([v for v in versions if v.published_at])
    withdrawn = row.withdrawn_at is not None
    force = in_force(published, today, withdrawn=withdrawn)
    later = scheduled(published, today, withdrawn=withdrawn)
    latest = versions[0] if versions else None
    current = None if withdrawn or not published else max(p.number for p in published)
    approval = None
    if row.approval_status:
        approval = ApprovalOut(
            status=row.approval_status,
            version=row.approval_version,
            requested_by=actors(row.approval_requested_by),
            requested_at=row.approval_requested_at,
            note=row.approval_note,
            decided_by=actors(row.decided_by),
            decided_at=row.decided_at,
            reason=row.decision_reason,
        )
    content = policies.content_of(row)
    terms = policies.terms_of(row)
    return PolicyView(
        id=row.id,
        kind=PolicyKind(row.kind),
        status=status_of(row, force, later),
        content=content,
        items=_items(session, list(row.items)),
        audience=terms.audience,
        effective_on=terms.effective_on,
        template=row.template,
        version=row.version,
        approval=approval,
        approved_as=latest.number if latest and latest.draft_version == row.version else None,
        problems=[Message(en=en, ja=ja) for en, ja in approval_problems(content, terms)],
        in_force=force,
        current=current,
        scheduled=later,
        latest=latest.number if latest else None,
        publishable=(latest.number if latest and latest.published_at is None else None),
        withdrawn_at=row.withdrawn_at,
        withdrawal_reason=row.withdrawal_reason,
        withdrawn_by=actors(row.withdrawn_by),
        versions=[_summary(v, actors, force, later) for v in versions],
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=actors(row.updated_by) or "",
    )


def version_view(
    session: Session, principal: Principal, policy_id: int, number: int
) -> VersionView:
    """One approved version of a policy, as approved.

    Raises:
        NotFoundError: no such policy here, or no such version.
    """
    row = policies.get_policy(session, principal, policy_id)
    found = session.scalars(
        select(PolicyVersionRow).where(
            PolicyVersionRow.policy_id == row.id, PolicyVersionRow.number == number
        )
    ).first()
    if found is None:
        raise NotFoundError(
            f"policy {policy_id} has no approved version {number}",
            ja=f"方針 {policy_id} に第{number}版はありません。",
        )
    actors = ActorNames(session, principal)
    today = policy_versions.today(session, policies.org_of(session, principal))
    published = policy_versions.as_published(policy_versions.published(session, row.id))
    withdrawn = row.withdrawn_at is not None
    summary = _summary(
        found,
        actors,
        in_force(published, today, withdrawn=withdrawn),
        scheduled(published, today, withdrawn=withdrawn),
    )
    return VersionView(
        **summary.model_dump(),
        policy_id=row.id,
        kind=PolicyKind(row.kind),
        content=PolicyContent.model_validate(found.content),
        items=_items(session, list(found.items)),
        approval_reason=found.approval_reason,
        requested_by=actors(found.requested_by),
        published_by=actors(found.published_by),
    )


def list_policies(
    session: Session, principal: Principal, *, awaiting_approval: bool = False
) -> list[PolicySummary]:
    """The organisation's policies, by kind and then as created; with
    ``awaiting_approval``, only those waiting for an executive.

    Raises:
        PermissionDeniedError: an external tester (who sees only assigned systems).
    """
    require(principal, Permission.READ)
    if not policies.sees_policies(principal):
        raise PermissionDeniedError(
            "external testers do not see the organisation's policies",
            ja="外部テスターは組織の方針を閲覧できません。",
        )
    query = select(PolicyRow).where(PolicyRow.org_id == principal.org_id)
    if awaiting_approval:
        query = query.where(PolicyRow.approval_status == "pending")
    rows = list(session.scalars(query.order_by(PolicyRow.id)))
    order = list(PolicyKind)
    rows.sort(key=lambda r: (order.index(PolicyKind(r.kind)), r.id))
    today = policy_versions.today(session, policies.org_of(session, principal))
    mine: set[tuple[int, int]] = set()
    if principal.user_id is not None:
        mine = {
            (policy_id, number)
            for policy_id, number in session.execute(
                select(PolicyAcknowledgementRow.policy_id, PolicyAcknowledgementRow.number).where(
                    PolicyAcknowledgementRow.org_id == principal.org_id,
                    PolicyAcknowledgementRow.user_id == principal.user_id,
                )
            )
        }
    out: list[PolicySummary] = []
    for row in rows:
        versions = policy_versions.published(session, row.id)
        published = policy_versions.as_published(versions)
        withdrawn = row.withdrawn_at is not None
        force = in_force(published, today, withdrawn=withdrawn)
        shown = next((v for v in versions if v.number == force), None)
        content = policies.content_of(shown or row)
        current = None if withdrawn or not versions else versions[-1].number
        out.append(
            PolicySummary(
                id=row.id,
                kind=PolicyKind(row.kind),
                title=content.title("ja"),
                title_en=content.title("en"),
                status=status_of(row, force, scheduled(published, today, withdrawn=withdrawn)),
                audience=Audience(shown.audience if shown else row.audience),
                in_force=force,
                effective_on=shown.effective_on if shown else row.effective_on,
                approval_status=row.approval_status,
                acknowledged=None if current is None else (row.id, current) in mine,
            )
        )
    return out
