"""AI policies (guideline 2(1)): an organisation's policy documents, started from tekisei's
templates, edited as drafts, approved by an executive as immutable versions
(``services/policy_approvals.py``), published for the public or for members only, in
force from their effective date, and withdrawn with a record of when and why.

Policies belong to the organisation, not to a system: every member reads them except
external testers, who see only the systems assigned to them (for them a policy is "not
found"). Administrators and editors write drafts and publish approved versions; only an
executive approves. A version in force is evidence for the guideline items it names in the
open guideline assessments of the organisation's systems (``services/transparency.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, require, sees_all_systems
from tekisei.core.policies import (
    DEFAULT_ITEMS,
    LANGS,
    MAX_REASON,
    Audience,
    Lang,
    PolicyContent,
    PolicyKind,
    PolicyTerms,
    PolicyText,
)
from tekisei.core.policy_templates import TEMPLATE_VERSION, from_template, template_name
from tekisei.db.catalog import CatalogNodeRow
from tekisei.db.orgs import OrgRow
from tekisei.db.policies import PolicyRow, PolicyVersionRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, policy_versions, transparency
from tekisei.services.changes import check_version
from tekisei.services.systems import GUIDELINE

PUBLIC_BY_DEFAULT = frozenset({PolicyKind.BASIC, PolicyKind.DATA})
"""Kinds whose new drafts are meant for the public (the rest for members only)."""
MAX_POLICIES = 200
"""Policies one organisation may hold (withdrawn ones included)."""


def org_of(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _not_found(policy_id: int) -> NotFoundError:
    return NotFoundError(
        f"no policy {policy_id} in this organisation",
        ja=f"この組織に方針 {policy_id} はありません。",
    )


def sees_policies(principal: Principal) -> bool:
    """Whether the principal reads the organisation's policies (every role but the
    external tester, who sees only assigned systems)."""
    return sees_all_systems(principal.role)


def get_policy(session: Session, principal: Principal, policy_id: int) -> PolicyRow:
    """A policy of the principal's organisation.

    Raises:
        NotFoundError: no such policy here, or the principal is an external tester.
    """
    require(principal, Permission.READ)
    row = session.get(PolicyRow, policy_id)
    if row is None or row.org_id != principal.org_id or not sees_policies(principal):
        raise _not_found(policy_id)
    return row


def content_of(row: PolicyRow | PolicyVersionRow) -> PolicyContent:
    return PolicyContent.model_validate(row.content)


def terms_of(row: PolicyRow) -> PolicyTerms:
    return PolicyTerms(
        items=list(row.items),
        audience=Audience(row.audience),
        effective_on=row.effective_on,
    )


def guideline_items(session: Session) -> list[CatalogNodeRow]:
    """The guideline's assessable items, in guideline order (what a policy may name)."""
    return list(
        session.scalars(
            select(CatalogNodeRow)
            .where(CatalogNodeRow.framework_id == GUIDELINE, CatalogNodeRow.assessable)
            .order_by(CatalogNodeRow.position)
        )
    )


def check_items(session: Session, items: list[str]) -> list[str]:
    """``items`` without repeats, in guideline order, when each is an assessable item of
    the guideline.

    Raises:
        InvalidInputError: an item the guideline does not have, named.
    """
    known = [n.ref for n in guideline_items(session)]
    unknown = sorted(set(items) - set(known))
    if unknown:
        shown = ", ".join(unknown[:10])
        raise InvalidInputError(
            f"not items of the guideline that can be assessed: {shown}; give references such "
            "as 2.1, 1.3.3 or fn15 ('tekisei catalog show jp-ai-appropriateness-2025' lists "
            "them)",
            ja=f"指針のアセスメントの項目にないものがあります: {shown}。2.1、1.3.3、fn15 の"
            "ように指定してください（一覧は tekisei catalog show jp-ai-appropriateness-2025）。",
            field="items",
        )
    wanted = set(items)
    return [ref for ref in known if ref in wanted]


def template(kind: PolicyKind, organisation: str) -> PolicyContent:
    """tekisei's template of ``kind`` in both languages, naming ``organisation``."""
    folder = resources.files("tekisei.catalogs") / "policies"
    texts = {
        lang: from_template((folder / template_name(kind, lang)).read_text("utf-8"), organisation)
        for lang in LANGS
    }
    return PolicyContent.model_validate(texts)


