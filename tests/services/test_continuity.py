"""Business continuity (2(4)) on both databases: roles and isolation, limits, versions,
the draft filled from the system's records, drills, the gate into operation, the
deployment's setting, evidence and the overview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tekisei.config import Settings, load_settings
from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.continuity import DrillFields, PlanFields
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.policy import Policy
from tekisei.core.records import DatasetFields, ModelFields
from tekisei.core.systems import Stage, SystemFacts
from tekisei.core.vendors import VendorFields
from tekisei.db.audit import AuditEventRow
from tekisei.errors import (
    ConfigError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from tekisei.services import (
    assessments,
    continuity,
    gates,
    orgs,
    records,
    systems,
    users,
    vendors,
)
from tekisei.services.database import Database, open_database

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]
GUIDELINE = "urn:tekisei:req:jp-ai-appropriateness-2025:"
SCENARIOS = [
    {"kind": "outage", "procedure": "窓口で手作業の審査に切り替える",
     "rto": {"value": 4, "unit": "hours"}, "rpo": {"value": 30, "unit": "minutes"}},
    {"kind": "vendor_exit", "procedure": "別のモデル提供者に切り替える"},
]  # fmt: skip


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        return orgs.cli_principal(session, "acme")


@pytest.fixture
def member(loaded_db: Database, admin: Principal) -> MakeMember:
    def make(email: str, role: Role, org: str = "acme") -> Principal:
        with loaded_db.transaction() as session:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role,
                actor="cli", must_change_password=False,
            )  # fmt: skip
            return users.principal_for(session, email, org)

    return make


def system(
    database: Database, principal: Principal, name: str = "与信審査", **facts: object
) -> int:
    data = {"name": name, "org_role": "developer", "domain": "finance", "stage": "deploy",
            "models": ["gpt-x"], "vendors": ["Example LLM", "Cloud社"],
            "responsible_person": "審査部 山田"} | facts  # fmt: skip
    with database.transaction() as session:
        return systems.register_system(session, principal, SystemFacts.model_validate(data)).id


def save(
    database: Database, principal: Principal, system_id: int, version: int = 0, **changes: Any
) -> int:
    changes = {"scenarios": SCENARIOS} | changes
    with database.transaction() as session:
        return continuity.save_plan(session, principal, system_id, changes, version).version


def drill(
    database: Database, principal: Principal, system_id: int, days_ago: int = 10, **fields: Any
) -> int:
    data = {"held_on": date.today() - timedelta(days=days_ago), "scenario": "outage",
            "outcome": "passed", "findings": "手順書どおり4時間で復旧"} | fields  # fmt: skip
    with database.transaction() as session:
        return continuity.record_drill(
            session, principal, system_id, DrillFields.model_validate(data)
        ).id


def codes(database: Database, principal: Principal, system_id: int) -> list[str]:
    with database.reading() as session:
        return [m.code for m in gates.check_system(session, principal, system_id).missing]


# --- hostile first ---------------------------------------------------------------------


def test_another_organisation_and_external_testers_see_nothing(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    mine = system(loaded_db, admin)
    save(loaded_db, admin, mine)
    drill(loaded_db, admin, mine)
    stranger = member("admin@other.example", Role.ADMIN, "other")
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, mine, "tester@lab.example")
    for who in (stranger, tester):
        with pytest.raises(NotFoundError), loaded_db.reading() as session:
            continuity.get_plan(session, who, mine)
        with pytest.raises(NotFoundError), loaded_db.reading() as session:
            continuity.list_drills(session, who, mine)
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            continuity.save_plan(session, who, mine, {"notes": "stolen"}, 1)
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            continuity.record_drill(
                session, who, mine,
                DrillFields(held_on=date.today(), scenario="outage", outcome="failed"),
            )  # fmt: skip
    with pytest.raises(NotFoundError), loaded_db.reading() as session:
        continuity.overview(session, tester)
    with loaded_db.reading() as session:
        assert continuity.overview(session, stranger) == []
        assert continuity.summary(session, tester) is None
        assert continuity.get_plan(session, admin, mine).notes == ""


def test_readers_read_and_only_writers_write(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    mine = system(loaded_db, admin)
    viewer = member("viewer@acme.example", Role.VIEWER)
    auditor = member("auditor@acme.example", Role.AUDITOR)
    for who in (viewer, auditor):
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            continuity.save_plan(session, who, mine, {}, 0)
    save(loaded_db, admin, mine)
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        continuity.record_drill(
            session, viewer, mine, DrillFields(held_on=date.today(), scenario="outage",
                                               outcome="passed"),
        )  # fmt: skip
    with loaded_db.reading() as session:
        assert continuity.get_plan(session, viewer, mine).exists
        assert continuity.list_drills(session, auditor, mine) == []


@pytest.mark.parametrize(
    "rto",
    [
        {"value": -1, "unit": "hours"},
        {"value": 367, "unit": "days"},
        {"value": 10**9, "unit": "minutes"},
        {"value": 9000, "unit": "hours"},
        {"value": 1, "unit": "weeks"},
        {"value": "1e3", "unit": "hours"},
    ],
)
def test_recovery_limits_out_of_range_are_refused(rto: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PlanFields.model_validate({"scenarios": [{"kind": "outage", "rto": rto}]})


def test_oversize_lists_and_text_are_refused_before_anything_is_stored(
    loaded_db: Database, admin: Principal
) -> None:
    mine = system(loaded_db, admin)
    too_many = {"dependencies": [{"kind": "data", "name": f"d{i}"} for i in range(51)]}
    long_name = {"contacts": [{"name": "x" * 201}]}
    twice = {"scenarios": [{"kind": "outage"}, {"kind": "outage"}]}
    unknown = {"owner": "x"}
    for changes in (too_many, long_name, twice, unknown, {"notes": "x" * 4001}):
        with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
            continuity.save_plan(session, admin, mine, changes, 0)
    with loaded_db.reading() as session:
        assert not continuity.get_plan(session, admin, mine).exists
    with pytest.raises(ValidationError):
        DrillFields.model_validate({"held_on": "2026-01-01", "scenario": "outage", "outcome": "ok"})
    with pytest.raises(ValidationError):
        DrillFields.model_validate(
            {"held_on": "2026-01-01", "scenario": "outage", "outcome": "passed",
             "findings": "x" * 4001}
        )  # fmt: skip


def test_a_stale_version_changes_nothing(loaded_db: Database, admin: Principal) -> None:
    mine = system(loaded_db, admin)
    assert save(loaded_db, admin, mine) == 1
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        continuity.save_plan(session, admin, mine, {"notes": "second"}, 0)  # created meanwhile
    assert save(loaded_db, admin, mine, 1, notes="first") == 2
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        continuity.save_plan(session, admin, mine, {"notes": "late"}, 1)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        continuity.review_plan(session, admin, mine, 1)
    with loaded_db.reading() as session:
        plan = continuity.get_plan(session, admin, mine)
    assert (plan.notes, plan.version, plan.reviewed_on) == ("first", 2, None)


def test_drills_need_a_plan_one_of_its_scenarios_and_a_day_not_in_the_future(
    loaded_db: Database, admin: Principal
) -> None:
    mine = system(loaded_db, admin)
    with pytest.raises(ConflictError, match="no continuity plan"):
        drill(loaded_db, admin, mine)
    save(loaded_db, admin, mine)
    with pytest.raises(InvalidInputError, match="no attack scenario") as caught:
        drill(loaded_db, admin, mine, scenario="attack")
    assert caught.value.message_ja
    with pytest.raises(InvalidInputError, match="future"):
        drill(loaded_db, admin, mine, days_ago=-2)
    with loaded_db.reading() as session:
        assert continuity.list_drills(session, admin, mine) == []


# --- the plan --------------------------------------------------------------------------


def test_the_first_plan_is_drafted_from_facts_records_and_linked_vendors(
    loaded_db: Database, admin: Principal
) -> None:
    mine = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        model = records.add_model(session, admin, mine, ModelFields(name="審査モデル v2"))
        dataset = records.add_dataset(session, admin, mine, DatasetFields(name="過去の審査記録"))
        vendor = vendors.add_vendor(
            session, admin, VendorFields(name="Example LLM", kind="ai_api", systems=[mine])
        )
    with loaded_db.reading() as session:
        draft = continuity.get_plan(session, admin, mine)
    assert not draft.exists and draft.version == 0
    found = [(d.kind.value, d.name, d.link) for d in draft.dependencies]
    assert found == [
        ("model", "審査モデル v2", f"/records/models/{model.id}"),
        ("model", "gpt-x", ""),
        ("api", "Example LLM", f"/vendors/{vendor.id}"),
        ("vendor", "Cloud社", ""),
        ("data", "過去の審査記録", f"/records/datasets/{dataset.id}"),
        ("people", "審査部 山田", ""),
    ]
    save(loaded_db, admin, mine, contacts=[{"name": "山田", "role": "審査部長",
                                             "reach": "内線 1234"}])  # fmt: skip
    changed = {"dependencies": [{"kind": "people", "name": "夜間当番"}]}
    save(loaded_db, admin, mine, 1, **changed)
    with loaded_db.reading() as session:
        plan = continuity.get_plan(session, admin, mine)
        events = session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.action.like("continuity.%"))
            .order_by(AuditEventRow.id)
        ).all()
    assert plan.exists and [d.name for d in plan.dependencies] == ["夜間当番"]
    assert plan.contacts[0].reach == "内線 1234" and plan.scenarios[0].rto is not None
    assert plan.scenarios[0].rto.minutes == 240
    assert [e.action for e in events] == ["continuity.create", "continuity.update"]
    assert "内線" not in str([e.summary for e in events])  # contacts are not audited


def test_a_plan_is_marked_reviewed_on_a_day_by_a_person(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    mine = system(loaded_db, admin)
    editor = member("editor@acme.example", Role.EDITOR)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        continuity.review_plan(session, editor, mine, 0)
    save(loaded_db, admin, mine)
    with loaded_db.transaction() as session:
        continuity.review_plan(session, editor, mine, 1)
    with loaded_db.reading() as session:
        plan = continuity.get_plan(session, admin, mine)
    assert plan.reviewed_on is not None and plan.version == 2
    assert plan.reviewed_by is not None and "editor" in plan.reviewed_by


# --- the gate --------------------------------------------------------------------------


def _answer_everything(db: Database, who: Principal, system_id: int) -> int:
    with db.transaction() as session:
        assessment = assessments.start_assessment(session, who, system_id)
        report = assessments.assessment_report(session, who, assessment.id)
        for item in report.items:
            assessments.answer_requirement(
                session, who, assessment.id, item.urn, AnswerFields(state=AnswerState.IMPLEMENTED)
            )
    return assessment.id


def test_a_high_tier_system_goes_into_operation_only_with_a_plan_and_a_recent_drill(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    mine = system(loaded_db, admin)
    executive = member("ceo@acme.example", Role.EXECUTIVE)
    _answer_everything(loaded_db, admin, mine)
    assert codes(loaded_db, admin, mine) == ["no-continuity-plan", "no-recent-drill"]
    with loaded_db.transaction() as session:
        request = gates.request_stage_change(session, admin, mine, Stage.OPERATE).id
    with (
        pytest.raises(ConflictError, match="continuity plan") as caught,
        loaded_db.transaction() as session,
    ):
        gates.decide(session, executive, request, True, "ok")
    assert caught.value.message_ja and "事業継続計画" in caught.value.message_ja
    with loaded_db.reading() as session:
        checklist = gates.gate_checklist(session, executive, mine)
    line = next(i for i in checklist.items if i.code == "continuity")
    assert line.state == "missing" and not checklist.ready
    assert line.link == f"/systems/{mine}/continuity"
    save(loaded_db, admin, mine)
    assert codes(loaded_db, admin, mine) == ["no-recent-drill"]
    drill(loaded_db, admin, mine, days_ago=400)  # older than the default 365 days
    assert codes(loaded_db, admin, mine) == ["no-recent-drill"]
    drill(loaded_db, admin, mine, days_ago=30)
    assert codes(loaded_db, admin, mine) == []
    with loaded_db.reading() as session:
        checklist = gates.gate_checklist(session, executive, mine)
    assert checklist.ready
    assert next(i for i in checklist.items if i.code == "continuity").state == "met"
    # the deployment's setting: a drill must now be within 20 days
    loaded_db.policy = Policy(drill_days=20)
    assert codes(loaded_db, admin, mine) == ["no-recent-drill"]
    loaded_db.policy = Policy(drill_days=40)
    assert codes(loaded_db, admin, mine) == []
    with loaded_db.transaction() as session:
        assert gates.decide(session, executive, request, True, "計画と訓練を確認").status == (
            "approved"
        )
    with loaded_db.reading() as session:
        assert systems.visible_system(session, admin, mine).stage == "operate"
    loaded_db.policy = Policy(drill_days=7)  # operating, the drill grows old: check says so
    assert codes(loaded_db, admin, mine) == ["no-recent-drill"]


def test_the_setting_is_bounded() -> None:
    assert Policy.from_settings(None, None, drill_days=90).drill_days == 90
    assert Policy().drill_days == 365
    for days in (0, 3651):
        with pytest.raises(ValueError, match="drill days"):
            Policy.from_settings(None, None, drill_days=days)


def test_lower_tiers_and_earlier_gates_are_not_blocked(
    loaded_db: Database, admin: Principal
) -> None:
    low = system(loaded_db, admin, "社内FAQ", domain="general", org_role="user", models=[],
                 vendors=[], data_categories=[])  # fmt: skip
    verifying = system(loaded_db, admin, "与信審査 β", stage="verify")
    with loaded_db.reading() as session:
        assert "continuity" not in str(gates.check_system(session, admin, low).missing)
        line = next(
            i for i in gates.gate_checklist(session, admin, low).items if i.code == "continuity"
        )
        assert line.state == "info"
        # moving to deployment needs no plan yet; the checklist says it will be needed
        assert not {"no-continuity-plan", "no-recent-drill"} & {
            m.code for m in gates.check_system(session, admin, verifying).missing
        }
        early = gates.gate_checklist(session, admin, verifying)
        line = next(i for i in early.items if i.code == "continuity")
        assert line.state == "info" and "運用" in line.ja
        explicit = gates.check_system(session, admin, verifying, to_stage=Stage.OPERATE)
        assert "no-continuity-plan" in {m.code for m in explicit.missing}


# --- evidence and overview -------------------------------------------------------------


def test_a_drilled_plan_is_evidence_for_2_4(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    mine = system(loaded_db, admin, org_role="provider")  # 2(4) applies to providers and users
    with loaded_db.transaction() as session:
        assessment = assessments.start_assessment(session, admin, mine).id
    other = system(loaded_db, admin, "別", org_role="provider")
    with loaded_db.transaction() as session:
        fresh = assessments.start_assessment(session, admin, other).id
    save(loaded_db, admin, mine)

    def evidence(assessment_id: int, who: Principal = admin) -> list[str]:
        with loaded_db.reading() as session:
            report = assessments.assessment_report(session, who, assessment_id)
        item = next(i for i in report.items if i.urn == GUIDELINE + "2.4")
        return [e.title_in("en") for e in item.evidence]

    assert evidence(assessment) == []  # a plan never drilled is not evidence yet
    drill(loaded_db, admin, mine)
    assert evidence(assessment) == ["Business continuity plan: 与信審査"]
    drill(loaded_db, admin, mine, days_ago=3)
    assert evidence(assessment) == ["Business continuity plan: 与信審査"]  # once
    assert evidence(fresh) == []
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, mine, "tester@lab.example")
    assert evidence(assessment, tester) == []


def test_the_overview_and_summary_put_systems_that_need_a_plan_first(
    loaded_db: Database, admin: Principal
) -> None:
    high = system(loaded_db, admin)
    system(loaded_db, admin, "あ社内FAQ", domain="general", org_role="user", models=[],
           vendors=[], data_categories=[])  # fmt: skip
    drilled = system(loaded_db, admin, "与信審査 2")
    save(loaded_db, admin, drilled)
    drill(loaded_db, admin, drilled, outcome="partial")
    with loaded_db.reading() as session:
        rows = continuity.overview(session, admin)
        summary = continuity.summary(session, admin)
    assert [r.required for r in rows] == [True, True, False]
    first = next(r for r in rows if r.system_id == high)
    assert first.missing == ["no-continuity-plan", "no-recent-drill"]
    done = next(r for r in rows if r.system_id == drilled)
    assert done.missing == [] and done.last_outcome is not None
    assert done.last_outcome.value == "partial"
    assert summary is not None and summary.required == 2
    assert [r.system_id for r in summary.without_plan] == [high]
    assert [r.system_id for r in summary.without_recent_drill] == [high]


def test_the_deployment_sets_the_drill_age_through_its_environment(
    loaded_db: Database, admin: Principal, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = system(loaded_db, admin)
    save(loaded_db, admin, mine)
    drill(loaded_db, admin, mine, days_ago=60)
    assert "no-recent-drill" not in codes(loaded_db, admin, mine)
    monkeypatch.setenv("TEKISEI_CONTINUITY_DRILL_DAYS", "30")
    strict = open_database(load_settings(database_url=settings.resolved_database_url,
                                         data_dir=settings.data_dir))  # fmt: skip
    try:
        assert strict.policy.drill_days == 30
        assert "no-recent-drill" in codes(strict, admin, mine)
    finally:
        strict.close()
    monkeypatch.setenv("TEKISEI_CONTINUITY_DRILL_DAYS", "0")
    with pytest.raises(ConfigError, match="CONTINUITY_DRILL_DAYS"):
        load_settings()
