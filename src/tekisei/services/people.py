"""How the people who did something are shown to a reader.

Objects record who acted by email (``started_by``, ``opened_by``, ``created_by`` …).
Members' emails are for the roles that manage people (item 19 of the security review):
everyone else reads the member's name instead, so an external tester or a viewer cannot
collect the organisation's addresses from eval runs, reviews, evidence or approvals.
The audit log is the exception: it is the accountability record, its hash chain covers the
emails as recorded, and it is shown only to roles that read the audit log.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, can
from tekisei.db.orgs import MembershipRow, UserRow
from tekisei.services.owners import OwnerView

UNKNOWN = "—"
"""Shown for an email that belongs to no account any more."""


def sees_member_emails(principal: Principal) -> bool:
    """Whether the principal's role manages people and so reads members' emails."""
    return can(principal.role, Permission.MANAGE_ORG)


class ActorNames:
    """Maps a recorded actor to what one reader is shown: the email itself for roles that
    manage people, otherwise the account's name. Actors that are not emails (``cli``,
    ``catalog``) are shown as they are. Names are looked up once per email."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self._session = session
        self._org_id = principal.org_id
        self._emails = sees_member_emails(principal)
        self._names: dict[str, str] = {}
        self._members: set[int] | None = None
        self._people: dict[int, tuple[str, str] | None] = {}

    def __call__(self, actor: str | None) -> str | None:
        if actor is None or self._emails or "@" not in actor:
            return actor
        if actor not in self._names:
            name = self._session.scalar(select(UserRow.name).where(UserRow.email == actor))
            self._names[actor] = (name or "").strip() or UNKNOWN
        return self._names[actor]

    def owner(self, user_id: int | None, text: str = "") -> OwnerView | None:
        """The owner of a risk or an answer as the reader is shown them: the member's name
        (and email, for roles that manage people), marked when they have left the
        organisation; else the owner written as text before, as written; else None."""
        if user_id is None:
            return OwnerView(user_id=None, name=text) if text else None
        if self._members is None:
            self._members = set(
                self._session.scalars(
                    select(MembershipRow.user_id).where(MembershipRow.org_id == self._org_id)
                )
            )
        if user_id not in self._people:
            found = self._session.execute(
                select(UserRow.name, UserRow.email).where(UserRow.id == user_id)
            ).first()
            self._people[user_id] = (found[0], found[1]) if found else None
        person = self._people[user_id]
        if person is None:  # unreachable while accounts are never deleted
            return OwnerView(user_id=user_id, name=UNKNOWN, former_member=True)
        name, email = person
        return OwnerView(
            user_id=user_id,
            name=name.strip() or UNKNOWN,
            email=email if self._emails else None,
            former_member=user_id not in self._members,
        )
