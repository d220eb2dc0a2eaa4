"""SCIM Users of an organisation: its members, and the accounts its identity provider
provisioned and deactivated.

A SCIM User of an organisation is an account that is a member of it or that its SCIM
token provisioned (and not deleted). ``active`` is the membership: deactivating (or
deleting) removes the membership in the same transaction as the member's web sessions
for the organisation and their API tokens for it (``services.orgs.remove_member``), so
that the leaver's very next request is refused. Other organisations' memberships are
never touched, and the account itself is never deleted. The organisation's last admin is
never removed or demoted through SCIM (409).

Deactivating remembers the member's role (``ScimUserRow.deactivated_role``) and
reactivating gives it back, never a higher one: only a change of their role groups while
they are away replaces it (with the groups' role, as for an active member). DELETE
forgets it with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, and_, delete, false, func, not_, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from tekisei.core.orgs import Principal, Role
from tekisei.core.scim import (
    USER_FILTERS,
    Compare,
    Filter,
    Logical,
    Not,
    ScimMutabilityError,
    ScimPreconditionError,
    ScimUniquenessError,
    effective_role,
    parse_filter,
)
from tekisei.core.scim_resources import UserAttributes
from tekisei.db.orgs import MembershipRow, OrgRow, UserRow
from tekisei.db.scim import ScimGroupMemberRow, ScimGroupRow, ScimUserRow
from tekisei.errors import ConflictError, NotFoundError
from tekisei.services import audit
from tekisei.services.orgs import add_member, membership, remove_member, time_zone_name
from tekisei.services.scim_common import aware, caller_org, now, weak_etag
from tekisei.services.scim_tokens import ScimCaller
from tekisei.services.users import UserCreate, find_user, new_account

UNUSABLE_PASSWORD = "!scim-provisioned"
"""The password hash of an account SCIM created: no password matches it (argon2 cannot
read it), so the person signs in by single sign-on or an operator sets a password."""


@dataclass(frozen=True)
class ScimUserView:
    """A SCIM User as the identity provider reads it."""

    id: str
    attrs: UserAttributes
    groups: tuple[tuple[str, str], ...]
    """(id, displayName) of its groups in the organisation."""
    created: datetime
    last_modified: datetime

    @property
    def version(self) -> str:
        """The weak ETag of this state (``meta.version``)."""
        return weak_etag((self.id, self.attrs, self.groups))


def scim_principal(session: Session, caller: ScimCaller, org: OrgRow) -> Principal:
    """The principal the services act as for a SCIM token (an admin named
    ``scim:<token name>``, for no account)."""
    return Principal(
        user_id=None,
        email=caller.actor,
        org_id=org.id,
        org_slug=org.slug,
        role=Role.ADMIN,
        via="token",
        org_name=org.name,
        time_zone=time_zone_name(session, org),
    )


def _visible(org_id: int) -> Select[UserRow, MembershipRow, ScimUserRow]:
    return (
        select(UserRow, MembershipRow, ScimUserRow)
        .outerjoin(
            MembershipRow,
            and_(MembershipRow.user_id == UserRow.id, MembershipRow.org_id == org_id),
        )
        .outerjoin(
            ScimUserRow, and_(ScimUserRow.user_id == UserRow.id, ScimUserRow.org_id == org_id)
        )
        .where(or_(MembershipRow.id.is_not(None), ScimUserRow.id.is_not(None)))
    )


def _condition(found: Filter) -> ColumnElement[bool]:
    if isinstance(found, Logical):
        left, right = _condition(found.left), _condition(found.right)
        return and_(left, right) if found.op == "and" else or_(left, right)
    if isinstance(found, Not):
        return not_(_condition(found.inner))
    return _compare(found)


def _compare(found: Compare) -> ColumnElement[bool]:
    column: Any
    if found.attribute == "active":
        column = MembershipRow.id.is_not(None)
        if found.op == "pr":
            return true()
        if not isinstance(found.value, bool) or found.op not in {"eq", "ne"}:
            return false()
        wanted = found.value if found.op == "eq" else not found.value
        return MembershipRow.id.is_not(None) if wanted else MembershipRow.id.is_(None)
    if found.attribute == "id":
        if found.op == "pr":
            return true()
        value = found.value
        if found.op != "eq" or not isinstance(value, str) or not value.isdigit():
            return false() if found.op != "ne" else true()
        return UserRow.id == int(value)
    exact = found.attribute == "externalId"
    column = {
        "userName": UserRow.email,
        "emails.value": UserRow.email,
        "externalId": ScimUserRow.external_id,
        "displayName": func.coalesce(ScimUserRow.display_name, UserRow.name),
    }[found.attribute]
    if found.op == "pr":
        return cast("ColumnElement[bool]", column.is_not(None))
    if not isinstance(found.value, str):
        return cast(
            "ColumnElement[bool]", column.is_(None) if found.op == "eq" else column.is_not(None)
        )
    value = found.value if exact else found.value.lower()
    target = column if exact else func.lower(column)
    if found.op == "eq":
        return target == value
    if found.op == "ne":
        return or_(target != value, column.is_(None))
    if found.op == "co":
        return target.contains(value, autoescape=True)
    if found.op == "sw":
        return target.startswith(value, autoescape=True)
    return target.endswith(value, autoescape=True)


def _groups(session: Session, org_id: int, user_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    if not user_ids:
        return found
    rows = session.execute(
        select(ScimGroupMemberRow.user_id, ScimGroupRow.id, ScimGroupRow.display_name)
        .join(ScimGroupRow, ScimGroupRow.id == ScimGroupMemberRow.group_id)
        .where(ScimGroupRow.org_id == org_id, ScimGroupMemberRow.user_id.in_(user_ids))
        .order_by(ScimGroupRow.id)
    )
    for user_id, group_id, name in rows:
        found.setdefault(user_id, []).append((str(group_id), name))
    return found


def _attrs(user: UserRow, member: MembershipRow | None, row: ScimUserRow | None) -> UserAttributes:
    if row is None:
        return UserAttributes(
            user_name=user.email,
            active=member is not None,
            display_name=user.name,
            emails=((user.email, "work", True),),
        )
    return UserAttributes(
        user_name=user.email,
        external_id=row.external_id,
        active=member is not None,
        given_name=row.given_name,
        family_name=row.family_name,
        display_name=row.display_name,
        emails=tuple(_email(e) for e in row.emails),
    )


def _email(stored: dict[str, object]) -> tuple[str, str | None, bool]:
    kind = stored.get("type")
    return (
        str(stored["value"]),
        kind if isinstance(kind, str) else None,
        bool(stored.get("primary")),
    )


def _view(
    user: UserRow,
    member: MembershipRow | None,
    row: ScimUserRow | None,
    groups: list[tuple[str, str]],
) -> ScimUserView:
    created = (
        row.created_at if row is not None else member.created_at if member else user.created_at
    )
    modified = row.updated_at if row is not None else created
    return ScimUserView(
        str(user.id), _attrs(user, member, row), tuple(groups), aware(created), aware(modified)
    )


def list_users(
    session: Session, caller: ScimCaller, filter_text: str | None, start: int, count: int
) -> tuple[int, list[ScimUserView]]:
    """One page of the organisation's SCIM Users, ordered by id.

    Args:
        filter_text: a SCIM filter over userName, externalId, emails.value, id, active and
            displayName.
        start: the 1-based index of the first.
        count: how many at most.

    Returns:
        How many match in all, and the page.

    Raises:
        ScimFilterError: the filter cannot be used.
    """
    query = _visible(caller.org_id)
    if filter_text:
        query = query.where(_condition(parse_filter(filter_text, USER_FILTERS)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.order_by(UserRow.id).offset(max(start, 1) - 1).limit(count)
    rows = list(session.execute(page))
    groups = _groups(session, caller.org_id, [user.id for user, _m, _r in rows])
    return int(total), [_view(u, m, r, groups.get(u.id, [])) for u, m, r in rows]


def _not_found(user_id: str) -> NotFoundError:
    return NotFoundError(
        f"no user {user_id[:40]} in this organisation",
        ja=f"この組織にユーザー {user_id[:40]} はいません。",
    )


def _find(
    session: Session, caller: ScimCaller, user_id: str
) -> tuple[UserRow, MembershipRow | None, ScimUserRow | None]:
    if not user_id.isdigit() or len(user_id) > 10:
        raise _not_found(user_id)
    found = session.execute(_visible(caller.org_id).where(UserRow.id == int(user_id))).first()
    if found is None:
        raise _not_found(user_id)
    user, member, row = found
    return user, member, row


def get_user(session: Session, caller: ScimCaller, user_id: str) -> ScimUserView:
    """A SCIM User of the organisation.

    Raises:
        NotFoundError: no such user in this organisation (another organisation's too).
    """
    user, member, row = _find(session, caller, user_id)
    return _view(user, member, row, _groups(session, caller.org_id, [user.id]).get(user.id, []))


def _check_external_id(
    session: Session, caller: ScimCaller, external_id: str | None, user_id: int | None
) -> None:
    if external_id is None:
        return
    other = session.scalars(
        select(ScimUserRow.user_id).where(
            ScimUserRow.org_id == caller.org_id, ScimUserRow.external_id == external_id
        )
    ).first()
    if other is not None and other != user_id:
        raise ScimUniquenessError(
            "another user of this organisation has this externalId",
            ja="この組織の別のユーザーがこの externalId を使っています。",
        )


def sync_role(session: Session, caller: ScimCaller, org: OrgRow, user: UserRow) -> None:
    """Give an active member the role of their groups (``core.scim.effective_role``); a
    deactivated one will come back with it too, instead of the role they had.

    Raises:
        ConflictError: it would demote the organisation's last admin.
    """
    member = membership(session, user.id, org.id)
    if member is None:
        row = _scim_row(session, org.id, user.id)
        if row is not None:
            # the provider changed their groups while they were away: the groups speak at
            # reactivation, as they would for an active member
            row.deactivated_role = None
        return
    wanted = _wanted_role(session, org, user)
    if wanted.value == member.role:
        return
    if member.role == Role.ADMIN.value:
        _keep_an_admin(session, org)
    add_member(session, org, user, wanted, caller.actor)


def touch(session: Session, org_id: int, user_ids: set[int]) -> None:
    """Move the ``lastModified`` of users whose ``groups`` changed (their version moves
    with them). A member from before SCIM gets the SCIM row their first change would
    give them, with what they show now and their membership's creation time."""
    for user_id in sorted(user_ids):
        row = _scim_row(session, org_id, user_id)
        if row is None:
            user, member = session.get(UserRow, user_id), membership(session, user_id, org_id)
            if user is None or member is None:
                continue
            shown = _attrs(user, member, None)
            row = ScimUserRow(
                org_id=org_id,
                user_id=user_id,
                display_name=shown.display_name,
                emails=[{"value": v, "type": t, "primary": p} for v, t, p in shown.emails],
                active=True,
                created_at=member.created_at,
            )
            session.add(row)
        row.updated_at = now()
    session.flush()


def _scim_row(session: Session, org_id: int, user_id: int) -> ScimUserRow | None:
    return session.scalars(
        select(ScimUserRow).where(ScimUserRow.org_id == org_id, ScimUserRow.user_id == user_id)
    ).first()


RoleSource = Literal["before_deactivation", "groups"]


def _returning_role(
    session: Session, org: OrgRow, user: UserRow, row: ScimUserRow
) -> tuple[Role, RoleSource]:
    """The role of a member the provider reactivates: the one they had when deactivated,
    else (a role group changed since, or deactivated before revision 0052) their
    groups' role."""
    remembered = row.deactivated_role
    if remembered is not None and remembered in {r.value for r in Role}:
        return Role(remembered), "before_deactivation"
    return _wanted_role(session, org, user), "groups"


def _wanted_role(session: Session, org: OrgRow, user: UserRow) -> Role:
    roles = session.scalars(
        select(ScimGroupRow.role)
        .join(ScimGroupMemberRow, ScimGroupMemberRow.group_id == ScimGroupRow.id)
        .where(ScimGroupRow.org_id == org.id, ScimGroupMemberRow.user_id == user.id)
    )
    return effective_role({Role(r) for r in roles})


def _keep_an_admin(session: Session, org: OrgRow) -> None:
    admins = session.scalar(
        select(func.count()).where(
            MembershipRow.org_id == org.id, MembershipRow.role == Role.ADMIN.value
        )
    )
    if (admins or 0) <= 1:
        raise ConflictError(
            "SCIM cannot remove or demote the organisation's last admin; make another member "
            "admin first (in tekisei or through the admin group)",
            ja="SCIM では組織の最後の管理者を外したり権限を下げたりできません。"
            "先に別のメンバーを管理者にしてください（tekisei 上、または管理者グループで）。",
        )


def _store(
    session: Session,
    caller: ScimCaller,
    user: UserRow,
    row: ScimUserRow,
    attrs: UserAttributes,
) -> tuple[Role, RoleSource] | None:
    """Store ``attrs``; ``active`` adds or removes the membership.

    Returns:
        The role a reactivated member came back with, and where it came from.
    """
    org = caller_org(session, caller)
    if attrs.user_name != user.email:
        raise ScimMutabilityError(
            "userName is the account's email and cannot be changed through SCIM; provision "
            "the new address as a new user",
            ja="userName はアカウントのメールアドレスで、SCIM では変更できません。"
            "新しいアドレスは新しいユーザーとして作成してください。",
        )
    _check_external_id(session, caller, attrs.external_id, user.id)
    row.external_id = attrs.external_id
    row.given_name = attrs.given_name
    row.family_name = attrs.family_name
    row.display_name = attrs.display_name
    row.emails = [{"value": v, "type": t, "primary": p} for v, t, p in attrs.emails]
    row.active = attrs.active
    row.updated_at = now()
    others = session.scalar(
        select(func.count()).where(MembershipRow.user_id == user.id, MembershipRow.org_id != org.id)
    )
    if not others and attrs.person_name():  # the account's name is its own organisation's
        user.name = attrs.person_name()[:200]
    member = membership(session, user.id, org.id)
    returned: tuple[Role, RoleSource] | None = None
    if attrs.active and member is None:
        returned = _returning_role(session, org, user, row)
        add_member(session, org, user, returned[0], caller.actor)
        row.deactivated_role = None
    elif not attrs.active and member is not None:
        row.deactivated_role = member.role
        deprovision(session, caller, org, user)
    session.flush()
    return returned


def deprovision(session: Session, caller: ScimCaller, org: OrgRow, user: UserRow) -> None:
    """Remove the member from the organisation now: membership, web sessions for it, API
    tokens for it and system assignments in it (one transaction, audited).

    Raises:
        ConflictError: the organisation's last admin.
    """
    member = membership(session, user.id, org.id)
    if member is None:
        return
    if member.role == Role.ADMIN.value:
        _keep_an_admin(session, org)
    remove_member(session, scim_principal(session, caller, org), user.id)


def create_user(session: Session, caller: ScimCaller, attrs: UserAttributes) -> ScimUserView:
    """Provision a user: a new account (without a usable password), or an existing
    account that belongs to no organisation any more made a member.

    An account that belongs to another organisation is never joined here by a SCIM
    token: the person would be added to an organisation they did not choose, whose
    administrators would then see their sign-ins and manage their access. Such a person
    is invited (and accepts) in tekisei; the provider then finds them by ``userName``.

    Raises:
        ScimUniquenessError: the email is already a user of this organisation, belongs
            to another one, or the externalId is taken.
    """
    org = caller_org(session, caller)
    user = find_user(session, attrs.user_name)
    if user is not None and (
        membership(session, user.id, org.id) is not None
        or session.scalars(
            select(ScimUserRow.id).where(
                ScimUserRow.org_id == org.id, ScimUserRow.user_id == user.id
            )
        ).first()
        is not None
    ):
        raise ScimUniquenessError(
            f"{attrs.user_name} is already a user of this organisation",
            ja=f"{attrs.user_name} はすでにこの組織のユーザーです。",
        )
    if (
        user is not None
        and session.scalars(
            select(MembershipRow.id).where(MembershipRow.user_id == user.id)
        ).first()
        is not None
    ):
        raise ScimUniquenessError(
            f"{attrs.user_name} has an account that belongs to another organisation: "
            "invite the person in tekisei (they accept the invitation), then find them "
            "here by userName",
            ja=f"{attrs.user_name} のアカウントは別の組織に所属しています。tekisei から"
            "招待し（本人が招待を承認します）、そのあと userName で検索してください。",
        )
    _check_external_id(session, caller, attrs.external_id, None)
    created = user is None
    if user is None:
        user = new_account(
            session,
            org,
            UserCreate(email=attrs.user_name, name=attrs.person_name()[:200], password=""),
            UNUSABLE_PASSWORD,
            caller.actor,
            must_change_password=False,
        )
    stamp = now()
    row = ScimUserRow(org_id=org.id, user_id=user.id, emails=[], created_at=stamp, updated_at=stamp)
    session.add(row)
    _store(session, caller, user, row, attrs)
    audit.record(
        session,
        org,
        caller.actor,
        "scim.user.create",
        "user",
        user.id,
        {"email": user.email, "new_account": created, "active": attrs.active},
    )
    return get_user(session, caller, str(user.id))


def _check_version(current: ScimUserView, if_match: str | None) -> None:
    if if_match and if_match.strip() != "*" and current.version not in if_match:
        raise ScimPreconditionError(
            "the user changed since the version given in If-Match; read it again",
            ja="If-Match のバージョン以降にユーザーが変更されています。読み直してください。",
        )


def update_user(
    session: Session,
    caller: ScimCaller,
    user_id: str,
    change: Any,
    *,
    if_match: str | None = None,
) -> ScimUserView:
    """Replace (PUT) or patch (PATCH) a user: ``change`` turns the current attributes
    into the new ones. ``active`` false deprovisions, remembering the member's role;
    true makes them a member again with that role (or, when their role groups changed
    meanwhile, their groups' role). A change that leaves the attributes as they are
    writes nothing (no new ``lastModified``, version or audit event); ``created`` never
    changes.

    Raises:
        NotFoundError: no such user in this organisation.
        ScimPreconditionError: ``if_match`` names another version.
        ScimMutabilityError: a new userName.
        ConflictError: it would remove the last admin.
    """
    current = get_user(session, caller, user_id)
    _check_version(current, if_match)
    user, _member, row = _find(session, caller, user_id)
    attrs = change(current.attrs)
    if attrs == current.attrs:
        return current  # nothing changes: neither lastModified nor the version moves
    if row is None:
        # a member from before SCIM: their SCIM User came to exist when they joined
        row = ScimUserRow(
            org_id=caller.org_id, user_id=user.id, emails=[], created_at=current.created
        )
        row.updated_at = now()
        session.add(row)
    returned = _store(session, caller, user, row, attrs)
    fields = sorted(
        k for k in attrs.__dataclass_fields__ if getattr(attrs, k) != getattr(current.attrs, k)
    )
    details: dict[str, object] = {"email": user.email, "changed": fields, "active": attrs.active}
    if returned is not None:
        details |= {"role": returned[0].value, "role_from": returned[1]}
    audit.record(
        session,
        caller_org(session, caller),
        caller.actor,
        "scim.user.update",
        "user",
        user.id,
        details,
    )
    return get_user(session, caller, user_id)


def delete_user(
    session: Session, caller: ScimCaller, user_id: str, *, if_match: str | None = None
) -> None:
    """Deprovision a user and forget what SCIM said about them in this organisation (its
    groups too); the account stays for its other organisations.

    Raises:
        NotFoundError: no such user in this organisation.
        ConflictError: the organisation's last admin.
    """
    _check_version(get_user(session, caller, user_id), if_match)
    user, _member, row = _find(session, caller, user_id)
    org = caller_org(session, caller)
    deprovision(session, caller, org, user)
    groups = select(ScimGroupRow.id).where(ScimGroupRow.org_id == org.id)
    left = select(ScimGroupMemberRow.group_id).where(ScimGroupMemberRow.user_id == user.id)
    for group in session.scalars(
        select(ScimGroupRow).where(ScimGroupRow.org_id == org.id, ScimGroupRow.id.in_(left))
    ):
        group.updated_at = now()  # its members change
    session.execute(
        delete(ScimGroupMemberRow).where(
            ScimGroupMemberRow.user_id == user.id, ScimGroupMemberRow.group_id.in_(groups)
        )
    )
    if row is not None:
        session.delete(row)
    session.flush()
    audit.record(
        session, org, caller.actor, "scim.user.delete", "user", user.id, {"email": user.email}
    )
