"""Organisations, members and their roles."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from tekisei.core.audit import GENESIS
from tekisei.core.orgs import (
    OrgActor,
    OrgCreate,
    Permission,
    Principal,
    Role,
    can,
    require,
    sees_all_systems,
)
from tekisei.core.times import check_time_zone, zone
from tekisei.db.orgs import ApiTokenRow, MembershipRow, OrgRow, UserRow, WebSessionRow
from tekisei.db.scim import ScimUserRow
from tekisei.db.systems import SystemAssignmentRow, SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import audit, literacy_rules
from tekisei.services.database import policy_of


@dataclass(frozen=True)
class OrgView:
    """An organisation as readers see it."""

    id: int
    slug: str
    name: str
    actors: list[str]
    responsible_person: str | None
    responsible_title: str | None
    time_zone: str
    """The IANA zone pages, reports and exports show its times in."""
    time_zone_is_default: bool
    """The organisation chose no zone: ``time_zone`` is the deployment's default."""
    version: int


@dataclass(frozen=True)
class MemberView:
    """A member of an organisation; the email only for those who manage people."""

    user_id: int
    email: str | None
    name: str
    role: str


def org_view(session: Session, row: OrgRow) -> OrgView:
    """The reader's view of ``row``."""
    return OrgView(
        row.id,
        row.slug,
        row.name,
        list(row.actors),
        row.responsible_person,
        row.responsible_title,
        time_zone_name(session, row),
        row.time_zone is None,
        row.version,
    )


def time_zone_name(session: Session, org: OrgRow) -> str:
    """The IANA name of the zone ``org`` reads times in: its own, else the deployment's."""
    return org.time_zone or policy_of(session).time_zone


def org_zone(session: Session, principal: Principal) -> ZoneInfo:
    """The zone the principal's organisation reads times in (pages, reports, exports)."""
    if principal.time_zone:
        return zone(principal.time_zone)
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return zone(time_zone_name(session, org))


def _slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:64] if len(slug) >= 3 else ""


def create_org(session: Session, data: OrgCreate, actor: str) -> OrgRow:
    """Register an organisation and record it as the first event of its audit chain.

    Raises:
        InvalidInputError: no usable slug could be derived from a non-Latin name, or an
            unknown time zone.
        ConflictError: the slug is taken.
    """
    time_zone = check_time_zone(data.time_zone) if data.time_zone else None
    slug = data.slug or _slugify(data.name)
    if not slug:
        raise InvalidInputError(
            f"cannot derive a short id from '{data.name}'; give one with --slug (e.g. city-x)",
            ja=f"「{data.name}」から短いIDを作れません。--slug で指定してください（例: city-x）。",
        )
    if session.scalars(select(OrgRow).where(OrgRow.slug == slug)).first() is not None:
        raise ConflictError(
            f"an organisation with the id '{slug}' exists; choose another --slug",
            ja=f"ID「{slug}」の組織はすでにあります。別の --slug を指定してください。",
        )
    row = OrgRow(
        slug=slug,
        name=data.name,
        actors=[a.value for a in data.actors],
        responsible_person=data.responsible_person,
        responsible_title=data.responsible_title,
        time_zone=time_zone,
        created_at=datetime.now(UTC),
        version=1,
        audit_seq=0,
        audit_head=GENESIS,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        row,
        actor,
        "org.create",
        "org",
        row.id,
        {
            "after": {
                "name": row.name,
                "slug": slug,
                "actors": row.actors,
                **({"time_zone": time_zone} if time_zone else {}),
            }
        },
    )
    return row


def get_org(session: Session, slug: str) -> OrgRow:
    """The organisation with ``slug``.

    Raises:
        NotFoundError: no such organisation.
    """
    row = session.scalars(select(OrgRow).where(OrgRow.slug == slug)).first()
    if row is None:
        raise NotFoundError(
            f"no organisation '{slug}'; create it with 'tekisei orgs create'",
            ja=f"組織「{slug}」はありません。tekisei orgs create で作成してください。",
        )
    return row


def org_actors(row: OrgRow) -> set[OrgActor]:
    """The organisation's actor roles."""
    return {OrgActor(a) for a in row.actors}


