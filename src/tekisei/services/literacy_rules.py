"""Standing literacy rules (guideline 1(2) AIリテラシー, 3(2)): a module assigned to
"every member" is a rule of the organisation, not a list of the members of the day. A
member who joins later (by invitation, ``tekisei users create`` or any other way a
membership is made), or an external tester who becomes staff, is assigned the module
too, due the rule's number of days after joining (no due date when the rule has none).

The rules are made and removed through :mod:`tekisei.services.literacy`; this module
applies them when a membership is made, and knows nothing of organisations' services
(which call it), so that it can be called from where memberships are made.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.times import local, zone
from tekisei.db.literacy import LiteracyAssignmentRow, LiteracyRuleRow
from tekisei.db.orgs import OrgRow
from tekisei.services import audit
from tekisei.services.people import ActorNames


class RuleView(BaseModel):
    """A standing "every member" rule: who made it and how long a newcomer has."""

    module: str
    due_days: int | None
    """Days from joining to the due date of a member who joins later (None: no due date)."""
    created_at: datetime
    created_by: str


def rule_view(row: LiteracyRuleRow, actors: ActorNames) -> RuleView:
    """The rule as the reader may read it (who made it: an email only for roles that
    manage people, the account's name otherwise)."""
    return RuleView(
        module=row.module_id, due_days=row.due_days, created_at=row.created_at,
        created_by=actors(row.created_by) or "",
    )  # fmt: skip


def rules_of(session: Session, org_id: int) -> list[LiteracyRuleRow]:
    """The organisation's rules, oldest first."""
    return list(
        session.scalars(
            select(LiteracyRuleRow)
            .where(LiteracyRuleRow.org_id == org_id)
            .order_by(LiteracyRuleRow.id)
        )
    )


def due_on(joined: date, due_days: int | None) -> date | None:
    """The due date of a member who joined on ``joined`` under a rule of ``due_days``."""
    return None if due_days is None else joined + timedelta(days=due_days)


def apply_rules(
    session: Session, org: OrgRow, user_id: int, actor: str, time_zone: str
) -> list[LiteracyAssignmentRow]:
    """Assign a member who just joined ``org`` as staff every module of its rules (a
    module the member has already is left as it is); audited, one event per rule, as
    made by ``actor`` (who made the membership). ``time_zone``: the organisation's, whose
    date is the joining day."""
    joined = local(datetime.now(UTC), zone(time_zone)).date()
    held = set(
        session.scalars(
            select(LiteracyAssignmentRow.module_id).where(
                LiteracyAssignmentRow.org_id == org.id, LiteracyAssignmentRow.user_id == user_id
            )
        )
    )
    made: list[LiteracyAssignmentRow] = []
    now = datetime.now(UTC)
    for rule in rules_of(session, org.id):
        if rule.module_id in held:
            continue
        due = due_on(joined, rule.due_days)
        row = LiteracyAssignmentRow(
            org_id=org.id, user_id=user_id, module_id=rule.module_id, due_on=due,
            assigned_at=now, assigned_by=actor, rule_id=rule.id, version=1,
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.record(
            session, org, actor, "literacy.assign", "org", org.id,
            {"module": rule.module_id, "users": [user_id], "all": True, "rule": True,
             "due_on": due.isoformat() if due else None},
        )  # fmt: skip
        made.append(row)
    return made
