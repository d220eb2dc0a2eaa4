"""Lifecycle gates: completeness by tier, critical risks, executive approval."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.risks import RiskFields
from tekisei.core.systems import Stage, SystemFacts
from tekisei.errors import ConflictError, InvalidInputError, PermissionDeniedError
from tekisei.services import assessments, audit, gates, orgs, risks, systems, users
from tekisei.services.database import Database


@pytest.fixture
def ctx(loaded_db: Database) -> tuple[Database, Principal, Principal, int]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="ceo@acme.example", password="correct horse battery"),
            "acme",
            Role.EXECUTIVE,
            "cli",
        )
        admin = orgs.cli_principal(session, "acme")
        executive = users.principal_for(session, "ceo@acme.example", "acme")
        facts = SystemFacts.model_validate(
            {"name": "与信審査", "org_role": "developer", "domain": "finance", "stage": "verify"}
        )
        system_id = systems.register_system(session, admin, facts).id
    return loaded_db, admin, executive, system_id


def _answer_everything(db: Database, who: Principal, system_id: int) -> None:
    with db.transaction() as session:
        assessment = assessments.start_assessment(session, who, system_id)
        report = assessments.assessment_report(session, who, assessment.id)
        for item in report.items:
            assessments.answer_requirement(
                session, who, assessment.id, item.urn, AnswerFields(state=AnswerState.IMPLEMENTED)
            )


def test_deploying_needs_a_request_and_cannot_be_set_directly(
    ctx: tuple[Database, Principal, Principal, int],
) -> None:
    db, admin, _, system_id = ctx
    with pytest.raises(ConflictError, match="approval"), db.transaction() as session:
        systems.update_system(session, admin, system_id, {"stage": "deploy"}, 1)
    with pytest.raises(InvalidInputError, match="needs no approval"), db.transaction() as s:
        gates.request_stage_change(s, admin, system_id, Stage.RETIRE)


def test_approval_is_refused_until_the_gate_is_met(
    ctx: tuple[Database, Principal, Principal, int],
) -> None:
    db, admin, executive, system_id = ctx
    with db.transaction() as session:
        request = gates.request_stage_change(session, admin, system_id, Stage.DEPLOY, "準備完了")
        assert gates.list_approvals(session, admin)[0].id == request.id
    with pytest.raises(PermissionDeniedError), db.transaction() as session:
        gates.decide(session, admin, request.id, True, "ok")
    with pytest.raises(ConflictError, match="no guideline assessment"), db.transaction() as s:
        gates.decide(s, executive, request.id, True, "ok")
    _answer_everything(db, admin, system_id)
    with db.transaction() as session:
        risk = risks.add_risk(
            session,
            admin,
            system_id,
            RiskFields(title="不当な与信拒否", taxonomy=["social.bias"], likelihood=4, impact=5),
        )
    with pytest.raises(ConflictError, match="不当な与信拒否"), db.transaction() as session:
        gates.decide(session, executive, request.id, True, "ok")
    with db.transaction() as session:
        risks.update_risk(
            session, admin, risk.id, {"residual_likelihood": 3, "residual_impact": 5}, 1
        )
        risks.accept_risk(session, executive, risk.id, "人による再審査で受容", 2)
    with db.transaction() as session:
        decided = gates.decide(session, executive, request.id, True, "条件を満たした")
        assert decided.status == "approved"
    with db.reading() as session:
        row = systems.visible_system(session, admin, system_id)
        assert row.stage == "deploy"
        _, events = audit.list_events(session, admin, action="stage.approve")
    assert events[0].actor == "ceo@acme.example"


def test_a_rejection_keeps_the_stage_and_records_the_reason(
    ctx: tuple[Database, Principal, Principal, int],
) -> None:
    db, admin, executive, system_id = ctx
    with db.transaction() as session:
        request = gates.request_stage_change(session, admin, system_id, Stage.DEPLOY)
        with pytest.raises(ConflictError):
            gates.request_stage_change(session, admin, system_id, Stage.DEPLOY)
    with db.transaction() as session:
        decided = gates.decide(session, executive, request.id, False, "外部テストが未実施")
        assert (decided.status, decided.reason) == ("rejected", "外部テストが未実施")
    with db.reading() as session:
        assert systems.visible_system(session, admin, system_id).stage == "verify"


def test_check_reports_what_is_missing(ctx: tuple[Database, Principal, Principal, int]) -> None:
    db, admin, _, system_id = ctx
    with db.reading() as session:
        result = gates.check_system(session, admin, system_id)
    assert not result.ok and [m.code for m in result.missing] == ["no-assessment"]
    _answer_everything(db, admin, system_id)
    with db.reading() as session:
        assert gates.check_system(session, admin, system_id).ok
        with pytest.raises(InvalidInputError):
            gates.check_system(session, admin, system_id, min_completeness=1.5)


def test_the_deployment_can_set_thresholds_and_intervals(
    ctx: tuple[Database, Principal, Principal, int],
) -> None:
    from tekisei.core.policy import Policy
    from tekisei.core.systems import Tier
    from tekisei.services import reviews

    db, admin, _, system_id = ctx
    db.policy = Policy.from_settings({"high": 30}, {"high": 0.0})
    with db.transaction() as session:
        assessments.start_assessment(session, admin, system_id)
    with db.reading() as session:
        result = gates.check_system(session, admin, system_id)
        [due] = reviews.due_list(session, admin)
    assert result.ok and result.threshold == 0.0
    assert (due.due - datetime.now(UTC).date()).days == 30
    with pytest.raises(ValueError, match="between 0 and 1"):
        Policy.from_settings(None, {"high": 1.5})
    assert Policy().completeness[Tier.CRITICAL] == 1.0


def test_the_checklist_agrees_with_the_approval_and_links_every_line(
    ctx: tuple[Database, Principal, Principal, int],
) -> None:
    """Whatever the checklist calls ready, an executive can approve; whatever it calls
    missing, the approval refuses — the page and the decision read the same gate."""
    db, admin, executive, system_id = ctx
    with db.transaction() as session:
        request = gates.request_stage_change(session, admin, system_id, Stage.DEPLOY)
    with db.reading() as session:
        before = gates.gate_checklist(session, executive, system_id)
    assert not before.ready and before.next_gate == "deploy"
    assert before.pending_approval == request.id
    states = {item.code: item.state for item in before.items}
    assert states["assessment"] == "missing" and states["risks"] == "met"
    assert {states["evaluation"], states["provenance"], states["approval"]} == {"info"}
    assert all(item.link and item.ja and item.en for item in before.items)
    assert "90%" in next(i.ja for i in before.items if i.code == "assessment")  # the high tier
    _answer_everything(db, admin, system_id)
    with db.transaction() as session:
        risk = risks.add_risk(
            session,
            admin,
            system_id,
            RiskFields(title="不当な与信拒否", taxonomy=["social.bias"], likelihood=5, impact=5),
        )
    with db.reading() as session:
        blocked = gates.gate_checklist(session, executive, system_id)
    line = next(i for i in blocked.items if i.code == f"risk-{risk.id}")
    assert line.state == "missing" and line.link == f"/risks/{risk.id}" and not blocked.ready
    with pytest.raises(ConflictError), db.transaction() as session:
        gates.decide(session, executive, request.id, True, "ok")
    with db.transaction() as session:
        risks.update_risk(
            session, admin, risk.id, {"residual_likelihood": 3, "residual_impact": 5}, 1
        )
        risks.accept_risk(session, executive, risk.id, "再審査で受容", 2)
    with db.reading() as session:
        assert gates.gate_checklist(session, executive, system_id).ready
    with db.transaction() as session:
        assert gates.decide(session, executive, request.id, True, "条件を満たした").status == (
            "approved"
        )
    with db.reading() as session:
        after = gates.gate_checklist(session, admin, system_id)
    assert after.stage == "deploy" and after.next_gate == "operate"


def test_stage_errors_name_stages_in_words(
    ctx: tuple[Database, Principal, Principal, int],
) -> None:
    db, admin, _, system_id = ctx
    with pytest.raises(InvalidInputError) as caught, db.transaction() as session:
        gates.request_stage_change(session, admin, system_id, Stage.RETIRE)
    assert caught.value.message_ja is not None
    assert (
        "「検証」から「廃止」" in caught.value.message_ja
        and "retire" not in caught.value.message_ja
    )
