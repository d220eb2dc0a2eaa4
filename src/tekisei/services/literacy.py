"""AI literacy of an organisation's staff (guideline 1(2) AIリテラシー, 3(2)): modules
assigned to members with a due date, the quizzes members complete signed in, and each
member's progress.

Administrators (who manage the organisation) assign modules — to every member or to the
members they choose — and see everyone's progress; every other member sees their own.
Assigning to every member makes a standing rule of the organisation: a member who joins
later is assigned the module too, due as many days after joining as the first members
were given (:mod:`tekisei.services.literacy_rules`); removing the rule stops that, and
keeps the assignments made and every completion. A
member takes a quiz for themselves (the CLI's operator is nobody's account); each attempt
is stored with its score, whether it passed and the module's version. External testers
are not the organisation's staff: for them none of this exists ("not found"), and they
cannot be assigned. Assigning, withdrawing an assignment and completing are audited.

The first passed quiz of each module in an organisation becomes a piece of evidence
(``literacy:<module>``) for 1(2) AIリテラシー and 3(2) in the guideline assessment of every
system, where those items apply (3(2) asks it of national and local governments). The
public self-check stores nothing and is not here (:mod:`tekisei.core.literacy`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.catalog import Lang
from tekisei.core.literacy import Answers, Graded, grade_module, overdue
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, Role, can, require
from tekisei.db.literacy import LiteracyAssignmentRow, LiteracyCompletionRow, LiteracyRuleRow
from tekisei.db.orgs import MembershipRow, OrgRow, UserRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import audit, policy_versions, transparency
from tekisei.services.literacy_content import MODULES, module
from tekisei.services.literacy_rules import RuleView, rule_view, rules_of
from tekisei.services.people import UNKNOWN, ActorNames

MAX_MEMBERS = 500
"""The most members one assignment names."""


class AssignmentView(BaseModel):
    """A module assigned to a member, and where the member stands with it."""

    id: int
    user_id: int
    module: str
    due_on: date | None
    assigned_at: datetime
    completed_at: datetime | None
    """When the member first passed the module's quiz (None: not yet)."""
    score: int | None
    """The best score so far (None: never taken)."""
    total: int | None
    overdue: bool
    by_rule: bool = False
    """Assigned by the standing "every member" rule of its module."""


class CompletionView(BaseModel):
    """One quiz a member took."""

    id: int
    module: str
    module_version: int
    score: int
    total: int
    passed: bool
    completed_at: datetime


class MemberProgress(BaseModel):
    """One member's assignments and passed modules."""

    user_id: int
    name: str
    email: str | None
    """Shown only to roles that manage people."""
    role: Role
    assigned: int
    completed: int
    """Assigned modules the member passed."""
    overdue: int
    assignments: list[AssignmentView]
    passed: list[str]
    """Every module the member passed, assigned or not, in the modules' order."""


class Progress(BaseModel):
    """Progress of the members the reader may see (administrators: everyone; others:
    themselves)."""

    everyone: bool
    today: date
    members: list[MemberProgress]
    rules: list[RuleView] = []
    """The standing "every member" rules (administrators only; empty for others)."""


class LiteracyCounts(BaseModel):
    """The dashboard's line: assignments in the organisation, passed and overdue."""

    assigned: int
    completed: int
    overdue: int


class CompletionResult(BaseModel):
    """A quiz taken signed in: the grading and the record kept."""

    completion: CompletionView
    graded: Graded


def _staff(principal: Principal) -> None:
    require(principal, Permission.READ)
    if principal.role == Role.EXTERNAL_TESTER:
        raise NotFoundError(
            "literacy assignments are for the organisation's staff",
            ja="AIリテラシーの割り当ては、組織の職員向けの機能です。",
        )


def _org(session: Session, org_id: int) -> OrgRow:
    org = session.get(OrgRow, org_id)
    assert org is not None
    return org