def create_policy(
    session: Session, principal: Principal, kind: PolicyKind, *, from_template: bool = True
) -> PolicyRow:
    """Start a policy of ``kind`` from tekisei's template in both languages (or blank),
    naming the guideline items the kind addresses by default.

    Raises:
        PermissionDeniedError: the role may not write policies.
        ConflictError: the organisation holds the most policies it may.
    """
    require(principal, Permission.WRITE_POLICIES)
    count = session.scalar(
        select(func.count()).select_from(PolicyRow).where(PolicyRow.org_id == principal.org_id)
    )
    if (count or 0) >= MAX_POLICIES:
        raise ConflictError(
            f"an organisation holds at most {MAX_POLICIES} policies; edit an existing one",
            ja=f"一つの組織が持てる方針は{MAX_POLICIES}件までです。既存の方針を編集してください。",
        )
    org = org_of(session, principal)
    known = {n.ref for n in guideline_items(session)}
    content = template(kind, org.name) if from_template else PolicyContent()
    now = datetime.now(UTC)
    row = PolicyRow(
        org_id=principal.org_id,
        kind=kind.value,
        content=content.model_dump(mode="json"),
        items=[ref for ref in DEFAULT_ITEMS[kind] if ref in known],
        audience=(Audience.PUBLIC if kind in PUBLIC_BY_DEFAULT else Audience.INTERNAL).value,
        effective_on=None,
        template=TEMPLATE_VERSION if from_template else "",
        approval_status="",
        created_at=now,
        created_by=principal.email,
        updated_at=now,
        updated_by=principal.email,
        version=1,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        org,
        principal.email,
        "policy.create",
        "policy",
        row.id,
        {"kind": kind.value, "template": row.template, "items": row.items},
    )
    return row


def _changed(row: PolicyRow, principal: Principal, now: datetime) -> None:
    row.version += 1
    row.updated_at = now
    row.updated_by = principal.email


def _differences(
    before: PolicyContent, after: PolicyContent, old: PolicyTerms, new: PolicyTerms
) -> list[str]:
    """The fields (``ja.body``, ``en``, ``items``, ``effective_on`` …) that differ."""
    out: list[str] = []
    for lang in LANGS:
        was, now = before.text(lang), after.text(lang)
        if (was is None) != (now is None):
            out.append(lang)
        elif was is not None and now is not None:
            out += [f"{lang}.{f}" for f in ("title", "body") if getattr(was, f) != getattr(now, f)]
    out += [f for f in ("items", "audience", "effective_on") if getattr(old, f) != getattr(new, f)]
    return out


def save_draft(
    session: Session,
    principal: Principal,
    policy_id: int,
    texts: dict[Lang, PolicyText | None],
    terms: PolicyTerms,
    version: int,
) -> PolicyRow:
    """Save an edit of the draft the caller read (``version``): the text per language (a
    language left blank is not given), the guideline items, the audience and the effective
    date. An edit after an approval was asked for leaves that request behind: the new
    draft needs its own.

    Raises:
        NotFoundError: no such policy here.
        PermissionDeniedError: the role may not write policies.
        ConflictError: ``version`` is not current.
        InvalidInputError: an item the guideline does not have.
    """
    row = get_policy(session, principal, policy_id)
    require(principal, Permission.WRITE_POLICIES)
    check_version("方針", policy_id, version, row.version, kind_en="policy")
    items = check_items(session, list(terms.items))
    after_terms = terms.model_copy(update={"items": items})
    content = PolicyContent.model_validate(
        {lang: None if (text := texts.get(lang)) is None or text.blank else text for lang in LANGS}
    )
    changed = _differences(content_of(row), content, terms_of(row), after_terms)
    if not changed:
        return row
    row.content = content.model_dump(mode="json")
    row.items = items
    row.audience = after_terms.audience.value
    row.effective_on = after_terms.effective_on
    _changed(row, principal, datetime.now(UTC))
    session.flush()
    audit.record(
        session,
        org_of(session, principal),
        principal.email,
        "policy.edit",
        "policy",
        row.id,
        {"version": row.version, "changed": changed},
    )
    return row


def latest_version(session: Session, row: PolicyRow) -> PolicyVersionRow | None:
    """The newest approved version of a policy."""
    return session.scalars(
        select(PolicyVersionRow)
        .where(PolicyVersionRow.policy_id == row.id)
        .order_by(PolicyVersionRow.number.desc())
    ).first()


def current_version(session: Session, row: PolicyRow) -> PolicyVersionRow | None:
    """The newest published version (what members acknowledge), None when none is
    published or the policy is withdrawn."""
    if row.withdrawn_at is not None:
        return None
    versions = policy_versions.published(session, row.id)
    return versions[-1] if versions else None


