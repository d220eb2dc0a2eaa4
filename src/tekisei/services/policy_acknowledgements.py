"""Members' acknowledgements of a policy (guideline 2(1): education and training): each
member records, once per version, that they read the current version. A new version needs
new acknowledgements; the policy's page shows who has and has not acknowledged.

Only a member acknowledges, for themselves (the local operator of the CLI is nobody's
account). The list shows each member by name; emails only to the roles that manage people.
External testers are not the organisation's staff: they neither see policies nor appear
in the list.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, Role, can, require
from tekisei.db.orgs import MembershipRow, UserRow
from tekisei.db.policies import PolicyAcknowledgementRow
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import audit, policies
from tekisei.services.people import UNKNOWN


class MemberAcknowledgement(BaseModel):
    """Whether one member acknowledged the current version."""

    user_id: int
    name: str
    email: str | None
    """Shown only to roles that manage people."""
    role: Role
    acknowledged_at: datetime | None


class Acknowledgements(BaseModel):
    """Who has and has not acknowledged the current version of a policy."""

    policy_id: int
    number: int | None
    """The current (newest published) version; None when nothing is published."""
    acknowledged: int
    members: int
    mine: datetime | None
    """When the reader acknowledged the current version (None: not yet, or not a member)."""
    people: list[MemberAcknowledgement]
    """Members who have not acknowledged first, then those who have, by name."""


def acknowledge(
    session: Session, principal: Principal, policy_id: int, number: int
) -> PolicyAcknowledgementRow:
    """Record that the principal read version ``number``, the current one.

    Raises:
        NotFoundError: no such policy here (external testers see none).
        InvalidInputError: the principal is not a member's account (the CLI's operator).
        ConflictError: ``number`` is not the current version, or it is acknowledged already.
    """
    row = policies.get_policy(session, principal, policy_id)
    require(principal, Permission.READ)
    if principal.user_id is None:
        raise InvalidInputError(
            "a member acknowledges a policy for themselves; act as that member (--user)",
            ja="方針の確認は、メンバー本人が行います。そのメンバーとして操作してください（--user）。",
        )
    current = policies.current_version(session, row)
    if current is None or current.number != number:
        now = "nothing is published" if current is None else f"version {current.number} is"
        now_ja = (
            "公開中の版はありません" if current is None else f"現在の版は第{current.number}版です"
        )
        raise ConflictError(
            f"version {number} is not the current version ({now}); read the current one",
            ja=f"第{number}版は現在の版ではありません（{now_ja}）。現在の版を読んでください。",
        )
    done = session.scalars(
        select(PolicyAcknowledgementRow).where(
            PolicyAcknowledgementRow.policy_id == row.id,
            PolicyAcknowledgementRow.number == number,
            PolicyAcknowledgementRow.user_id == principal.user_id,
        )
    ).first()
    if done is not None:
        raise ConflictError(
            f"you acknowledged version {number} already",
            ja=f"第{number}版はすでに確認済みです。",
        )
    made = PolicyAcknowledgementRow(
        org_id=row.org_id,
        policy_id=row.id,
        number=number,
        user_id=principal.user_id,
        acknowledged_at=datetime.now(UTC),
    )
    try:
        with session.begin_nested():  # two presses at the same moment: the second is told
            session.add(made)
            session.flush()
    except IntegrityError:
        raise ConflictError(
            f"you acknowledged version {number} already",
            ja=f"第{number}版はすでに確認済みです。",
        ) from None
    audit.record(
        session,
        policies.org_of(session, principal),
        principal.email,
        "policy.acknowledge",
        "policy",
        row.id,
        {"number": number},
    )
    return made


def acknowledgements(session: Session, principal: Principal, policy_id: int) -> Acknowledgements:
    """Who has and has not acknowledged the current version (every member but external
    testers).

    Raises:
        NotFoundError: no such policy here (external testers see none).
    """
    row = policies.get_policy(session, principal, policy_id)
    current = policies.current_version(session, row)
    emails = can(principal.role, Permission.MANAGE_ORG)
    done: dict[int, datetime] = {}
    if current is not None:
        done = {
            a.user_id: a.acknowledged_at
            for a in session.scalars(
                select(PolicyAcknowledgementRow).where(
                    PolicyAcknowledgementRow.policy_id == row.id,
                    PolicyAcknowledgementRow.number == current.number,
                )
            )
        }
    members = session.execute(
        select(UserRow, MembershipRow.role)
        .join(MembershipRow, MembershipRow.user_id == UserRow.id)
        .where(
            MembershipRow.org_id == principal.org_id,
            MembershipRow.role != Role.EXTERNAL_TESTER.value,
        )
        .order_by(UserRow.name, UserRow.id)
    )
    people = [
        MemberAcknowledgement(
            user_id=user.id,
            name=user.name.strip() or UNKNOWN,
            email=user.email if emails else None,
            role=Role(role),
            acknowledged_at=done.get(user.id),
        )
        for user, role in members
    ]
    people.sort(key=lambda p: p.acknowledged_at is not None)  # stable: by name within
    return Acknowledgements(
        policy_id=row.id,
        number=current.number if current else None,
        acknowledged=sum(1 for p in people if p.acknowledged_at is not None),
        members=len(people),
        mine=done.get(principal.user_id) if principal.user_id is not None else None,
        people=people,
    )