def today(session: Session, org_id: int) -> date:
    """The date on the organisation's clock."""
    return policy_versions.today(session, _org(session, org_id))


def _members(session: Session, org_id: int) -> list[tuple[UserRow, str]]:
    """The organisation's staff (every member but external testers), by name."""
    return [
        (user, role)
        for user, role in session.execute(
            select(UserRow, MembershipRow.role)
            .join(MembershipRow, MembershipRow.user_id == UserRow.id)
            .where(
                MembershipRow.org_id == org_id,
                MembershipRow.role != Role.EXTERNAL_TESTER.value,
            )
            .order_by(UserRow.name, UserRow.id)
        )
    ]


def member_ids(session: Session, principal: Principal, emails: list[str]) -> list[int]:
    """The ids of the organisation's members with these e-mail addresses (the CLI names
    members by e-mail).

    Raises:
        NotFoundError: an address that is no member of the organisation.
    """
    _staff(principal)
    ids: list[int] = []
    for email in emails:
        found = session.scalars(
            select(UserRow.id)
            .join(MembershipRow, MembershipRow.user_id == UserRow.id)
            .where(
                MembershipRow.org_id == principal.org_id,
                UserRow.email == email.strip().lower(),
            )
        ).first()
        if found is None:
            raise NotFoundError(
                f"no member {email[:320]} in this organisation",
                ja=f"この組織にメンバー {email[:320]} はいません。",
            )
        ids.append(found)
    return ids


def assign(
    session: Session,
    principal: Principal,
    module_id: str,
    user_ids: list[int] | None,
    due_on: date | None,
) -> list[LiteracyAssignmentRow]:
    """Assign a module to the members ``user_ids`` (None: every member but external
    testers, and, by the module's standing rule, every member who joins later; with no
    member yet, only the rule is made) with a due date; a member who has it already gets
    the new due date.

    Raises:
        NotFoundError: no such module, or a member not of the organisation (or an
            external tester).
        PermissionDeniedError: the role may not manage the organisation.
        InvalidInputError: no member chosen, too many, or a due date in the past.
    """
    _staff(principal)
    require(principal, Permission.MANAGE_ORG)
    found = module(module_id)
    staff = {user.id for user, _ in _members(session, principal.org_id)}
    chosen = sorted(staff) if user_ids is None else sorted(set(user_ids))
    if not chosen and user_ids is not None:
        raise InvalidInputError(
            "choose at least one member", ja="メンバーを一人以上選んでください。", field="users"
        )
    if len(chosen) > MAX_MEMBERS:
        raise InvalidInputError(
            f"at most {MAX_MEMBERS} members at once",
            ja=f"一度に割り当てられるのは{MAX_MEMBERS}人までです。",
            field="users",
        )
    for user_id in chosen:
        if user_id not in staff:
            raise NotFoundError(
                f"no member {user_id} in this organisation",
                ja=f"この組織にメンバー {user_id} はいません。",
            )
    if due_on is not None and due_on < today(session, principal.org_id):
        raise InvalidInputError(
            "the due date has passed; choose today or a later day",
            ja="期限が過ぎた日付です。今日以降の日付を選んでください。",
            field="due_on",
        )
    existing = {
        row.user_id: row
        for row in session.scalars(
            select(LiteracyAssignmentRow).where(
                LiteracyAssignmentRow.org_id == principal.org_id,
                LiteracyAssignmentRow.module_id == found.id,
            )
        )
    }
    now = datetime.now(UTC)
    rule = _set_rule(session, principal, found.id, due_on, now) if user_ids is None else None
    rows: list[LiteracyAssignmentRow] = []
    for user_id in chosen:
        row = existing.get(user_id)
        if row is None:
            row = LiteracyAssignmentRow(
                org_id=principal.org_id, user_id=user_id, module_id=found.id, due_on=due_on,
                assigned_at=now, assigned_by=principal.email, version=1,
            )  # fmt: skip
            session.add(row)
        else:
            row.due_on = due_on
            row.assigned_at = now
            row.assigned_by = principal.email
            row.version += 1
        if rule is not None:
            row.rule_id = rule.id
        rows.append(row)
    session.flush()
    audit.record(
        session, _org(session, principal.org_id), principal.email, "literacy.assign", "org",
        principal.org_id,
        {"module": found.id, "users": chosen, "all": user_ids is None,
         "due_on": due_on.isoformat() if due_on else None,
         "rule_due_days": rule.due_days if rule is not None else None},
    )  # fmt: skip
    return rows


