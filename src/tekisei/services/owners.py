"""Owners of risks and answers: members of the organisation, chosen from its members.

An owner is kept as the member's user id (``owner_id``). Owners written as free text
before (``owner_text``, migration 0016) are kept and shown as written, marked as such,
until someone chooses a member in their place: that text can be kept or cleared, never
changed, and no new text can be written. A member who leaves the organisation stays the
owner of what they owned and is shown as a former member. Only members of the
principal's own organisation are offered or accepted; another organisation's account is
refused with the same words as an unknown id, so nothing is learnt about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, can, sees_all_systems
from tekisei.db.orgs import MembershipRow, UserRow
from tekisei.errors import InvalidInputError


class OwnerView(BaseModel):
    """Who owns a risk or an answer, as the reader is shown them."""

    user_id: int | None = Field(
        description="The owning member's user id; null for an owner written as text before "
        "owners were chosen from members"
    )
    name: str = Field(description="The member's name, or the owner as it was written")
    email: str | None = Field(
        default=None, description="The member's email, for roles that manage people only"
    )
    former_member: bool = Field(
        default=False, description="The owner has left the organisation since"
    )


@dataclass(frozen=True)
class OwnerChoice:
    """A member a form offers as owner."""

    user_id: int
    label: str


def _not_a_member() -> InvalidInputError:
    return InvalidInputError(
        "the owner must be a member of the organisation; choose one of its members "
        "(GET /api/orgs/current/members gives their ids)",
        ja="担当者は組織のメンバーから選んでください（メンバーのIDは "
        "GET /api/orgs/current/members で確認できます）。",
        field="owner_id",
    )


def _is_member(session: Session, principal: Principal, user_id: int) -> bool:
    found = session.scalar(
        select(MembershipRow.id)
        .join(UserRow, UserRow.id == MembershipRow.user_id)
        .where(
            MembershipRow.org_id == principal.org_id,
            MembershipRow.user_id == user_id,
            UserRow.active.is_(True),
        )
    )
    return found is not None


def check_owner(
    session: Session, principal: Principal, owner_id: int | None, current: int | None = None
) -> None:
    """Refuse an owner who is not a member of the principal's organisation.

    Keeping the ``current`` owner is always allowed, even once they have left (what they
    owned still shows them, as a former member).

    Raises:
        InvalidInputError: not a member of this organisation (another organisation's
            account and an unknown id alike).
    """
    if owner_id is None or owner_id == current:
        return
    if not _is_member(session, principal, owner_id):
        raise _not_a_member()


def check_owner_text(text: str, current: str) -> None:
    """Refuse writing an owner as text: the text written before can be kept or cleared.

    Raises:
        InvalidInputError: a new or changed text.
    """
    if text and text != current:
        raise InvalidInputError(
            "owners are chosen from the organisation's members: give owner_id; the owner "
            "written as text before owners were chosen can only be kept or cleared",
            ja="担当者は組織のメンバーから選んでください（owner_id）。メンバーから選ぶ"
            "ようになる前に文字で記入された担当者は、そのまま残すか消すことだけができます。",
            field="owner_text",
        )


def owner_by_email(session: Session, principal: Principal, email: str) -> int | None:
    """The user id of the member with ``email`` (None for an empty email), for the CLI and
    governance-as-code files, which name owners by email.

    Raises:
        InvalidInputError: no member of this organisation has that email.
    """
    wanted = email.strip().lower()
    if not wanted:
        return None
    user_id = session.scalar(select(UserRow.id).where(UserRow.email == wanted))
    if user_id is None or not _is_member(session, principal, user_id):
        raise InvalidInputError(
            f"{wanted} is not a member of the organisation; the owner must be one of its "
            "members ('tekisei orgs show --org ID' lists them)",
            ja=f"{wanted} は組織のメンバーではありません。担当者は組織のメンバーから選んで"
            "ください（tekisei orgs show --org ID で一覧できます）。",
            field="owner",
        )
    return user_id


def owner_choices(session: Session, principal: Principal) -> list[OwnerChoice]:
    """The members a form offers as owners, by name (with the email for roles that manage
    people). Only the principal's own organisation; none for external testers, who do
    not see the members."""
    if not sees_all_systems(principal.role):
        return []
    emails = can(principal.role, Permission.MANAGE_ORG)
    rows = session.execute(
        select(UserRow.id, UserRow.name, UserRow.email)
        .join(MembershipRow, MembershipRow.user_id == UserRow.id)
        .where(MembershipRow.org_id == principal.org_id, UserRow.active.is_(True))
        .order_by(UserRow.name, UserRow.id)
    )
    return [
        OwnerChoice(user_id, f"{name} <{email}>" if emails else name)
        for user_id, name, email in rows
    ]


def owner_email(session: Session, user_id: int | None) -> str | None:
    """The email of the account ``user_id`` (for the audit log, which records people by
    email)."""
    if user_id is None:
        return None
    return session.scalar(select(UserRow.email).where(UserRow.id == user_id))
