"""The incident register (fn 16, 1(3)④), on both databases: the review an incident opens,
roles and isolation, versions and states, corrective actions through the risk register,
drafts from inquiries, runs and checks, public notices and their versions, the export,
and the evidence a closed incident becomes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tekisei.core.incidents import (
    CorrectiveAction,
    IncidentReport,
    IncidentState,
    Notification,
    PublicChoice,
    TimelineEntry,
)
from tekisei.core.inquiries import InquiryKind, InquirySubmission
from tekisei.core.notes import read_notes
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.db.incidents import IncidentNoticeVersionRow
from tekisei.db.inquiries import InquiryRow
from tekisei.db.orgs import OrgRow
from tekisei.db.reviews import ReviewRow
from tekisei.db.risks import RiskRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import (
    assessments,
    incident_actions,
    incident_drafts,
    incident_exports,
    incidents,
    orgs,
    public_incidents,
    public_inquiries,
    systems,
    users,
)
from tekisei.services.database import Database
from tekisei.services.incident_exports import IncidentExport
from tekisei.services.notes import note_text
from tekisei.services.public_incidents import IncidentWithdrawal, PublicIncident

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]
GUIDELINE = "urn:tekisei:req:jp-ai-appropriateness-2025:"


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


def system(database: Database, principal: Principal, name: str = "与信審査") -> int:
    data = {"name": name, "org_role": "provider", "purpose": "与信の判断を補助する。",
            "domain": "finance", "data_categories": ["personal"]}  # fmt: skip
    with database.transaction() as session:
        return systems.register_system(session, principal, SystemFacts.model_validate(data)).id


def report(database: Database, principal: Principal, *ids: int, **fields: Any) -> int:
    data = {"title": "誤った与信判断", "severity": "high", "systems": list(ids),
            "description": "特定の属性の申込者が一律に否決された。",
            "harms": ["discrimination", "financial"], "people_affected": 12} | fields  # fmt: skip
    with database.transaction() as session:
        return incidents.report_incident(
            session, principal, IncidentReport.model_validate(data)
        ).row.id


def version_of(database: Database, principal: Principal, incident_id: int) -> int:
    with database.reading() as session:
        return incidents.get_incident(session, principal, incident_id).version


def test_reporting_an_incident_opens_the_review_of_each_affected_system_at_once(
    loaded_db: Database, admin: Principal
) -> None:
    first, second = system(loaded_db, admin), system(loaded_db, admin, "チャットボット")
    with loaded_db.transaction() as session:
        done = incidents.report_incident(
            session, admin,
            IncidentReport(title="誤回答", systems=[second, first], severity="critical"),
        )  # fmt: skip
        opened = done.reviews
    with loaded_db.reading() as session:
        rows = list(session.scalars(select(ReviewRow).order_by(ReviewRow.system_id)))
        events = [e.action for e in session.scalars(select(AuditEventRow).order_by(AuditEventRow.id))]
    assert [r.id for r in rows] == sorted(opened) and len(rows) == 2
    assert {r.trigger for r in rows} == {"incident"} and {r.status for r in rows} == {"open"}
    note = read_notes(rows[0].auto_reasons)[0]
    assert str(done.row.id) in note_text(note, "ja") and "インシデント" in note_text(note, "ja")
    assert "incident.report" in events and events.count("review.open") == 2


def test_an_incident_on_another_organisations_system_is_refused_as_not_found(
    loaded_db: Database, admin: Principal
) -> None:
    with loaded_db.transaction() as session:
        other = orgs.cli_principal(session, "other")
    theirs = system(loaded_db, other)
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        incidents.report_incident(session, admin, IncidentReport(title="x", systems=[theirs]))
    mine = report(loaded_db, admin, system(loaded_db, admin))
    with pytest.raises(NotFoundError), loaded_db.reading() as session:
        incidents.get_incident(session, other, mine)
    with loaded_db.reading() as session:
        assert incidents.list_incidents(session, other) == []


@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [
        (Role.EDITOR, True, True),
        (Role.ASSESSOR, True, True),
        (Role.EXECUTIVE, True, False),
        (Role.AUDITOR, True, False),
        (Role.VIEWER, True, False),
        (Role.EXTERNAL_TESTER, False, False),
    ],
)
def test_each_role_reads_and_writes_the_register_as_its_permissions_say(
    loaded_db: Database, admin: Principal, member: MakeMember, role: Role, reads: bool, writes: bool
) -> None:
    system_id = system(loaded_db, admin)
    incident_id = report(loaded_db, admin, system_id)
    who = member(f"{role.value}@acme.example", role)
    if role is Role.EXTERNAL_TESTER:
        with loaded_db.transaction() as session:
            systems.assign_tester(session, admin, system_id, who.email)
    with loaded_db.reading() as session:
        if reads:
            assert incidents.get_incident(session, who, incident_id).id == incident_id
        else:
            with pytest.raises(NotFoundError):
                incidents.get_incident(session, who, incident_id)
            with pytest.raises(NotFoundError):
                incidents.list_incidents(session, who)
            assert incidents.for_system(session, who, system_id) is None
            assert incidents.stats(session, who) is None
    refusal = NotFoundError if not reads else PermissionDeniedError
    if writes:
        report(loaded_db, who, system_id)
    else:
        with pytest.raises(refusal), loaded_db.transaction() as session:
            incidents.report_incident(session, who, IncidentReport(title="x", systems=[system_id]))
    publishes = role is Role.EDITOR
    choice = PublicChoice(title="お知らせ", summary="概要")
    version = version_of(loaded_db, admin, incident_id)
    if publishes:
        with loaded_db.transaction() as session:
            public_incidents.publish_incident(session, who, incident_id, choice, version)
    else:
        with pytest.raises(refusal), loaded_db.transaction() as session:
            public_incidents.publish_incident(session, who, incident_id, choice, version)


def test_a_stale_version_is_refused_and_overwrites_nothing(
    loaded_db: Database, admin: Principal
) -> None:
    incident_id = report(loaded_db, admin, system(loaded_db, admin))
    with loaded_db.transaction() as session:
        incidents.update_incident(session, admin, incident_id, {"root_cause": "閾値の誤設定"}, 1)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        incidents.update_incident(session, admin, incident_id, {"root_cause": "上書き"}, 1)
    with loaded_db.reading() as session:
        assert incidents.get_incident(session, admin, incident_id).root_cause == "閾値の誤設定"


def test_closing_asks_for_lessons_and_a_closed_incident_no_longer_changes(
    loaded_db: Database, admin: Principal
) -> None:
    incident_id = report(loaded_db, admin, system(loaded_db, admin))
    with loaded_db.transaction() as session:
        incidents.move(session, admin, incident_id, IncidentState.CONTAINED, 1)
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        incidents.move(session, admin, incident_id, IncidentState.CLOSED, 2, "  ")
    with loaded_db.transaction() as session:
        row = incidents.move(session, admin, incident_id, IncidentState.CLOSED, 2, "閾値を見直す")
        assert row.closed_at is not None and row.lessons == "閾値を見直す"
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        incidents.move(session, admin, incident_id, IncidentState.OPEN, 3)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        incidents.update_incident(session, admin, incident_id, {"title": "変更"}, 3)
    with loaded_db.transaction() as session:  # telling people afterwards is still recorded
        told = Notification(party="authority", name="個人情報保護委員会", at=datetime.now(UTC))
        incidents.add_notification(session, admin, incident_id, told, 3)


def test_the_timeline_is_kept_in_time_order_whatever_order_it_was_written_in(
    loaded_db: Database, admin: Principal
) -> None:
    incident_id = report(loaded_db, admin, system(loaded_db, admin))
    now = datetime.now(UTC)
    with loaded_db.transaction() as session:
        incidents.add_timeline(session, admin, incident_id, TimelineEntry(at=now, text="停止"), 1)
        earlier = TimelineEntry(at=now - timedelta(hours=2), text="検知")
        incidents.add_timeline(session, admin, incident_id, earlier, 2)
    with loaded_db.reading() as session:
        row = incidents.get_incident(session, admin, incident_id)
        assert [e["text"] for e in row.timeline] == ["検知", "停止"]


def test_detection_before_occurrence_and_over_long_text_are_refused_before_anything_is_stored(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    now = datetime.now(UTC)
    with pytest.raises(ValidationError):
        IncidentReport(title="x", systems=[system_id], occurred_at=now,
                       detected_at=now - timedelta(days=1))  # fmt: skip
    with pytest.raises(ValidationError):
        IncidentReport(title="x" * 201, systems=[system_id])
    with pytest.raises(ValidationError):
        IncidentReport(title="x", systems=list(range(1, 30)))
    with pytest.raises(ValidationError):
        IncidentReport(title="x", systems=[])
    with pytest.raises(ValidationError):
        CorrectiveAction(text="x", system_id=system_id)  # neither a new risk nor an update


def test_a_corrective_action_adds_a_risk_to_the_affected_systems_register_through_the_risk_service(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    incident_id = report(loaded_db, admin, system_id)
    action = CorrectiveAction.model_validate(
        {"text": "属性を入力から除く", "system_id": system_id,
         "new_risk": {"title": "属性による偏り", "taxonomy": ["social.bias"],
                      "likelihood": 4, "impact": 5}}
    )  # fmt: skip
    with loaded_db.transaction() as session:
        row = incident_actions.add_action(session, admin, incident_id, action, 1)
        risk_id = row.actions[0]["risk_id"]
    with loaded_db.reading() as session:
        risk = session.get(RiskRow, risk_id)
        events = [e.action for e in session.scalars(select(AuditEventRow).order_by(AuditEventRow.id))]
    assert risk is not None and risk.system_id == system_id and risk.treatment == "mitigate"
    assert f"[incident {incident_id}] 属性を入力から除く" in risk.treatment_plan
    assert "risk.create" in events and "incident.action" in events
    update = CorrectiveAction.model_validate(
        {"text": "監視を強化", "system_id": system_id,
         "update": {"risk_id": risk_id, "version": 1, "likelihood": 2}}
    )  # fmt: skip
    with loaded_db.transaction() as session:
        incident_actions.add_action(session, admin, incident_id, update, 2)
    with loaded_db.reading() as session:
        risk = session.get(RiskRow, risk_id)
        assert risk is not None and risk.likelihood == 2 and "監視を強化" in risk.treatment_plan


def test_a_corrective_action_cannot_touch_a_risk_of_another_system_or_organisation(
    loaded_db: Database, admin: Principal
) -> None:
    with loaded_db.transaction() as session:
        other = orgs.cli_principal(session, "other")
    affected, unaffected = system(loaded_db, admin), system(loaded_db, admin, "別システム")
    incident_id = report(loaded_db, admin, affected)
    new = {"title": "r", "taxonomy": ["social.bias"], "likelihood": 1, "impact": 1}
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        incident_actions.add_action(
            session, admin, incident_id,
            CorrectiveAction.model_validate(
                {"text": "x", "system_id": unaffected, "new_risk": new}
            ), 1,
        )  # fmt: skip
    theirs = system(loaded_db, other)
    their_incident = report(loaded_db, other, theirs)
    with loaded_db.transaction() as session:
        row = incident_actions.add_action(
            session, other, their_incident,
            CorrectiveAction.model_validate({"text": "x", "system_id": theirs, "new_risk": new}),
            1,
        )  # fmt: skip
        their_risk = row.actions[0]["risk_id"]
    stolen = {"text": "x", "system_id": affected, "update": {"risk_id": their_risk, "version": 1}}
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        incident_actions.add_action(
            session, admin, incident_id, CorrectiveAction.model_validate(stolen), 1
        )


def test_a_report_from_an_inquiry_links_back_to_it_and_another_organisations_inquiry_is_not_found(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        org = session.scalars(select(OrgRow).where(OrgRow.slug == "acme")).one()
        to = public_inquiries.Receiver(
            org_id=org.id, org_slug="acme", organisation="Acme", system_id=system_id,
            system="与信審査", notice_public_id=None,
        )  # fmt: skip
        sent = public_inquiries.submit(
            session, to,
            InquirySubmission(kind=InquiryKind.COMPLAINT, subject="不当に否決された",
                              message="理由を教えてください。"),
        )  # fmt: skip
        inquiry_id = session.scalars(
            select(InquiryRow.id).where(InquiryRow.tracking == sent.tracking)
        ).one()
        other = orgs.cli_principal(session, "other")
    with loaded_db.reading() as session:
        draft = incident_drafts.from_inquiry(session, admin, inquiry_id, "ja")
        with pytest.raises(NotFoundError):
            incident_drafts.from_inquiry(session, other, inquiry_id)
    assert draft.title == "不当に否決された" and draft.systems == [system_id]
    assert draft.source_ref == str(inquiry_id)
    with loaded_db.transaction() as session:
        report_ = incident_drafts.as_report(draft)
        incidents.report_incident(session, admin, report_)
    with loaded_db.reading() as session:
        linked = incidents.list_incidents(
            session, admin, source=report_.source, source_ref=str(inquiry_id)
        )
        assert len(linked) == 1
    theirs = system(loaded_db, other)
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        incidents.report_incident(
            session, other,
            IncidentReport(title="x", systems=[theirs], source="inquiry",
                           source_ref=str(inquiry_id)),
        )  # fmt: skip


def test_public_notices_are_versions_that_never_change_and_a_withdrawn_one_says_when_and_why(
    loaded_db: Database, admin: Principal
) -> None:
    incident_id = report(
        loaded_db, admin, system(loaded_db, admin),
        root_cause="<script>alert(1)</script> 内部の原因", affected_parties="申込者（山田様ほか）",
    )  # fmt: skip
    choice = PublicChoice(title="与信審査の不具合", summary="一部の審査結果に誤りがありました。")
    with loaded_db.transaction() as session:
        public_id = incidents.get_incident(session, admin, incident_id).public_id
        with pytest.raises(NotFoundError):
            public_incidents.read_public(session, public_id)  # not published yet
        first = public_incidents.publish_incident(session, admin, incident_id, choice, 1)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        public_incidents.publish_incident(session, admin, incident_id, choice, 2)  # unchanged
    fuller = choice.model_copy(update={"show_root_cause": True, "show_affected": False})
    with loaded_db.transaction() as session:
        public_incidents.publish_incident(session, admin, incident_id, fuller, 2)
    with loaded_db.reading() as session:
        latest = public_incidents.read_public(session, public_id)
        earlier = public_incidents.read_public(session, public_id, 1)
    assert isinstance(latest, PublicIncident) and isinstance(earlier, PublicIncident)
    assert latest.number == 2 and [v.number for v in latest.versions] == [2, 1]
    assert earlier.content.root_cause is None and earlier.content.affected_parties is not None
    assert latest.content.root_cause is not None and latest.content.affected_parties is None
    with loaded_db.transaction() as session:
        kept = session.get(IncidentNoticeVersionRow, first.id)
        assert kept is not None
        kept.content = {"title": "改ざん"}
        with pytest.raises(RuntimeError):
            session.flush()
        session.rollback()
    with loaded_db.transaction() as session:
        public_incidents.unpublish_incident(session, admin, incident_id, "内容を精査中のため")
    with loaded_db.reading() as session:
        gone = public_incidents.read_public(session, public_id)
    assert isinstance(gone, IncidentWithdrawal) and gone.reason == "内容を精査中のため"


def test_the_export_has_the_fields_incident_databases_share_and_the_public_one_what_was_published(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    kept_inside = report(loaded_db, admin, system_id, title="内部のみ")
    published = report(loaded_db, admin, system_id, title="公開するもの")
    with loaded_db.transaction() as session:
        public_incidents.publish_incident(
            session, admin, published,
            PublicChoice(title="公開タイトル", summary="公開概要", show_harms=False), 1,
        )  # fmt: skip
        whole = incident_exports.export(session, admin)
        public = incident_exports.export(session, admin, public=True)
    assert IncidentExport.model_validate_json(whole.model_dump_json()) == whole
    assert whole.version == 1 and whole.format == "tekisei-incidents"
    assert [i.title for i in whole.incidents] == ["内部のみ", "公開するもの"]
    first = whole.incidents[0]
    assert first.incident_id == f"tekisei:acme:incident:{kept_inside}"
    assert first.deployer == ["Acme"] and first.harms and first.systems[0].id == system_id
    assert [(i.title, i.description, i.harms) for i in public.incidents] == [
        ("公開タイトル", "公開概要", [])
    ]
    assert public.incidents[0].url and public.incidents[0].url.startswith("/public/incidents/")


def test_a_closed_incident_with_lessons_is_evidence_for_agile_response_and_fn16(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    incident_id = report(loaded_db, admin, system_id)
    with loaded_db.transaction() as session:
        incidents.move(session, admin, incident_id, IncidentState.CLOSED, 1, "閾値を毎月見直す")
        started = assessments.start_assessment(session, admin, system_id)
    with loaded_db.reading() as session:
        report_ = assessments.assessment_report(session, admin, started.id)
    items = {i.urn.removeprefix(GUIDELINE): i for i in report_.items}
    assert items["1.3.4"].evidence and items["1.3.4"].state.value == "partial"


def test_the_dashboard_counts_open_incidents_by_severity(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    report(loaded_db, admin, system_id, severity="critical")
    report(loaded_db, admin, system_id, severity="critical")
    closed = report(loaded_db, admin, system_id, severity="low")
    with loaded_db.transaction() as session:
        incidents.move(session, admin, closed, IncidentState.CLOSED, 1, "教訓")
        found = incidents.stats(session, admin)
    assert found is not None
    assert found.open_by_severity["critical"] == 2 and found.open_by_severity["low"] == 0
    assert (found.open, found.closed) == (2, 1)