def _set_rule(
    session: Session, principal: Principal, module_id: str, due_on: date | None, now: datetime
) -> LiteracyRuleRow:
    """Make (or renew) the module's "every member" rule: a newcomer gets as many days from
    joining as the members of today get from today."""
    days = None if due_on is None else (due_on - today(session, principal.org_id)).days
    row = session.scalars(
        select(LiteracyRuleRow).where(
            LiteracyRuleRow.org_id == principal.org_id, LiteracyRuleRow.module_id == module_id
        )
    ).first()
    if row is None:
        row = LiteracyRuleRow(
            org_id=principal.org_id, module_id=module_id, due_days=days, created_at=now,
            created_by=principal.email,
        )  # fmt: skip
        session.add(row)
    else:
        row.due_days = days
        row.created_at = now
        row.created_by = principal.email
    session.flush()
    return row


def list_rules(session: Session, principal: Principal) -> list[RuleView]:
    """The organisation's standing "every member" rules (every staff member reads them).

    Raises:
        NotFoundError: external testers.
    """
    _staff(principal)
    actors = ActorNames(session, principal)
    return [rule_view(r, actors) for r in rules_of(session, principal.org_id)]


def remove_rule(session: Session, principal: Principal, module_id: str) -> None:
    """Remove the module's "every member" rule: members who join from now on are not
    assigned it. The assignments it made stay (each can be withdrawn), and so does every
    completion.

    Raises:
        NotFoundError: no rule for this module in the organisation; external testers.
        PermissionDeniedError: the role may not manage the organisation.
    """
    _staff(principal)
    row = session.scalars(
        select(LiteracyRuleRow).where(
            LiteracyRuleRow.org_id == principal.org_id, LiteracyRuleRow.module_id == module_id
        )
    ).first()
    if row is None:
        raise NotFoundError(
            f"module {module_id[:60]} is not assigned to every member",
            ja=f"モジュール {module_id[:60]} は全員への割り当てになっていません。",
        )
    require(principal, Permission.MANAGE_ORG)
    for assignment in session.scalars(
        select(LiteracyAssignmentRow).where(LiteracyAssignmentRow.rule_id == row.id)
    ):
        assignment.rule_id = None
    session.flush()
    session.delete(row)
    session.flush()
    audit.record(
        session, _org(session, principal.org_id), principal.email, "literacy.rule_remove",
        "org", principal.org_id, {"module": module_id, "due_days": row.due_days},
    )  # fmt: skip


def unassign(session: Session, principal: Principal, assignment_id: int) -> None:
    """Withdraw an assignment (the member's completions stay).

    Raises:
        NotFoundError: no such assignment in the organisation.
        PermissionDeniedError: the role may not manage the organisation.
    """
    _staff(principal)
    row = session.get(LiteracyAssignmentRow, assignment_id)
    if row is None or row.org_id != principal.org_id:
        raise NotFoundError(
            f"no literacy assignment {assignment_id}",
            ja=f"AIリテラシーの割り当て {assignment_id} は見つかりません。",
        )
    require(principal, Permission.MANAGE_ORG)
    session.delete(row)
    session.flush()
    audit.record(
        session, _org(session, principal.org_id), principal.email, "literacy.unassign",
        "org", principal.org_id,
        {"assignment": assignment_id, "module": row.module_id, "user": row.user_id},
    )  # fmt: skip


