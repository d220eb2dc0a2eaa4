"""AI literacy of staff, on both databases: assigning modules (administrators only, to
members of their own organisation), completing quizzes as oneself, progress and overdue
assignments, the audit trail, and evidence for 1(2) AIリテラシー and 3(2)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.db.literacy import LiteracyAssignmentRow
from tekisei.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import assessments, literacy, orgs, systems, users
from tekisei.services.database import Database
from tekisei.services.literacy_content import module

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]
GUIDELINE = "urn:tekisei:req:jp-ai-appropriateness-2025:"
RIGHT = [q.answer for q in module("what-ai-is").quiz]
WRONG = [(a + 1) % 3 for a in RIGHT]


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("city", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.LOCAL]), "cli"
            )
        return orgs.cli_principal(session, "city")


@pytest.fixture
def member(loaded_db: Database, admin: Principal) -> MakeMember:
    def make(email: str, role: Role, org: str = "city", name: str = "") -> Principal:
        with loaded_db.transaction() as session:
            users.create_user(
                session, users.UserCreate(email=email, name=name, password=PASSWORD), org, role,
                actor="cli", must_change_password=False,
            )  # fmt: skip
            return users.principal_for(session, email, org)

    return make


def assign(
    db: Database, who: Principal, module_id: str, ids: list[int] | None, due: Any
) -> list[int]:
    with db.transaction() as session:
        return [r.id for r in literacy.assign(session, who, module_id, ids, due)]


def complete(db: Database, who: Principal, module_id: str, answers: list[int | None]) -> Any:
    with db.transaction() as session:
        return literacy.complete(session, who, module_id, answers, "ja")


def progress(db: Database, who: Principal) -> Any:
    with db.reading() as session:
        return literacy.progress(session, who)


def actions(db: Database) -> list[str]:
    with db.reading() as session:
        return [e.action for e in session.scalars(select(AuditEventRow).order_by(AuditEventRow.id))]


def test_an_administrator_assigns_to_everyone_and_each_member_sees_only_their_own(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    boss = member("boss@city.example", Role.ADMIN, name="伊藤")
    staff = member("staff@city.example", Role.VIEWER, name="佐藤")
    member("tester@city.example", Role.EXTERNAL_TESTER)
    due = date.today() + timedelta(days=30)
    made = assign(loaded_db, boss, "what-ai-is", None, due)
    assert len(made) == 2  # external testers are not staff
    # assigning again changes the due date, never duplicates
    assert assign(loaded_db, boss, "what-ai-is", None, due + timedelta(days=1)) == made
    assert "literacy.assign" in actions(loaded_db)
    everyone = progress(loaded_db, boss)
    assert everyone.everyone and {m.name for m in everyone.members} == {"伊藤", "佐藤"}
    assert all(m.email for m in everyone.members)
    own = progress(loaded_db, staff)
    assert not own.everyone and [m.user_id for m in own.members] == [staff.user_id]
    assert own.members[0].email is None
    assert own.members[0].assignments[0].due_on == due + timedelta(days=1)


def test_only_administrators_assign_and_only_to_their_own_members(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    viewer = member("viewer@city.example", Role.VIEWER)
    editor = member("editor@city.example", Role.EDITOR)
    outsider = member("admin@other.example", Role.ADMIN, org="other")
    tester = member("tester@city.example", Role.EXTERNAL_TESTER)
    assert viewer.user_id and outsider.user_id and tester.user_id
    for who in (viewer, editor):
        with pytest.raises(PermissionDeniedError):
            assign(loaded_db, who, "bias", [viewer.user_id], None)
    with pytest.raises(NotFoundError):  # another organisation's member: not found
        assign(loaded_db, admin, "bias", [outsider.user_id], None)
    with pytest.raises(NotFoundError):
        assign(loaded_db, admin, "bias", [tester.user_id], None)
    with pytest.raises(NotFoundError):
        assign(loaded_db, admin, "no-such-module", [viewer.user_id], None)
    with pytest.raises(InvalidInputError, match="due date"):
        assign(loaded_db, admin, "bias", [viewer.user_id], date.today() - timedelta(days=3))
    with pytest.raises(InvalidInputError):
        assign(loaded_db, admin, "bias", [], None)
    with pytest.raises(NotFoundError):  # external testers see nothing of it
        progress(loaded_db, tester)


def test_an_assignment_of_another_organisation_is_not_found(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    outsider = member("admin@other.example", Role.ADMIN, org="other")
    viewer = member("viewer@city.example", Role.VIEWER)
    theirs = assign(loaded_db, outsider, "bias", None, None)[0]
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        literacy.unassign(session, admin, theirs)
    mine = assign(loaded_db, admin, "bias", [viewer.user_id], None)[0]  # type: ignore[list-item]
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        literacy.unassign(session, viewer, mine)
    with loaded_db.transaction() as session:
        literacy.unassign(session, admin, mine)
        assert session.get(LiteracyAssignmentRow, theirs) is not None
    assert "literacy.unassign" in actions(loaded_db)


def test_a_member_completes_a_quiz_as_themselves_and_overdue_work_is_counted(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    staff = member("staff@city.example", Role.VIEWER, name="佐藤")
    late = member("late@city.example", Role.EDITOR, name="鈴木")
    assign(loaded_db, admin, "what-ai-is", None, date.today() + timedelta(days=7))
    with loaded_db.transaction() as session:  # a due date that has passed since
        for row in session.scalars(select(LiteracyAssignmentRow)):
            if row.user_id == late.user_id:
                row.due_on = date.today() - timedelta(days=2)
                row.version += 1
    failed = complete(loaded_db, staff, "what-ai-is", WRONG)
    assert not failed.graded.passed and failed.completion.score == 0
    result = complete(loaded_db, staff, "what-ai-is", RIGHT)
    assert result.graded.passed and result.completion.module_version == 1
    assert result.completion.score == result.completion.total == 3
    with pytest.raises(InvalidInputError):  # the CLI's operator is nobody's account
        complete(loaded_db, admin, "what-ai-is", RIGHT)
    with pytest.raises(InvalidInputError):  # one answer per question
        complete(loaded_db, staff, "what-ai-is", RIGHT[:2])
    assert actions(loaded_db).count("literacy.complete") == 2
    rows = {m.name: m for m in progress(loaded_db, admin).members}
    assert rows["佐藤"].completed == 1 and rows["佐藤"].assignments[0].score == 3
    assert rows["佐藤"].passed == ["what-ai-is"]
    assert rows["鈴木"].overdue == 1 and rows["鈴木"].assignments[0].overdue
    with loaded_db.reading() as session:
        counts = literacy.counts(session, admin)
        mine = literacy.my_completions(session, staff)
    assert counts is not None and (counts.assigned, counts.completed, counts.overdue) == (2, 1, 1)
    assert [c.passed for c in mine] == [True, False]


def test_the_first_pass_of_a_module_is_evidence_for_literacy_and_3_2(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    staff = member("staff@city.example", Role.VIEWER)
    other = member("other@city.example", Role.VIEWER)
    facts = SystemFacts(name="議事録要約", org_role="user", purpose="会議の記録を要約する。")  # type: ignore[arg-type]
    with loaded_db.transaction() as session:
        sid = systems.register_system(session, admin, facts).id
        aid = assessments.start_assessment(session, admin, sid).id

    def items(assessment_id: int) -> dict[str, Any]:
        with loaded_db.reading() as session:
            report = assessments.assessment_report(session, admin, assessment_id)
        return {i.urn.removeprefix(GUIDELINE): i for i in report.items}

    assert items(aid)["1.2.ai-literacy.1"].evidence == []
    complete(loaded_db, staff, "bias", [0, 0, 0])  # not passed: no evidence
    assert items(aid)["3.2"].evidence == []
    complete(loaded_db, staff, "bias", [q.answer for q in module("bias").quiz])
    complete(loaded_db, other, "bias", [q.answer for q in module("bias").quiz])  # once only
    for ref in ("1.2.ai-literacy.1", "3.2"):
        step = items(aid)[ref]
        assert step.state.value == "partial"
        assert [e.title_in("en") for e in step.evidence] == [
            "AI literacy module bias completed (the organisation's first pass)"
        ]
    with loaded_db.transaction() as session:  # a new assessment starts with it
        assessments.close_assessment(session, admin, aid)
        again = assessments.start_assessment(session, admin, sid).id
    assert len(items(again)["3.2"].evidence) == 1


# ----------------------------------------------------------------- the "every member" rule


def assignments_of(db: Database, who: Principal) -> dict[str, tuple[Any, bool]]:
    """The member's assignments as an administrator sees them: module → (due, by rule)."""
    with db.reading() as session:
        admin = orgs.cli_principal(session, who.org_slug)
        found = literacy.progress(session, admin, who.user_id)
    return {a.module: (a.due_on, a.by_rule) for a in found.members[0].assignments}


