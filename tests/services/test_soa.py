"""The Statement of Applicability, on both databases: 38 controls whose states follow the
systems' assessments through the crosswalk (and direct answers), changed one control at a
time with versions and history, read and written by the right roles of one organisation
only, approved by an executive as a kept version that is evidence for 2(1) and fn 16."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.soa import Hint, Origin
from tekisei.core.systems import SystemFacts
from tekisei.db.assessments import AnswerEvidenceRow, AnswerRow
from tekisei.db.audit import AuditEventRow
from tekisei.db.soa import SoaApprovalRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import (
    assessments,
    evidence,
    orgs,
    soa,
    soa_approvals,
    soa_overview,
    soa_views,
    systems,
    users,
)
from tekisei.services.database import Database

PASSWORD = "correct horse battery"
GUIDELINE = "jp-ai-appropriateness-2025"
ISO = "iso-iec-42001-2023"
MakeMember = Callable[..., Principal]


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session,
                OrgCreate(name=f"{slug.title()} 株式会社", slug=slug, actors=[OrgActor.BUSINESS]),
                "cli",
            )
        return orgs.cli_principal(session, "acme")


@pytest.fixture
def member(loaded_db: Database, admin: Principal) -> MakeMember:
    def make(email: str, role: Role, org: str = "acme") -> Principal:
        with loaded_db.transaction() as session:
            users.create_user(
                session,
                users.UserCreate(email=email, password=PASSWORD, name=email.split("@")[0]),
                org,
                role,
                actor="cli",
                must_change_password=False,
            )
            return users.principal_for(session, email, org)

    return make


def system(database: Database, principal: Principal, name: str = "応答AI", **facts: object) -> int:
    data = {"name": name, "org_role": "provider"} | facts
    with database.transaction() as session:
        return systems.register_system(session, principal, SystemFacts.model_validate(data)).id


def answer(
    database: Database, principal: Principal, system_id: int, ref: str, state: AnswerState
) -> None:
    with database.transaction() as session:
        row = assessments.current_assessment(session, principal, system_id)
        assessments.answer_requirement(
            session,
            principal,
            row.id,
            ref,
            AnswerFields(state=state, justification="対象外" if state == "not_applicable" else ""),
        )


def start(database: Database, principal: Principal, system_id: int) -> int:
    with database.transaction() as session:
        return assessments.start_assessment(session, principal, system_id).id


def control(database: Database, principal: Principal, ref: str) -> soa.ControlView:
    with database.reading() as session:
        return soa.control_view(session, principal, ref)


def set_control(
    database: Database, principal: Principal, ref: str, version: int, **changes: object
) -> None:
    with database.transaction() as session:
        soa.set_control(session, principal, ref, dict(changes), version)


def test_a_new_statement_has_the_38_controls_of_annex_a_all_applicable(
    loaded_db: Database, admin: Principal
) -> None:
    with loaded_db.reading() as session:
        statement = soa_views.statement(session, admin)
    refs = [c.ref for c in statement.controls]
    assert len(refs) == 38 and refs[0] == "A.2.2" and refs[-1] == "A.10.4"
    assert "A.6.1.2" in refs and "A.6.2" not in refs  # controls only, not objectives
    assert statement.version == 0 and statement.systems == 0
    assert all(c.applicable and c.version == 0 for c in statement.controls)
    assert {c.state for c in statement.controls} == {AnswerState.NOT_STARTED}
    assert {c.hint for c in statement.controls} == {Hint.NO_SYSTEMS}
    assert statement.controls[0].objective == "A.2"


def test_states_follow_the_assessments_answers_through_the_crosswalk(
    loaded_db: Database, admin: Principal
) -> None:
    first = system(loaded_db, admin)
    start(loaded_db, admin, first)
    assert control(loaded_db, admin, "A.2.2").control.state is AnswerState.NOT_STARTED
    # 2(1) intersects A.2.2: implemented carries over as partially implemented
    answer(loaded_db, admin, first, f"{GUIDELINE}:2(1)", AnswerState.IMPLEMENTED)
    line = control(loaded_db, admin, "A.2.2").control
    assert line.state is AnswerState.PARTIAL and line.hint is None
    [derivation] = line.systems
    assert derivation.system_id == first and derivation.origin is Origin.DERIVED
    assert [(s.section, s.relation, s.state) for s in derivation.sources if s.carries] == [
        ("2(1)", "intersect", AnswerState.IMPLEMENTED)
    ]
    # a direct answer to the control gives the state as it is
    answer(loaded_db, admin, first, f"{ISO}:A.2.2", AnswerState.IMPLEMENTED)
    line = control(loaded_db, admin, "A.2.2").control
    assert line.state is AnswerState.IMPLEMENTED and line.systems[0].origin is Origin.DIRECT
    # a second system that has not started: the organisation is partly there
    second = system(loaded_db, admin, "画像生成")
    assert control(loaded_db, admin, "A.2.2").control.state is AnswerState.PARTIAL
    start(loaded_db, admin, second)
    answer(loaded_db, admin, second, f"{ISO}:A.2.2", AnswerState.IMPLEMENTED)
    assert control(loaded_db, admin, "A.2.2").control.state is AnswerState.IMPLEMENTED
    # a retired system no longer counts
    with loaded_db.transaction() as session:
        current = systems.visible_system(session, admin, second)
        systems.update_system(session, admin, second, {"stage": "retire"}, current.version)
    answer(loaded_db, admin, first, f"{ISO}:A.2.2", AnswerState.NOT_IMPLEMENTED)
    assert control(loaded_db, admin, "A.2.2").control.state is AnswerState.NOT_IMPLEMENTED


def test_a_control_only_related_items_touch_needs_a_direct_answer(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    start(loaded_db, admin, system_id)
    answer(loaded_db, admin, system_id, f"{GUIDELINE}:2(1)", AnswerState.IMPLEMENTED)
    line = control(loaded_db, admin, "A.2.4").control  # 2(1) and 1(3)④ are only related
    assert line.state is AnswerState.NOT_STARTED and line.hint is Hint.NO_COUNTERPART
    assert line.systems[0].origin is Origin.NONE and line.derived_state is None
    answer(loaded_db, admin, system_id, f"{ISO}:A.2.4", AnswerState.PARTIAL)
    line = control(loaded_db, admin, "A.2.4").control
    assert line.state is AnswerState.PARTIAL and line.hint is None


def test_assessments_that_say_not_applicable_and_excluded_controls(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    start(loaded_db, admin, system_id)
    # A.2.3 draws on fn15 alone
    answer(loaded_db, admin, system_id, f"{GUIDELINE}:fn15", AnswerState.NOT_APPLICABLE)
    line = control(loaded_db, admin, "A.2.3").control
    assert line.derived_state is AnswerState.NOT_APPLICABLE
    assert line.state is AnswerState.NOT_STARTED and line.hint is Hint.ASSESSED_NOT_APPLICABLE
    set_control(loaded_db, admin, "A.2.3", 0, applicable=False, justification="既存方針なし")
    line = control(loaded_db, admin, "A.2.3").control
    assert line.state is AnswerState.NOT_APPLICABLE and line.hint is None
    assert line.justification == "既存方針なし"


def test_a_system_assessed_against_iso_42001_directly_counts_with_its_answers(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        row = assessments.start_assessment(session, admin, system_id, ISO)
        assessments.answer_requirement(
            session, admin, row.id, f"{ISO}:A.10.4", AnswerFields(state=AnswerState.IMPLEMENTED)
        )
    line = control(loaded_db, admin, "A.10.4").control
    assert line.state is AnswerState.IMPLEMENTED and line.systems[0].origin is Origin.DIRECT


def test_evidence_of_the_answers_a_control_draws_on_is_listed(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    row = start(loaded_db, admin, system_id)
    answer(loaded_db, admin, system_id, f"{GUIDELINE}:2(1)", AnswerState.PARTIAL)
    with loaded_db.transaction() as session:
        policy = evidence.add_link(session, admin, url="https://acme.example/ai", title="AI方針")
        assessments.attach_evidence(session, admin, row, f"{GUIDELINE}:2(1)", policy.id)
    a22 = control(loaded_db, admin, "A.2.2").control
    assert [(e.title, e.url) for e in a22.evidence] == [("AI方針", "https://acme.example/ai")]
    # 2(1) is only related to A.2.4: nothing carries over, so its evidence is not A.2.4's
    assert control(loaded_db, admin, "A.2.4").control.evidence == []
    answer(loaded_db, admin, system_id, f"{ISO}:A.2.4", AnswerState.PARTIAL)
    with loaded_db.transaction() as session:
        review = evidence.add_link(
            session, admin, url="https://acme.example/review", title="見直し"
        )
        assessments.attach_evidence(session, admin, row, f"{ISO}:A.2.4", review.id)
    assert [e.title for e in control(loaded_db, admin, "A.2.4").control.evidence] == ["見直し"]


def test_changes_are_versioned_kept_and_audited(loaded_db: Database, admin: Principal) -> None:
    set_control(loaded_db, admin, "A.6.2.4", 0, notes="検証計画に沿って試験する。")
    set_control(loaded_db, admin, "A.2.2", 0, justification="基本方針で定める。")
    set_control(loaded_db, admin, "A.6.2.4", 1, notes="第三者試験も行う。")
    view = control(loaded_db, admin, "A.6.2.4")
    assert view.control.version == 2 and view.soa_version == 3
    assert [(h.soa_version, h.control_version, h.notes) for h in view.history] == [
        (3, 2, "第三者試験も行う。"),
        (1, 1, "検証計画に沿って試験する。"),
    ]
    with loaded_db.reading() as session:
        everything = soa.history(session, admin)
        events = list(
            session.scalars(select(AuditEventRow).where(AuditEventRow.action == "soa.update").order_by(AuditEventRow.id))
        )
    assert [(h.soa_version, h.control) for h in everything] == [
        (3, "A.6.2.4"),
        (2, "A.2.2"),
        (1, "A.6.2.4"),
    ]
    assert [e.object_id for e in events] == ["A.6.2.4", "A.2.2", "A.6.2.4"]
    assert events[-1].summary["after"] == {"notes": "第三者試験も行う。"}
    # a change based on what the caller read before is refused and overwrites nothing
    with pytest.raises(ConflictError) as stale:
        set_control(loaded_db, admin, "A.6.2.4", 1, notes="古い版からの上書き")
    assert "読み込み直して" in stale.value.localized("ja")
    assert control(loaded_db, admin, "A.6.2.4").control.notes == "第三者試験も行う。"
    # saving what is already there makes no new version
    set_control(loaded_db, admin, "A.6.2.4", 2, notes="第三者試験も行う。")
    assert control(loaded_db, admin, "A.6.2.4").soa_version == 3


def test_concurrent_first_statements_of_one_control_let_exactly_one_win(
    loaded_db: Database, admin: Principal
) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(text: str) -> None:
        barrier.wait()
        try:
            set_control(loaded_db, admin, "A.3.3", 0, notes=text)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(t,)) for t in ("窓口A", "窓口B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict", "saved"]
    view = control(loaded_db, admin, "A.3.3")
    assert view.control.version == 1 and len(view.history) == 1


def test_hostile_and_invalid_input_is_refused_with_words_for_people(
    loaded_db: Database, admin: Principal
) -> None:
    with pytest.raises(InvalidInputError) as excluded:
        set_control(loaded_db, admin, "A.7.2", 0, applicable=False)
    assert excluded.value.field == "justification"
    assert "理由を記入してください" in excluded.value.localized("ja")
    with pytest.raises(InvalidInputError) as long_text:
        set_control(loaded_db, admin, "A.7.2", 0, notes="あ" * 4001)
    assert "4000文字まで" in long_text.value.localized("ja")
    with pytest.raises(InvalidInputError, match="unknown fields"):
        set_control(loaded_db, admin, "A.7.2", 0, state="implemented")
    for wrong in ("A.6.2", "A.99.1", "A.2.1", "../A.2.2", "A.2.2; DROP TABLE soa", "x" * 500):
        with pytest.raises(NotFoundError):
            set_control(loaded_db, admin, wrong, 0, notes="x")
    # formulas and markup are kept as the text they are
    formula = '=HYPERLINK("https://evil.example","x")'
    set_control(loaded_db, admin, "A.7.2", 0, applicable=False, justification=formula)
    assert control(loaded_db, admin, "A.7.2").control.justification == formula
    # excluding an excluded control again without its reason is refused too
    with pytest.raises(InvalidInputError):
        set_control(loaded_db, admin, "A.7.2", 1, justification="")


def test_owners_are_members_of_the_organisation(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    tanaka = member("tanaka@acme.example", Role.EDITOR)
    stranger = member("admin@other.example", Role.ADMIN, "other")
    assert tanaka.user_id is not None and stranger.user_id is not None
    set_control(loaded_db, admin, "A.3.2", 0, owner_id=tanaka.user_id)
    owner = control(loaded_db, admin, "A.3.2").control.owner
    assert owner is not None and owner.user_id == tanaka.user_id and owner.name == "tanaka"
    for wrong in (stranger.user_id, 999_999):
        with pytest.raises(InvalidInputError) as refused:
            set_control(loaded_db, admin, "A.3.2", 1, owner_id=wrong)
        assert refused.value.field == "owner_id"
    set_control(loaded_db, admin, "A.3.2", 1, owner_id=None)
    assert control(loaded_db, admin, "A.3.2").control.owner is None


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ASSESSOR])
def test_roles_that_answer_assessments_write_the_statement(
    loaded_db: Database, admin: Principal, member: MakeMember, role: Role
) -> None:
    writer = member(f"{role.value}@acme.example", role)
    set_control(loaded_db, writer, "A.4.6", 0, notes="研修記録あり")
    assert control(loaded_db, admin, "A.4.6").control.notes == "研修記録あり"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR, Role.EXECUTIVE])
def test_read_only_roles_read_the_statement_but_cannot_change_it(
    loaded_db: Database, admin: Principal, member: MakeMember, role: Role
) -> None:
    reader = member(f"{role.value}@acme.example", role)
    set_control(loaded_db, admin, "A.4.6", 0, notes="研修記録あり")
    assert control(loaded_db, reader, "A.4.6").control.notes == "研修記録あり"
    with pytest.raises(PermissionDeniedError):
        set_control(loaded_db, reader, "A.4.6", 1, notes="書き換え")
    assert control(loaded_db, admin, "A.4.6").control.version == 1


def test_an_external_tester_neither_reads_nor_writes_the_statement(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    with loaded_db.reading() as session:
        for read in (
            lambda: soa_views.statement(session, tester) and soa.readable(tester),
            lambda: soa_overview.soa_view(session, tester),
            lambda: soa.control_view(session, tester, "A.2.2"),
            lambda: soa.history(session, tester),
            lambda: soa_approvals.list_approvals(session, tester),
        ):
            with pytest.raises(PermissionDeniedError) as refused:
                read()
            assert "外部テスター" in refused.value.localized("ja")
    with pytest.raises(PermissionDeniedError):
        set_control(loaded_db, tester, "A.2.2", 0, notes="x")


def test_each_organisation_has_its_own_statement(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    other = member("admin@other.example", Role.ADMIN, "other")
    system(loaded_db, admin, "社外秘のシステム")
    set_control(loaded_db, admin, "A.5.2", 0, notes="社外秘の手順")
    with loaded_db.reading() as session:
        theirs = soa_views.statement(session, other)
        their_history = soa.history(session, other)
    assert theirs.version == 0 and theirs.systems == 0 and their_history == []
    assert "社外秘" not in theirs.model_dump_json()
    # the other organisation's first change is its own version 1, acme's stays as it is
    set_control(loaded_db, other, "A.5.2", 0, notes="当社の手順")
    assert control(loaded_db, admin, "A.5.2").control.notes == "社外秘の手順"
    assert control(loaded_db, other, "A.5.2").control.notes == "当社の手順"


def test_an_executive_approves_a_version_that_is_kept_as_it_was(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    ceo = member("ceo@acme.example", Role.EXECUTIVE)
    with loaded_db.transaction() as session, pytest.raises(ConflictError, match="nothing"):
        soa_approvals.approve(session, ceo, 1)
    set_control(loaded_db, admin, "A.2.2", 0, justification="基本方針で定める。")
    with loaded_db.transaction() as session, pytest.raises(PermissionDeniedError):
        soa_approvals.approve(session, admin, 1)  # not the administrator's decision
    with loaded_db.transaction() as session, pytest.raises(ConflictError):
        soa_approvals.approve(session, ceo, 2)  # not the version on the page
    with loaded_db.transaction() as session, pytest.raises(InvalidInputError):
        soa_approvals.approve(session, ceo, 1, "x" * 2001)
    with loaded_db.transaction() as session:
        soa_approvals.approve(session, ceo, 1, "内容を確認した。")
    with loaded_db.transaction() as session, pytest.raises(ConflictError, match="nothing changed"):
        soa_approvals.approve(session, ceo, 1)
    set_control(loaded_db, admin, "A.2.2", 1, justification="改定した基本方針で定める。")
    with loaded_db.reading() as session:
        view = soa_overview.soa_view(session, ceo)
        kept = soa_approvals.get_approval(session, ceo, 1)
    assert not view.approved_as_it_stands and [a.number for a in view.approvals] == [1]
    assert kept.statement.controls[0].justification == "基本方針で定める。"
    assert kept.statement.approval is not None and kept.note == "内容を確認した。"
    assert kept.approved_by == "ceo" and kept.statement.approval.approved_by == "ceo"
    with loaded_db.transaction() as session:
        soa_approvals.approve(session, ceo, 2)
    with loaded_db.reading() as session:
        view = soa_overview.soa_view(session, ceo)
        events = list(
            session.scalars(select(AuditEventRow).where(AuditEventRow.action == "soa.approve").order_by(AuditEventRow.id))
        )
    assert view.approved_as_it_stands and [a.number for a in view.approvals] == [2, 1]
    assert events[0].summary["approver_added_by"] == "cli"
    assert events[0].summary["states"]["A.2.2"] == "not_started"
    with loaded_db.transaction() as session:
        row = session.scalars(select(SoaApprovalRow).where(SoaApprovalRow.number == 1)).one()
        row.note = "書き換え"
        with pytest.raises(RuntimeError, match="never changed"):
            session.flush()
    with loaded_db.reading() as session, pytest.raises(NotFoundError):
        soa_approvals.get_approval(session, ceo, 3)


def test_a_change_in_the_assessments_reopens_an_approved_statement(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    ceo = member("ceo@acme.example", Role.EXECUTIVE)
    system_id = system(loaded_db, admin)
    start(loaded_db, admin, system_id)
    set_control(loaded_db, admin, "A.6.2.4", 0, notes="試験する")
    with loaded_db.transaction() as session:
        soa_approvals.approve(session, ceo, 1)
    with loaded_db.reading() as session:
        assert soa_overview.soa_view(session, ceo).approved_as_it_stands
    answer(loaded_db, admin, system_id, f"{GUIDELINE}:2(3)", AnswerState.IMPLEMENTED)
    with loaded_db.reading() as session:
        assert not soa_overview.soa_view(session, ceo).approved_as_it_stands
    with loaded_db.transaction() as session:  # the same version, with other states
        soa_approvals.approve(session, ceo, 1)


def test_an_approved_statement_is_evidence_for_2_1_and_fn16_of_open_assessments(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    ceo = member("ceo@acme.example", Role.EXECUTIVE)
    # a high tier provider: 2(1) and fn 16 apply; a user of AI: neither does
    provider = system(loaded_db, admin, domain="employment", data_categories=["personal"])
    user_side = system(loaded_db, admin, "社内利用AI", org_role="user")
    start(loaded_db, admin, provider)
    start(loaded_db, admin, user_side)
    answer(loaded_db, admin, provider, f"{GUIDELINE}:fn16", AnswerState.IMPLEMENTED)
    set_control(loaded_db, admin, "A.2.2", 0, notes="方針あり")
    with loaded_db.transaction() as session:
        approval = soa_approvals.approve(session, ceo, 1, "承認")
        kept = approval.evidence_id
    with loaded_db.reading() as session:
        linked = {
            urn.rsplit(":", 1)[1]: (state, auto)
            for urn, state, auto in session.execute(
                select(AnswerRow.node_urn, AnswerRow.state, AnswerRow.auto_note)
                .join(AnswerEvidenceRow, AnswerEvidenceRow.answer_id == AnswerRow.id)
                .where(AnswerEvidenceRow.evidence_id == kept)
            )
        }
        a22 = soa_views.statement(session, admin).controls[0]
    assert set(linked) == {"2.1", "fn16"}  # nothing of the user side's assessment
    assert linked["2.1"][0] == "partial" and linked["2.1"][1]["key"] == "soa-attached"
    assert linked["fn16"][0] == "implemented"  # an answer a person gave is never changed
    # what the approval started counts in the statement it keeps, which never cites itself
    assert a22.state is AnswerState.PARTIAL and all(
        not (e.reference or "").startswith("soa:") for e in a22.evidence
    )
    with loaded_db.reading() as session:
        assert soa_overview.soa_view(session, ceo).approved_as_it_stands
    # an assessment started later gets the latest approval from the start
    with loaded_db.transaction() as session:
        assessments.close_assessment(
            session, admin, assessments.current_assessment(session, admin, provider).id
        )
        assessments.start_assessment(session, admin, provider)
    with loaded_db.reading() as session:
        row = assessments.current_assessment(session, admin, provider)
        report = assessments.assessment_report(session, admin, row.id)
    evidence_of = {i.urn.rsplit(":", 1)[1]: [e.reference for e in i.evidence] for i in report.items}
    assert "soa:1" in evidence_of["2.1"] and "soa:1" in evidence_of["fn16"]