def _completion_view(row: LiteracyCompletionRow) -> CompletionView:
    return CompletionView(
        id=row.id, module=row.module_id, module_version=row.module_version, score=row.score,
        total=row.total, passed=row.passed, completed_at=row.completed_at,
    )  # fmt: skip


def complete(
    session: Session, principal: Principal, module_id: str, answers: Answers, lang: Lang
) -> CompletionResult:
    """Grade the principal's answers to a module's quiz and keep the attempt; the first
    pass of the module in the organisation becomes evidence for 1(2) AIリテラシー and 3(2).

    Raises:
        NotFoundError: no such module; external testers.
        InvalidInputError: the principal is not a member's account (the CLI's operator),
            or the answers do not match the quiz.
    """
    _staff(principal)
    found = module(module_id)
    if principal.user_id is None:
        raise InvalidInputError(
            "a member takes a quiz for themselves, signed in",
            ja="小テストは、メンバー本人がサインインして受けてください。",
        )
    if len(answers) != len(found.quiz):
        raise InvalidInputError(
            f"give one answer for each of the {len(found.quiz)} questions",
            ja=f"{len(found.quiz)}問すべてに答えてください。",
            field="answers",
        )
    graded = grade_module(found, answers, lang)
    row = LiteracyCompletionRow(
        org_id=principal.org_id, user_id=principal.user_id, module_id=found.id,
        module_version=found.version, score=graded.score, total=graded.total,
        passed=graded.passed, completed_at=datetime.now(UTC),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, _org(session, principal.org_id), principal.email, "literacy.complete",
        "org", principal.org_id,
        {"module": found.id, "version": found.version, "score": graded.score,
         "total": graded.total, "passed": graded.passed},
    )  # fmt: skip
    if graded.passed:
        _evidence(session, principal, row)
    return CompletionResult(completion=_completion_view(row), graded=graded)


def _evidence(session: Session, principal: Principal, row: LiteracyCompletionRow) -> None:
    """Make the first pass of a module in the organisation evidence (once per module)."""
    held = session.scalars(
        select(LiteracyCompletionRow.id).where(
            LiteracyCompletionRow.org_id == row.org_id,
            LiteracyCompletionRow.module_id == row.module_id,
            LiteracyCompletionRow.evidence_id.is_not(None),
        )
    ).first()
    if held is not None:
        return
    evidence = transparency.reference(
        session,
        principal,
        ref=f"literacy:{row.module_id}",
        title=AutoNote.of(NoteKey.LITERACY_EVIDENCE, module=row.module_id),
    )
    row.evidence_id = evidence.id
    session.flush()
    transparency.link_org(session, principal, evidence.id, transparency.USES["literacy"])


Best = dict[tuple[int, str], tuple[datetime | None, int, int]]
"""Per (member, module): when first passed (None: not yet), the best score, its total."""


def _best(session: Session, org_id: int, user_ids: list[int]) -> Best:
    """Per (member, module): the first passing time, and the best score and its total."""
    best: Best = {}
    if not user_ids:
        return best
    for row in session.scalars(
        select(LiteracyCompletionRow)
        .where(
            LiteracyCompletionRow.org_id == org_id,
            LiteracyCompletionRow.user_id.in_(user_ids),
        )
        .order_by(LiteracyCompletionRow.completed_at, LiteracyCompletionRow.id)
    ):
        key = (row.user_id, row.module_id)
        passed_at, score, total = best.get(key, (None, -1, row.total))
        if row.passed and passed_at is None:
            passed_at = row.completed_at
        if row.score > score:
            score, total = row.score, row.total
        best[key] = (passed_at, score, total)
    return best