def org_today(db: Database, slug: str = "city") -> date:
    with db.reading() as session:
        return literacy.today(session, orgs.cli_principal(session, slug).org_id)


def test_assigning_to_everyone_is_a_rule_that_users_create_follows_with_the_same_days(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    early = member("early@city.example", Role.EDITOR)
    today = org_today(loaded_db)
    assign(loaded_db, admin, "what-ai-is", None, today + timedelta(days=30))
    assign(loaded_db, admin, "bias", None, None)
    assert assignments_of(loaded_db, early) == {
        "what-ai-is": (today + timedelta(days=30), True), "bias": (None, True),
    }  # fmt: skip
    late = member("late@city.example", Role.VIEWER)
    # Joined today: due 30 days after joining, like the first members.
    assert assignments_of(loaded_db, late) == {
        "what-ai-is": (today + timedelta(days=30), True), "bias": (None, True),
    }  # fmt: skip
    with loaded_db.reading() as session:
        rules = literacy.list_rules(session, admin)
    assert [(r.module, r.due_days) for r in rules] == [("what-ai-is", 30), ("bias", None)]
    assert progress(loaded_db, admin).rules == rules
    assert progress(loaded_db, late).rules == []  # only administrators see the rules
    # A member assigned by name is not "by rule"; an external tester is assigned nothing.
    assign(loaded_db, admin, "hallucination", [late.user_id], None)
    assert assignments_of(loaded_db, late)["hallucination"] == (None, False)
    tester = member("tester@city.example", Role.EXTERNAL_TESTER)
    with loaded_db.reading() as session:
        held = session.scalars(
            select(LiteracyAssignmentRow).where(LiteracyAssignmentRow.user_id == tester.user_id)
        ).all()
    assert held == []
    # Another organisation's newcomer is nobody's business here.
    other = member("other@other.example", Role.EDITOR, "other")
    with loaded_db.reading() as session:
        assert (
            literacy.progress(session, orgs.cli_principal(session, "other"), other.user_id)
            .members[0]
            .assignments
            == []
        )
    with loaded_db.reading() as session:
        audit_rows = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "literacy.assign").order_by(AuditEventRow.id)
        ).all()
    assert any(e.summary.get("rule") and e.summary["users"] == [late.user_id] for e in audit_rows)