def update_org(
    session: Session,
    principal: Principal,
    *,
    version: int,
    name: str | None = None,
    actors: list[OrgActor] | None = None,
    responsible_person: str | None = None,
    responsible_title: str | None = None,
    time_zone: str | None = None,
) -> OrgRow:
    """Change the organisation's settings (admins only; stale versions are refused).

    ``None`` leaves a setting as it is. ``time_zone`` is an IANA name such as
    ``Asia/Tokyo``, or ``""`` to follow the deployment's default (``TEKISEI_TIME_ZONE``).

    Raises:
        PermissionDeniedError: not an admin.
        ConflictError: ``version`` is not the current version.
        InvalidInputError: no actor role, or an unknown time zone.
    """
    require(principal, Permission.MANAGE_ORG)
    row = session.get(OrgRow, principal.org_id)
    assert row is not None
    if version != row.version:
        raise ConflictError(
            f"the organisation changed since version {version} (now {row.version}); "
            "reload it and apply your change again",
            ja=f"組織の設定はバージョン{version}以降に変更されています（現在{row.version}）。"
            "読み込み直してから変更してください。",
        )
    wanted_zone = check_time_zone(time_zone) if time_zone else time_zone
    before = {
        "name": row.name,
        "actors": list(row.actors),
        "responsible_person": row.responsible_person,
        "time_zone": row.time_zone,
    }
    if name is not None:
        row.name = name
    if actors is not None:
        if not actors:
            raise InvalidInputError(
                "an organisation needs at least one actor role",
                ja="組織には少なくとも一つの主体区分が必要です。",
            )
        row.actors = [a.value for a in actors]
    if responsible_person is not None:
        row.responsible_person = responsible_person or None
    if responsible_title is not None:
        row.responsible_title = responsible_title or None
    if wanted_zone is not None:
        row.time_zone = wanted_zone or None
    row.version += 1
    after = {
        "name": row.name,
        "actors": list(row.actors),
        "responsible_person": row.responsible_person,
        "time_zone": row.time_zone,
    }
    audit.record(
        session,
        row,
        principal.email,
        "org.update",
        "org",
        row.id,
        {"before": before, "after": after},
    )
    return row


def membership(session: Session, user_id: int, org_id: int) -> MembershipRow | None:
    """The user's membership of the organisation, if any."""
    return session.scalars(
        select(MembershipRow).where(
            MembershipRow.user_id == user_id, MembershipRow.org_id == org_id
        )
    ).first()


def add_member(session: Session, org: OrgRow, user: UserRow, role: Role, actor: str) -> None:
    """Give ``user`` ``role`` in ``org`` (changing the role when already a member).

    A new membership records ``actor`` as the one who created it, so that an approval
    made through it can be traced to who made the approver a member. A member who joins
    as staff (or an external tester who becomes staff) is assigned the modules of the
    organisation's standing literacy rules (:mod:`tekisei.services.literacy_rules`).
    """
    existing = membership(session, user.id, org.id)
    if existing is None:
        # whatever role SCIM remembered from a deactivation is history once the person is
        # a member again by any path (it must never raise their role later)
        session.execute(
            update(ScimUserRow)
            .where(ScimUserRow.org_id == org.id, ScimUserRow.user_id == user.id)
            .values(deactivated_role=None)
        )
        session.add(
            MembershipRow(
                org_id=org.id,
                user_id=user.id,
                role=role.value,
                created_at=datetime.now(UTC),
                created_by=actor,
            )
        )
        before = None
    else:
        before = existing.role
        existing.role = role.value
    session.flush()
    audit.record(
        session,
        org,
        actor,
        "member.set_role",
        "user",
        user.id,
        {"email": user.email, "before": before, "after": role.value},
    )
    tester = Role.EXTERNAL_TESTER.value
    if role.value != tester and (existing is None or before == tester):
        literacy_rules.apply_rules(session, org, user.id, actor, time_zone_name(session, org))