def publish_version(
    session: Session, principal: Principal, policy_id: int, number: int
) -> PolicyVersionRow:
    """Publish approved version ``number`` (the newest approved one) for its audience. It
    is in force from its effective date; from then on it is evidence for the items it
    names. Publishing a policy that was withdrawn puts it back in force.

    Raises:
        NotFoundError: no such policy or version.
        PermissionDeniedError: the role may not write policies.
        ConflictError: it is already published, or a newer version was approved since.
    """
    row = get_policy(session, principal, policy_id)
    require(principal, Permission.WRITE_POLICIES)
    version = session.scalars(
        select(PolicyVersionRow).where(
            PolicyVersionRow.policy_id == row.id, PolicyVersionRow.number == number
        )
    ).first()
    if version is None:
        raise NotFoundError(
            f"policy {policy_id} has no approved version {number}; an executive approves a "
            "draft first",
            ja=f"方針 {policy_id} に承認済みの第{number}版はありません。先に経営層が下書きを"
            "承認します。",
        )
    latest = latest_version(session, row)
    assert latest is not None
    if version.published_at is not None and row.withdrawn_at is None:
        raise ConflictError(
            f"version {number} is published already",
            ja=f"第{number}版はすでに公開されています。",
        )
    if version.published_at is not None or latest.number != number:
        raise ConflictError(
            f"version {latest.number} is the newest approved version; publish that one (an "
            "older or withdrawn version is not published again: approve a new draft)",
            ja=f"承認済みの最新版は第{latest.number}版です。その版を公開してください（古い版や"
            "廃止した版は公開し直せません。新しい下書きを承認してもらってください）。",
        )
    # Written only where it is still unwritten: of two people publishing at the same
    # moment, the second finds it done (the row lock makes PostgreSQL re-read it).
    stamped = session.execute(
        update(PolicyVersionRow)
        .where(PolicyVersionRow.id == version.id, PolicyVersionRow.published_at.is_(None))
        .values(published_at=datetime.now(UTC), published_by=principal.email)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", stamped).rowcount != 1:
        raise ConflictError(
            f"version {number} was published at the same moment by someone else",
            ja=f"第{number}版は、同時に別の人が公開しました。",
        )
    session.refresh(version)
    reinstated = row.withdrawn_at is not None
    row.withdrawn_at = row.withdrawn_by = row.withdrawal_reason = None
    session.flush()
    org = org_of(session, principal)
    audit.record(
        session,
        org,
        principal.email,
        "policy.publish",
        "policy",
        row.id,
        {
            "number": number,
            "audience": version.audience,
            "effective_on": version.effective_on.isoformat(),
            "reinstated": reinstated,
        },
    )
    take_effect(session, principal)
    return version


def withdraw_policy(
    session: Session, principal: Principal, policy_id: int, reason: str
) -> PolicyRow:
    """Withdraw the policy: no version is in force from now on. Its page and the audit
    log keep when and why; its versions stay as they were.

    Raises:
        PermissionDeniedError: the role may not write policies.
        ConflictError: nothing is published to withdraw.
        InvalidInputError: no reason, or too long a one.
    """
    row = get_policy(session, principal, policy_id)
    require(principal, Permission.WRITE_POLICIES)
    if row.withdrawn_at is not None or not policy_versions.published(session, row.id):
        raise ConflictError(
            "the policy is not published, so there is nothing to withdraw",
            ja="この方針は公開されていないため、廃止できません。",
        )
    if not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidInputError(
            f"say why the policy is withdrawn (at most {MAX_REASON} characters)",
            ja=f"廃止する理由を記入してください（{MAX_REASON}文字まで）。",
            field="reason",
        )
    row.withdrawn_at = datetime.now(UTC)
    row.withdrawn_by = principal.email
    row.withdrawal_reason = reason.strip()
    session.flush()
    audit.record(
        session,
        org_of(session, principal),
        principal.email,
        "policy.withdraw",
        "policy",
        row.id,
        {"reason": row.withdrawal_reason},
    )
    return row


def take_effect(session: Session, principal: Principal) -> list[str]:
    """Attach every version in force today to the open guideline assessments of the
    organisation's systems, for the items it names (what is attached already stays as it
    is); returns the URNs newly attached to. Publishing does this at once; a version
    published ahead of its effective date is attached by the next publication, the next
    assessment that starts, or ``tekisei policies take-effect`` (run it daily).

    Raises:
        PermissionDeniedError: the role may not write policies.
    """
    require(principal, Permission.WRITE_POLICIES)
    attached: list[str] = []
    for version in policy_versions.in_force_for_org(session, org_of(session, principal)):
        if version.evidence_id is not None:
            use = transparency.policy_use(version.items)
            attached += transparency.link_org(session, principal, version.evidence_id, use)
    return attached
