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
from tekisei.db.orgs import UserRow

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
        self._emails = sees_member_emails(principal)
        self._names: dict[str, str] = {}

    def __call__(self, actor: str | None) -> str | None:
        if actor is None or self._emails or "@" not in actor:
            return actor
        if actor not in self._names:
            name = self._session.scalar(select(UserRow.name).where(UserRow.email == actor))
            self._names[actor] = (name or "").strip() or UNKNOWN
        return self._names[actor]