def list_members(session: Session, principal: Principal) -> list[MemberView]:
    """Members of the principal's organisation and their roles.

    Emails are shown only to roles that manage people (admins); external testers, who
    test assigned systems and need no one's details, get no list at all.

    Raises:
        PermissionDeniedError: an external tester.
    """
    require(principal, Permission.READ)
    if not sees_all_systems(principal.role):
        raise PermissionDeniedError(
            "external testers do not see the organisation's members",
            ja="外部テスターは組織のメンバーを閲覧できません。",
        )
    emails = can(principal.role, Permission.MANAGE_ORG)
    rows = session.execute(
        select(UserRow, MembershipRow)
        .join(MembershipRow, MembershipRow.user_id == UserRow.id)
        .where(MembershipRow.org_id == principal.org_id)
        .order_by(UserRow.name, UserRow.id)
    )
    return [
        MemberView(user.id, user.email if emails else None, user.name, m.role) for user, m in rows
    ]


def approver_facts(session: Session, principal: Principal) -> dict[str, Any]:
    """What the audit log keeps about who approves something: when their account and
    membership were created and who made them a member (separation of duties)."""
    user = session.get(UserRow, principal.user_id) if principal.user_id is not None else None
    member = (
        membership(session, principal.user_id, principal.org_id)
        if principal.user_id is not None
        else None
    )

    def iso(value: datetime | None) -> str | None:
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()

    return {
        "approver_account_created_at": iso(user.created_at if user else None),
        "approver_member_since": iso(member.created_at if member else None),
        "approver_added_by": member.created_by if member else None,
    }


def _count(result: Any) -> int:
    """Rows a DELETE or UPDATE touched."""
    return int(cast("CursorResult[Any]", result).rowcount or 0)


def remove_member(session: Session, principal: Principal, user_id: int) -> None:
    """Take a member out of the organisation (admins).

    Their web sessions in this organisation end, their API tokens for it are revoked and
    their system assignments in it are removed; the account itself stays (it may belong to
    other organisations).

    Raises:
        PermissionDeniedError: not an admin.
        NotFoundError: no such member.
        ConflictError: the last admin cannot be removed.
    """
    member = membership(session, user_id, principal.org_id)
    user = session.get(UserRow, user_id)
    if member is None or user is None:
        raise NotFoundError(
            f"no member {user_id} in this organisation",
            ja=f"この組織にメンバー {user_id} はいません。",
        )
    require(principal, Permission.MANAGE_ORG)
    if member.role == Role.ADMIN.value:
        admins = session.scalar(
            select(func.count()).where(
                MembershipRow.org_id == principal.org_id, MembershipRow.role == Role.ADMIN.value
            )
        )
        if (admins or 0) <= 1:
            raise ConflictError(
                "the organisation's last admin cannot be removed; make someone else admin first",
                ja="組織の最後の管理者は削除できません。先に別のメンバーを管理者にしてください。",
            )
    now = datetime.now(UTC)
    sessions = _count(
        session.execute(
            delete(WebSessionRow).where(
                WebSessionRow.user_id == user_id, WebSessionRow.org_id == principal.org_id
            )
        )
    )
    tokens = _count(
        session.execute(
            update(ApiTokenRow)
            .where(
                ApiTokenRow.user_id == user_id,
                ApiTokenRow.org_id == principal.org_id,
                ApiTokenRow.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    )
    systems = select(SystemRow.id).where(SystemRow.org_id == principal.org_id)
    session.execute(
        delete(SystemAssignmentRow).where(
            SystemAssignmentRow.user_id == user_id, SystemAssignmentRow.system_id.in_(systems)
        )
    )
    session.delete(member)
    session.flush()
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    audit.record(
        session,
        org,
        principal.email,
        "member.remove",
        "user",
        user_id,
        {
            "email": user.email,
            "role": member.role,
            "sessions_ended": sessions,
            "tokens_revoked": tokens,
        },
    )


def cli_principal(session: Session, slug: str) -> Principal:
    """The principal of a local operator using the CLI on the server (acts as admin)."""
    org = get_org(session, slug)
    return Principal(
        user_id=None,
        email="cli",
        org_id=org.id,
        org_slug=org.slug,
        role=Role.ADMIN,
        via="cli",
        org_name=org.name,
        time_zone=time_zone_name(session, org),
    )
