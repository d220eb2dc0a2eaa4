"""SCIM Groups of an organisation: how its identity provider assigns roles.

A group's displayName names a role (``core.scim.role_for_group``: ``admin``,
``tekisei-editor``, ``閲覧者`` …); a group that names none is refused. A member gets the
first role of their groups in ``core.scim.ROLE_PRECEDENCE``, ``viewer`` in none. Every
change of a group's members or name sets the roles of the members it touches, and never
demotes the organisation's last admin (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, delete, false, func, not_, or_, select, true
from sqlalchemy.orm import Session

from tekisei.core.scim import (
    GROUP_FILTERS,
    Compare,
    Filter,
    Logical,
    Not,
    ScimPreconditionError,
    ScimUniquenessError,
    ScimValueError,
    group_role,
    parse_filter,
)
from tekisei.core.scim_resources import GroupAttributes
from tekisei.db.orgs import MembershipRow, UserRow
from tekisei.db.scim import ScimGroupMemberRow, ScimGroupRow, ScimUserRow
from tekisei.errors import NotFoundError
from tekisei.services import audit
from tekisei.services.scim_common import aware, caller_org, now, weak_etag
from tekisei.services.scim_tokens import ScimCaller
from tekisei.services.scim_users import sync_role, touch


@dataclass(frozen=True)
class ScimGroupView:
    """A SCIM Group as the identity provider reads it."""

    id: str
    attrs: GroupAttributes
    member_names: tuple[str, ...]
    """The display name of each member, in the order of ``attrs.members``."""
    role: str
    created: datetime
    last_modified: datetime

    @property
    def version(self) -> str:
        """The weak ETag of this state (``meta.version``)."""
        return weak_etag((self.id, self.attrs))


def _condition(found: Filter) -> ColumnElement[bool]:
    if isinstance(found, Logical):
        left, right = _condition(found.left), _condition(found.right)
        return and_(left, right) if found.op == "and" else or_(left, right)
    if isinstance(found, Not):
        return not_(_condition(found.inner))
    return _compare(found)


def _compare(found: Compare) -> ColumnElement[bool]:
    value = found.value
    if found.attribute in {"id", "members.value"}:
        if found.op == "pr":
            return true()
        if found.op != "eq" or not isinstance(value, str) or not value.isdigit():
            return false()
        if found.attribute == "id":
            return ScimGroupRow.id == int(value)
        return ScimGroupRow.id.in_(
            select(ScimGroupMemberRow.group_id).where(ScimGroupMemberRow.user_id == int(value))
        )
    exact = found.attribute == "externalId"
    column: Any = ScimGroupRow.external_id if exact else ScimGroupRow.display_name
    if found.op == "pr":
        return cast("ColumnElement[bool]", column.is_not(None))
    if not isinstance(value, str):
        return cast(
            "ColumnElement[bool]", column.is_(None) if found.op == "eq" else column.is_not(None)
        )
    text = value if exact else value.lower()
    target = column if exact else func.lower(column)
    if found.op == "eq":
        return target == text
    if found.op == "ne":
        return or_(target != text, column.is_(None))
    if found.op == "co":
        return target.contains(text, autoescape=True)
    if found.op == "sw":
        return target.startswith(text, autoescape=True)
    return target.endswith(text, autoescape=True)


def _views(session: Session, rows: list[ScimGroupRow]) -> list[ScimGroupView]:
    members: dict[int, list[tuple[str, str]]] = {}
    if rows:
        found = session.execute(
            select(ScimGroupMemberRow.group_id, UserRow.id, UserRow.name)
            .join(UserRow, UserRow.id == ScimGroupMemberRow.user_id)
            .where(ScimGroupMemberRow.group_id.in_([r.id for r in rows]))
            .order_by(UserRow.id)
        )
        for group_id, user_id, name in found:
            members.setdefault(group_id, []).append((str(user_id), name))
    views = []
    for row in rows:
        listed = members.get(row.id, [])
        attrs = GroupAttributes(row.display_name, row.external_id, tuple(m for m, _n in listed))
        views.append(
            ScimGroupView(
                str(row.id),
                attrs,
                tuple(n for _m, n in listed),
                row.role,
                aware(row.created_at),
                aware(row.updated_at),
            )
        )
    return views


def list_groups(
    session: Session, caller: ScimCaller, filter_text: str | None, start: int, count: int
) -> tuple[int, list[ScimGroupView]]:
    """One page of the organisation's groups, ordered by id.

    Raises:
        ScimFilterError: the filter cannot be used.
    """
    query = select(ScimGroupRow).where(ScimGroupRow.org_id == caller.org_id)
    if filter_text:
        query = query.where(_condition(parse_filter(filter_text, GROUP_FILTERS)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(query.order_by(ScimGroupRow.id).offset(max(start, 1) - 1).limit(count))
    )
    return int(total), _views(session, rows)


def _row(session: Session, caller: ScimCaller, group_id: str) -> ScimGroupRow:
    row = (
        session.get(ScimGroupRow, int(group_id))
        if group_id.isdigit() and len(group_id) < 10
        else None
    )
    if row is None or row.org_id != caller.org_id:
        raise NotFoundError(
            f"no group {group_id[:40]} in this organisation",
            ja=f"この組織にグループ {group_id[:40]} はありません。",
        )
    return row


def get_group(session: Session, caller: ScimCaller, group_id: str) -> ScimGroupView:
    """A group of the organisation.

    Raises:
        NotFoundError: no such group in this organisation (another organisation's too).
    """
    return _views(session, [_row(session, caller, group_id)])[0]


def _members(session: Session, caller: ScimCaller, ids: tuple[str, ...]) -> set[int]:
    """The accounts ``ids`` name, each a SCIM User of this organisation."""
    wanted = {int(i) for i in ids if i.isdigit() and len(i) < 10}
    found = set(
        session.scalars(
            select(UserRow.id)
            .outerjoin(
                MembershipRow,
                and_(MembershipRow.user_id == UserRow.id, MembershipRow.org_id == caller.org_id),
            )
            .outerjoin(
                ScimUserRow,
                and_(ScimUserRow.user_id == UserRow.id, ScimUserRow.org_id == caller.org_id),
            )
            .where(
                UserRow.id.in_(wanted),
                or_(MembershipRow.id.is_not(None), ScimUserRow.id.is_not(None)),
            )
        )
    )
    unknown = [i for i in ids if not (i.isdigit() and int(i) in found)]
    if unknown:
        raise ScimValueError(
            f"no user {unknown[0][:40]} in this organisation; provision the user first",
            ja=f"この組織にユーザー {unknown[0][:40]} はいません。先にユーザーを作成してください。",
        )
    return found


def _check_name(session: Session, caller: ScimCaller, name: str, group_id: int | None) -> str:
    role = group_role(name)
    other = session.scalars(
        select(ScimGroupRow.id).where(
            ScimGroupRow.org_id == caller.org_id,
            func.lower(ScimGroupRow.display_name) == name.lower(),
        )
    ).first()
    if other is not None and other != group_id:
        raise ScimUniquenessError(
            f"this organisation has a group '{name[:100]}' already",
            ja=f"この組織にはグループ「{name[:100]}」がすでにあります。",
        )
    return role.value


def _apply(
    session: Session, caller: ScimCaller, row: ScimGroupRow, attrs: GroupAttributes
) -> tuple[set[int], set[int]]:
    """Store ``attrs`` in ``row`` and set the roles of every member it touches.

    Returns:
        The accounts added and removed.
    """
    org = caller_org(session, caller)
    role = _check_name(session, caller, attrs.display_name, row.id)
    wanted = _members(session, caller, attrs.members)
    before = set(
        session.scalars(
            select(ScimGroupMemberRow.user_id).where(ScimGroupMemberRow.group_id == row.id)
        )
    )
    changed_role = role != row.role
    renamed = attrs.display_name != row.display_name
    row.display_name = attrs.display_name
    row.external_id = attrs.external_id
    row.role = role
    row.updated_at = now()
    added, removed = wanted - before, before - wanted
    if removed:
        session.execute(
            delete(ScimGroupMemberRow).where(
                ScimGroupMemberRow.group_id == row.id, ScimGroupMemberRow.user_id.in_(removed)
            )
        )
    for user_id in sorted(added):
        session.add(ScimGroupMemberRow(group_id=row.id, user_id=user_id))
    session.flush()
    # their groups (id and display name) are part of the users' resources
    touch(session, caller.org_id, (wanted if renamed else set()) | added | removed)
    touched = (before | wanted) if changed_role else (added | removed)
    # Promotions first, so that moving the admin role from one member to another in one
    # request never leaves the organisation without an admin on the way.
    for user_id in sorted(touched, key=lambda u: u not in wanted):
        user = session.get(UserRow, user_id)
        assert user is not None
        sync_role(session, caller, org, user)
    return added, removed


def create_group(session: Session, caller: ScimCaller, attrs: GroupAttributes) -> ScimGroupView:
    """Create a role group and give its members its role.

    Raises:
        ScimValueError: the name names no role, or a member is not a user here.
        ScimUniquenessError: a group with this name exists.
    """
    stamp = now()
    row = ScimGroupRow(
        org_id=caller.org_id,
        display_name=attrs.display_name,
        role=_check_name(session, caller, attrs.display_name, None),
        external_id=attrs.external_id,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    session.flush()
    added, _removed = _apply(session, caller, row, attrs)
    audit.record(
        session,
        caller_org(session, caller),
        caller.actor,
        "scim.group.create",
        "scim_group",
        row.id,
        {"name": row.display_name, "role": row.role, "added": sorted(added)},
    )
    return get_group(session, caller, str(row.id))


def _same(new: GroupAttributes, current: GroupAttributes) -> bool:
    """Whether ``new`` names the group and members ``current`` has (members in any order,
    an id as ``"007"`` or ``"7"``)."""

    def ids(members: tuple[str, ...]) -> set[str]:
        return {str(int(m)) if m.isdigit() and len(m) < 10 else m for m in members}

    return (new.display_name, new.external_id) == (
        current.display_name,
        current.external_id,
    ) and ids(new.members) == ids(current.members)


def update_group(
    session: Session,
    caller: ScimCaller,
    group_id: str,
    change: Any,
    *,
    if_match: str | None = None,
) -> ScimGroupView:
    """Replace (PUT) or patch (PATCH) a group: ``change`` turns the current attributes into
    the new ones. A change that leaves them as they are (members in any order) writes
    nothing (no new ``lastModified``, version or audit event).

    Raises:
        NotFoundError: no such group in this organisation.
        ScimPreconditionError: ``if_match`` names another version.
        ScimValueError, ScimUniquenessError: as for :func:`create_group`.
        ConflictError: it would demote the last admin.
    """
    current = get_group(session, caller, group_id)
    if if_match and if_match.strip() != "*" and current.version not in if_match:
        raise ScimPreconditionError(
            "the group changed since the version given in If-Match; read it again",
            ja="If-Match のバージョン以降にグループが変更されています。読み直してください。",
        )
    attrs = change(current.attrs)
    if _same(attrs, current.attrs):
        return current  # nothing changes: neither lastModified nor the version moves
    row = _row(session, caller, group_id)
    before_name, before_role = row.display_name, row.role
    added, removed = _apply(session, caller, row, attrs)
    audit.record(
        session,
        caller_org(session, caller),
        caller.actor,
        "scim.group.update",
        "scim_group",
        row.id,
        {
            "name": row.display_name,
            **({"before_name": before_name} if before_name != row.display_name else {}),
            "role": row.role,
            **({"before_role": before_role} if before_role != row.role else {}),
            "added": sorted(added),
            "removed": sorted(removed),
        },
    )
    return get_group(session, caller, group_id)


def delete_group(session: Session, caller: ScimCaller, group_id: str) -> None:
    """Delete a group; its former members get the role of their other groups.

    Raises:
        NotFoundError: no such group in this organisation.
        ConflictError: it would demote the last admin.
    """
    row = _row(session, caller, group_id)
    org = caller_org(session, caller)
    members = list(
        session.scalars(
            select(ScimGroupMemberRow.user_id).where(ScimGroupMemberRow.group_id == row.id)
        )
    )
    session.execute(delete(ScimGroupMemberRow).where(ScimGroupMemberRow.group_id == row.id))
    session.delete(row)
    session.flush()
    touch(session, org.id, set(members))
    for user_id in members:
        user = session.get(UserRow, user_id)
        assert user is not None
        sync_role(session, caller, org, user)
    audit.record(
        session,
        org,
        caller.actor,
        "scim.group.delete",
        "scim_group",
        int(group_id),
        {"name": row.display_name, "role": row.role, "members": sorted(members)},
    )