def progress(session: Session, principal: Principal, user_id: int | None = None) -> Progress:
    """Each member's assignments and passed modules: administrators see every member (or
    only ``user_id``), other members themselves.

    Raises:
        NotFoundError: external testers; ``user_id`` not a member the reader may see.
    """
    _staff(principal)
    everyone = can(principal.role, Permission.MANAGE_ORG)
    members = _members(session, principal.org_id)
    if not everyone:
        members = [(u, r) for u, r in members if u.id == principal.user_id]
    if user_id is not None:
        members = [(u, r) for u, r in members if u.id == user_id]
        if not members:
            raise NotFoundError(
                f"no member {user_id} whose progress you can see",
                ja=f"進み具合を見られるメンバー {user_id} はいません。",
            )
    ids = [u.id for u, _ in members]
    day = today(session, principal.org_id)
    best = _best(session, principal.org_id, ids)
    assignments: dict[int, list[LiteracyAssignmentRow]] = {}
    if ids:
        for row in session.scalars(
            select(LiteracyAssignmentRow)
            .where(
                LiteracyAssignmentRow.org_id == principal.org_id,
                LiteracyAssignmentRow.user_id.in_(ids),
            )
            .order_by(LiteracyAssignmentRow.id)
        ):
            assignments.setdefault(row.user_id, []).append(row)
    order = {m.id: m.order for m in MODULES}
    people: list[MemberProgress] = []
    for user, role in members:
        views: list[AssignmentView] = []
        for row in sorted(assignments.get(user.id, []), key=lambda r: order.get(r.module_id, 0)):
            passed_at, score, total = best.get((user.id, row.module_id), (None, -1, 0))
            views.append(
                AssignmentView(
                    id=row.id, user_id=user.id, module=row.module_id, due_on=row.due_on,
                    assigned_at=row.assigned_at, completed_at=passed_at,
                    score=None if score < 0 else score, total=None if score < 0 else total,
                    overdue=overdue(row.due_on, passed_at is not None, day),
                    by_rule=row.rule_id is not None,
                )
            )  # fmt: skip
        passed = [m.id for m in MODULES if best.get((user.id, m.id), (None,))[0] is not None]
        people.append(
            MemberProgress(
                user_id=user.id, name=user.name.strip() or UNKNOWN,
                email=user.email if everyone else None, role=Role(role),
                assigned=len(views), completed=sum(1 for v in views if v.completed_at),
                overdue=sum(1 for v in views if v.overdue), assignments=views, passed=passed,
            )
        )  # fmt: skip
    actors = ActorNames(session, principal)
    rules = [rule_view(r, actors) for r in rules_of(session, principal.org_id)] if everyone else []
    return Progress(everyone=everyone, today=day, members=people, rules=rules)


def my_completions(session: Session, principal: Principal) -> list[CompletionView]:
    """The principal's own attempts, newest first."""
    _staff(principal)
    if principal.user_id is None:
        return []
    rows = session.scalars(
        select(LiteracyCompletionRow)
        .where(
            LiteracyCompletionRow.org_id == principal.org_id,
            LiteracyCompletionRow.user_id == principal.user_id,
        )
        .order_by(LiteracyCompletionRow.completed_at.desc(), LiteracyCompletionRow.id.desc())
    )
    return [_completion_view(r) for r in rows]


def counts(session: Session, principal: Principal) -> LiteracyCounts | None:
    """The dashboard's line over the organisation's staff (None for external testers)."""
    if principal.role == Role.EXTERNAL_TESTER:
        return None
    org_id = principal.org_id
    rows = list(
        session.scalars(
            select(LiteracyAssignmentRow)
            .join(
                MembershipRow,
                (MembershipRow.user_id == LiteracyAssignmentRow.user_id)
                & (MembershipRow.org_id == org_id),
            )
            .where(LiteracyAssignmentRow.org_id == org_id)
        )
    )
    best = _best(session, org_id, sorted({r.user_id for r in rows}))
    day = today(session, org_id)
    done = [best.get((r.user_id, r.module_id), (None,))[0] is not None for r in rows]
    return LiteracyCounts(
        assigned=len(rows),
        completed=sum(done),
        overdue=sum(1 for r, d in zip(rows, done, strict=True) if overdue(r.due_on, d, day)),
    )