def test_an_invitation_accepted_by_a_new_or_existing_account_follows_the_rule(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    from tekisei.services import invitations

    today = org_today(loaded_db)
    assign(loaded_db, admin, "what-ai-is", None, today + timedelta(days=14))
    with loaded_db.transaction() as session:
        new_code, _ = invitations.create_invitation(session, admin, "new@city.example", Role.EDITOR)
        old_code, _ = invitations.create_invitation(
            session, admin, "other@other.example", Role.VIEWER
        )
    newcomer = invitations.register_with_invitation(loaded_db, new_code, "新人", PASSWORD)
    assert assignments_of(loaded_db, newcomer) == {"what-ai-is": (today + timedelta(days=14), True)}
    # A person of another organisation accepts with the account they have.
    elsewhere = member("other@other.example", Role.EDITOR, "other")
    with loaded_db.transaction() as session:
        joined = invitations.accept_invitation(session, elsewhere, old_code)
    assert joined.org_slug == "city"
    assert assignments_of(loaded_db, joined) == {"what-ai-is": (today + timedelta(days=14), True)}


def test_an_external_tester_made_staff_follows_the_rule_and_a_module_held_is_kept(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    tester = member("tester@city.example", Role.EXTERNAL_TESTER)
    staff = member("staff@city.example", Role.VIEWER)
    today = org_today(loaded_db)
    assign(loaded_db, admin, "bias", [staff.user_id], today + timedelta(days=3))
    assign(loaded_db, admin, "what-ai-is", None, today + timedelta(days=10))
    with loaded_db.transaction() as session:
        org = orgs.get_org(session, "city")
        user = users.find_user(session, "tester@city.example")
        assert user is not None
        orgs.add_member(session, org, user, Role.EDITOR, "cli")  # the tester becomes staff
        staff_user = users.find_user(session, "staff@city.example")
        assert staff_user is not None
        orgs.add_member(session, org, staff_user, Role.ADMIN, "cli")  # a role change only
    assert assignments_of(loaded_db, tester) == {"what-ai-is": (today + timedelta(days=10), True)}
    assert assignments_of(loaded_db, staff) == {
        "bias": (today + timedelta(days=3), False),
        "what-ai-is": (today + timedelta(days=10), True),
    }


def test_removing_the_rule_stops_new_assignments_and_keeps_what_was_done(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    early = member("early@city.example", Role.EDITOR)
    assign(loaded_db, admin, "what-ai-is", None, None)
    complete(loaded_db, early, "what-ai-is", RIGHT)
    viewer = member("viewer@city.example", Role.VIEWER)
    with loaded_db.transaction() as session:
        with pytest.raises(PermissionDeniedError):
            literacy.remove_rule(session, viewer, "what-ai-is")
        with pytest.raises(NotFoundError):
            literacy.remove_rule(session, admin, "bias")
        with pytest.raises(NotFoundError):
            literacy.remove_rule(session, orgs.cli_principal(session, "other"), "what-ai-is")
        literacy.remove_rule(session, admin, "what-ai-is")
    late = member("late@city.example", Role.EDITOR)
    assert assignments_of(loaded_db, late) == {}
    # The assignment it made and the completion stay; it is no longer "by rule".
    kept = progress(loaded_db, early).members[0]
    assert [(a.module, a.by_rule, a.completed_at is not None) for a in kept.assignments] == [
        ("what-ai-is", False, True)
    ]
    assert progress(loaded_db, admin).rules == []
    assert "literacy.rule_remove" in actions(loaded_db)
