"""HAIP reports (fn 16), on both databases: each section's facts from a seeded workspace,
their coverage of the Code of Conduct, the approval rules of every role, the facts frozen
for the approval, versions and tombstones, isolation between organisations, and what
hostile text does (nothing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.catalog import urn
from tekisei.core.haip_facts import FactBlock, FactKey, HaipFacts
from tekisei.core.haip_reports import HaipReportFields, SectionText
from tekisei.core.notes import AutoNote, NoteKey, read_note
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.policies import Audience, PolicyKind, PolicyTerms, PolicyText
from tekisei.core.records import DatasetFields, ModelFields
from tekisei.core.risks import RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.db.assessments import AnswerRow
from tekisei.db.audit import AuditEventRow
from tekisei.db.haip_reports import HaipReportVersionRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.evals import NetworkPolicy
from tekisei.services import (
    assessments,
    eval_execution,
    haip_approvals,
    haip_facts,
    haip_reports,
    haip_views,
    notices,
    orgs,
    policies,
    policy_approvals,
    provenance_checks,
    records,
    risks,
    systems,
    users,
)
from tekisei.services.database import Database
from tekisei.services.evals import RunRequest
from tekisei.services.public_haip_reports import Published, Withdrawal, read_report

PASSWORD = "correct horse battery"
GUIDELINE = "jp-ai-appropriateness-2025"
RISK_TITLE = "応募者の性別による偏り"
TREATED_TITLE = "個人情報の漏えい"
RUN = "haip-basics-1"


@dataclass
class Workspace:
    """Acme with two systems, risks, a run, records, a notice, provenance and an
    assessment; and its members by role."""

    db: Database
    admin: Principal
    people: dict[Role, Principal]
    screening: int
    chatbot: int
    files: dict[str, object]

    def period(self) -> HaipReportFields:
        today = datetime.now(UTC).date()
        return HaipReportFields(
            title="2026年度 HAIP報告",
            period_start=today - timedelta(days=60),
            period_end=today + timedelta(days=1),
        )


def _member(db: Database, email: str, role: Role, org: str = "acme") -> Principal:
    with db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email=email, name=email.split("@")[0], password=PASSWORD),
            org,
            role,
            actor="cli",
            must_change_password=False,
        )
        return users.principal_for(session, email, org)


@pytest.fixture
def bare(loaded_db: Database, tmp_path: Path) -> Workspace:
    """Acme and Other, their members, and Acme's two systems with nothing recorded."""
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session,
                OrgCreate(
                    name=f"{slug.title()} 株式会社",
                    slug=slug,
                    actors=[OrgActor.BUSINESS],
                    responsible_person="佐藤 一郎",
                    responsible_title="AI統括責任者",
                ),
                "cli",
            )
        admin = orgs.cli_principal(session, "acme")
    people = {
        role: _member(loaded_db, f"{role.value}@acme.example", role)
        for role in Role
        if role is not Role.ADMIN
    }
    people[Role.ADMIN] = _member(loaded_db, "admin@acme.example", Role.ADMIN)
    with loaded_db.transaction() as session:
        screening = systems.register_system(
            session,
            admin,
            SystemFacts(
                name="採用書類スクリーニング", org_role="developer", domain="employment",
                stage="operate", contact_window="hr@acme.example",
            ),
        ).id  # fmt: skip
        chatbot = systems.register_system(
            session,
            admin,
            SystemFacts(
                name="問い合わせ応答AI", org_role="provider", purpose="質問に答える。",
                deployment="public", contact_window="support@acme.example",
            ),
        ).id  # fmt: skip
    return Workspace(
        loaded_db,
        admin,
        people,
        screening,
        chatbot,
        {"files_dir": tmp_path / "files", "max_bytes": 4 * 1024 * 1024},
    )


@pytest.fixture
def seeded(bare: Workspace, demo_url: str, tmp_path: Path) -> Workspace:
    """``bare`` with a record of every kind the report draws from."""
    db, admin = bare.db, bare.admin
    executive = bare.people[Role.EXECUTIVE]
    with db.transaction() as session:
        risks.add_risk(
            session,
            admin,
            bare.screening,
            RiskFields(title=RISK_TITLE, taxonomy=["social.bias"], likelihood=4, impact=5),
        )
        treated = risks.add_risk(
            session,
            admin,
            bare.chatbot,
            RiskFields(
                title=TREATED_TITLE, taxonomy=["social.privacy"], likelihood=3, impact=4,
                treatment="mitigate", treatment_plan="出力の検査", residual_likelihood=1,
                residual_impact=3,
            ),
        )  # fmt: skip
        risks.accept_risk(session, executive, treated.id, "残るリスクは小さい", treated.version)
        records.add_dataset(
            session,
            admin,
            bare.chatbot,
            DatasetFields(name="問い合わせ履歴", personal_data=["personal"], opt_out="honoured"),
        )
        records.add_model(
            session,
            admin,
            bare.chatbot,
            ModelFields(
                name="応答モデル", provider="Acme Lab", model_card_url="https://lab.example/card"
            ),
        )
        notices.draft_notice(session, admin, bare.chatbot)
        provenance_checks.set_mechanisms(session, admin, bare.chatbot, text_key_id=None, c2pa=True)
        assessments.start_assessment(session, admin, bare.screening)
    with db.transaction() as session:
        version = notices.get_notice(session, admin, bare.chatbot).version
        notices.publish_notice(session, admin, bare.chatbot, version, **bare.files)  # type: ignore[arg-type]
    eval_execution.run_on_system(
        db,
        admin,
        tmp_path,
        bare.screening,
        RunRequest(
            suite="tekisei-basics",
            target=f"openai:tekisei-demo-1@{demo_url}",
            run_id=RUN,
            network=NetworkPolicy.local(),
        ),
    )
    return bare


def _create(ws: Workspace, who: Principal | None = None, **sections: SectionText) -> int:
    with ws.db.transaction() as session:
        return haip_reports.create_report(
            session,
            who or ws.admin,
            ws.period(),
            sections or None,  # type: ignore[arg-type]
        ).id


def _view(ws: Workspace, report_id: int, who: Principal | None = None) -> haip_views.HaipReportView:
    with ws.db.reading() as session:
        reader = who or ws.admin
        return haip_views.view(session, reader, haip_reports.get_report(session, reader, report_id))


def _blocks(view: haip_views.HaipReportView) -> dict[str, FactBlock]:
    return {b.source: b for s in view.document.sections for b in s.blocks}


def _coverage(view: haip_views.HaipReportView) -> dict[tuple[str, str], str]:
    return {
        (s.section, a.action): a.status
        for s in view.document.sections
        if s.coverage
        for a in s.coverage.actions
    }


def _keys(block: FactBlock) -> list[str]:
    return [note.key for note in block.lines]


def _approve(ws: Workspace, report_id: int) -> int:
    """Request approval as the admin and approve as the executive; the draft version."""
    with ws.db.transaction() as session:
        version = haip_reports.get_report(session, ws.admin, report_id).version
        haip_approvals.request_approval(session, ws.admin, report_id, version)
    with ws.db.transaction() as session:
        haip_approvals.decide_approval(
            session,
            ws.people[Role.EXECUTIVE],
            report_id,
            approve=True,
            reason="内容を確認しました",
            version=version,
        )
    return version


def _publish(ws: Workspace, report_id: int) -> HaipReportVersionRow:
    with ws.db.transaction() as session:
        version = haip_reports.get_report(session, ws.admin, report_id).version
        return haip_reports.publish_report(session, ws.admin, report_id, version, **ws.files)  # type: ignore[arg-type]


NARRATIVE = {
    "1": SectionText(ja="リスクは台帳で管理しています。", en="Risks live in the register.")
}


# ----------------------------------------------------------------------------- facts


def test_each_section_shows_the_facts_of_the_workspace_and_what_they_cover(
    seeded: Workspace,
) -> None:
    view = _view(seeded, _create(seeded, **NARRATIVE))
    sections = {s.section: [b.source for b in s.blocks] for s in view.document.sections}
    assert sections == {
        "1": ["risks", "evals"],
        "2": ["treatment", "security", "datasets"],
        "3": ["notices", "models"],
        "4": ["assessments", "governance", "policies", "incidents"],
        "5": ["provenance"],
        "6": [],
        "7": [],
    }
    blocks = _blocks(view)
    risk_lines = blocks["risks"].lines
    assert risk_lines[0].params == {"risks": 2, "systems": 2, "all_systems": 2, "categories": 1}
    assert risk_lines[1].params == {"critical": 1, "high": 1, "medium": 0, "low": 0}
    assert blocks["risks"].table is not None
    assert {row[1] for row in blocks["risks"].table.rows} == {RISK_TITLE, TREATED_TITLE}
    evals = blocks["evals"]
    assert evals.table is not None and [row[0] for row in evals.table.rows] == [RUN]
    assert evals.lines[0].params["runs"] == 1 and evals.lines[0].params["cases"] == 43
    assert evals.covers == ["1", "2"]  # the screening system is in operation
    assert FactKey.FINDINGS.value in _keys(evals)
    treatment = blocks["treatment"]
    assert treatment.lines[1] == AutoNote(key=FactKey.ACCEPTED.value, params={"accepted": 1})
    assert treatment.table is not None
    accepted = next(r for r in treatment.table.rows if r[1] == TREATED_TITLE)
    assert accepted[2:5] == ["mitigate", "low", "accepted"] and accepted[5] is not None
    security = blocks["security"]
    assert security.table is not None and {r[0] for r in security.table.rows} == {"P5", "P6", "P8"}
    assert sorted(security.covers) == ["11", "6"]
    assert blocks["datasets"].lines[0].params["personal"] == 1
    assert blocks["notices"].table is not None
    assert blocks["notices"].table.rows[0][3].startswith("/notices/")
    assert blocks["models"].covers == ["3"]
    assert blocks["assessments"].table is not None
    assert blocks["assessments"].table.rows[0][0] == "採用書類スクリーニング"
    assert blocks["governance"].lines[0].params == {"person": "AI統括責任者 佐藤 一郎"}
    assert blocks["governance"].lines[1].params == {"accepted": 1, "stages": 0, "notices": 0}
    assert blocks["provenance"].covers == ["7"]
    assert _coverage(view) == {
        ("1", "1"): "evidenced", ("1", "2"): "evidenced",
        ("2", "1"): "evidenced", ("2", "2"): "evidenced", ("2", "6"): "evidenced",
        ("2", "11"): "evidenced", ("3", "3"): "evidenced", ("4", "4"): "missing",
        ("4", "5"): "missing", ("5", "7"): "evidenced", ("6", "8"): "missing",
        ("7", "9"): "missing", ("7", "10"): "missing",
    }  # fmt: skip


def test_an_empty_workspace_says_what_is_missing_and_makes_nothing_up(bare: Workspace) -> None:
    view = _view(bare, _create(bare))
    blocks = _blocks(view)
    assert _keys(blocks["risks"]) == [FactKey.NO_RISKS.value]
    assert _keys(blocks["evals"]) == [FactKey.NO_RUNS.value]
    assert _keys(blocks["provenance"]) == [FactKey.NO_PROVENANCE.value]
    assert all(b.table is None and b.covers == [] for b in blocks.values())
    assert set(_coverage(view).values()) == {"missing"}


def test_an_action_only_answered_in_an_assessment_is_shown_as_answered(bare: Workspace) -> None:
    with bare.db.transaction() as session:
        row = assessments.start_assessment(session, bare.admin, bare.screening)
        assessments.answer_requirement(
            session,
            bare.admin,
            row.id,
            f"{GUIDELINE}:2(1)",
            AnswerFields(state=AnswerState.IMPLEMENTED, notes="AI方針を定めている"),
        )
    view = _view(bare, _create(bare))
    section = next(s for s in view.document.sections if s.section == "4")
    assert section.coverage is not None
    five = next(a for a in section.coverage.actions if a.action == "5")
    assert five.status == "answered" and five.answered.systems == 1
    assert "2(1)" in five.answered.items and five.sources == []


def test_runs_outside_the_period_are_left_out(seeded: Workspace) -> None:
    fields = HaipReportFields(
        title="2020年度", period_start=date(2020, 1, 1), period_end=date(2020, 12, 31)
    )
    with seeded.db.transaction() as session:
        report_id = haip_reports.create_report(session, seeded.admin, fields).id
    blocks = _blocks(_view(seeded, report_id))
    assert _keys(blocks["evals"]) == [FactKey.NO_RUNS.value]
    assert _keys(blocks["security"]) == [FactKey.NO_SECURITY.value]
    assert _keys(blocks["risks"]) == [FactKey.NO_RISKS.value]  # recorded after 2020


def test_a_plugged_in_source_shows_in_its_section_and_covers_its_action(bare: Workspace) -> None:
    def plugged(context: haip_facts.FactContext) -> FactBlock:
        assert context.start < context.end
        return FactBlock(source="plugged", lines=[], covers=["4"])

    haip_facts.register_fact_source("4", plugged)
    haip_facts.register_fact_source("4", plugged)  # registering again adds nothing
    try:
        view = _view(bare, _create(bare))
    finally:
        haip_facts.unregister_fact_source("4", plugged)
    four = next(s for s in view.document.sections if s.section == "4")
    sources = [b.source for b in four.blocks]  # built-in sources load on first use
    assert sorted(sources) == ["assessments", "governance", "incidents", "plugged", "policies"]
    assert _coverage(view)[("4", "4")] == "evidenced"
    with pytest.raises(ValueError, match="sections 1 to 7"):
        haip_facts.register_fact_source("8", plugged)  # type: ignore[arg-type]


def test_section_4_counts_the_incidents_of_the_period_and_names_only_public_notices(
    bare: Workspace,
) -> None:
    from tekisei.core.incidents import IncidentReport, IncidentState, PublicChoice
    from tekisei.services import incidents, public_incidents

    secret = "社外秘の原因メモ"
    with bare.db.transaction() as session:
        first = incidents.report_incident(
            session, bare.admin,
            IncidentReport(title=secret, systems=[bare.screening], severity="critical"),
        ).row  # fmt: skip
        incidents.report_incident(
            session, bare.admin, IncidentReport(title=secret, systems=[bare.screening])
        )
        public_incidents.publish_incident(
            session, bare.admin, first.id,
            PublicChoice(title="回答の誤り", summary="誤った回答を表示しました。"), first.version,
        )  # fmt: skip
        closed = incidents.get_incident(session, bare.admin, first.id)
        incidents.move(
            session, bare.admin, first.id, IncidentState.CLOSED, closed.version, lessons="確認手順"
        )
        public_id = closed.public_id
    block = _blocks(_view(bare, _create(bare)))["incidents"]
    assert block.lines[0].params == {"incidents": 2, "closed": 1, "open": 1, "published": 1}
    assert block.lines[1].params == {"critical": 1, "high": 0, "medium": 1, "low": 0}
    assert block.table is not None and len(block.table.rows) == 1
    assert block.table.rows[0][1:] == ["critical", "closed", f"/public/incidents/{public_id}"]
    assert secret not in block.model_dump_json()
    assert block.covers == ["4"]


# ----------------------------------------------------------------------------- roles


def test_only_writers_write_only_executives_approve_and_testers_see_no_report(
    bare: Workspace,
) -> None:
    report_id = _create(bare, **NARRATIVE)
    for role in (Role.ASSESSOR, Role.EXECUTIVE, Role.AUDITOR, Role.VIEWER):
        reader = bare.people[role]
        assert _view(bare, report_id, reader).title == "2026年度 HAIP報告"
        with bare.db.transaction() as session, pytest.raises(PermissionDeniedError):
            haip_reports.save_report(session, reader, report_id, 1, sections=NARRATIVE)
        with bare.db.transaction() as session, pytest.raises(PermissionDeniedError):
            haip_reports.create_report(session, reader, bare.period())
        with bare.db.transaction() as session, pytest.raises(PermissionDeniedError):
            haip_approvals.request_approval(session, reader, report_id, 1)
    tester = bare.people[Role.EXTERNAL_TESTER]
    with bare.db.reading() as session:
        with pytest.raises(NotFoundError):
            haip_reports.get_report(session, tester, report_id)
        with pytest.raises(PermissionDeniedError):
            haip_views.list_reports(session, tester)
        assert haip_views.awaiting_approval(session, tester) == []
    editor = bare.people[Role.EDITOR]
    with bare.db.transaction() as session:
        haip_reports.save_report(
            session, editor, report_id, 1, sections={"2": SectionText(ja="対策")}
        )
        haip_approvals.request_approval(session, editor, report_id, 2)
    for role in (Role.ADMIN, Role.EDITOR, Role.ASSESSOR, Role.VIEWER):
        with bare.db.transaction() as session, pytest.raises(PermissionDeniedError):
            haip_approvals.decide_approval(
                session, bare.people[role], report_id, approve=True, reason="x", version=2
            )
    with bare.db.reading() as session:
        waiting = haip_views.awaiting_approval(session, bare.people[Role.EXECUTIVE])
    assert [r.id for r in waiting] == [report_id]
    with bare.db.transaction() as session:
        haip_approvals.decide_approval(
            session,
            bare.people[Role.EXECUTIVE],
            report_id,
            approve=True,
            reason="確認しました",
            version=2,
        )
    view = _view(bare, report_id)
    assert view.approved_for_publishing and view.approval is not None
    assert view.approval.decided_by == "executive@acme.example"  # the admin reads emails
    assert _view(bare, report_id, bare.people[Role.VIEWER]).approval.decided_by == "executive"  # type: ignore[union-attr]


def test_nothing_is_approved_or_published_out_of_turn(bare: Workspace) -> None:
    executive = bare.people[Role.EXECUTIVE]
    empty = _create(bare)
    with bare.db.transaction() as session, pytest.raises(InvalidInputError, match="narrative"):
        haip_approvals.request_approval(session, bare.admin, empty, 1)
    report_id = _create(bare, **NARRATIVE)
    with bare.db.transaction() as session, pytest.raises(ConflictError, match="requests one"):
        haip_approvals.decide_approval(
            session, executive, report_id, approve=True, reason="x", version=1
        )
    with bare.db.transaction() as session, pytest.raises(ConflictError, match="executive"):
        haip_reports.publish_report(session, bare.admin, report_id, 1, **bare.files)  # type: ignore[arg-type]
    with bare.db.transaction() as session:
        haip_approvals.request_approval(session, bare.admin, report_id, 1, "ご確認ください")
    with bare.db.transaction() as session, pytest.raises(ConflictError, match="already"):
        haip_approvals.request_approval(session, bare.admin, report_id, 1)
    with bare.db.transaction() as session, pytest.raises(InvalidInputError, match="reason"):
        haip_approvals.decide_approval(
            session, executive, report_id, approve=True, reason="  ", version=1
        )
    with bare.db.transaction() as session:
        haip_approvals.decide_approval(
            session, executive, report_id, approve=False, reason="第4節が未記入", version=1
        )
    with bare.db.transaction() as session, pytest.raises(ConflictError, match="executive"):
        haip_reports.publish_report(session, bare.admin, report_id, 1, **bare.files)  # type: ignore[arg-type]
    with bare.db.transaction() as session:
        haip_approvals.request_approval(session, bare.admin, report_id, 1)
        haip_reports.save_report(session, bare.admin, report_id, 1, sections=NARRATIVE | {
            "4": SectionText(ja="取締役会が監督しています。")
        })  # fmt: skip
    with bare.db.transaction() as session, pytest.raises(ConflictError, match="changed after"):
        haip_approvals.decide_approval(
            session, executive, report_id, approve=True, reason="x", version=2
        )
    _approve(bare, report_id)
    with bare.db.transaction() as session:
        haip_reports.save_report(
            session,
            bare.admin,
            report_id,
            2,
            fields=bare.period().model_copy(update={"title": "改題した報告"}),
        )  # fmt: skip  (an edit after the approval withdraws it)
    assert not _view(bare, report_id).approved_for_publishing
    with bare.db.transaction() as session, pytest.raises(ConflictError, match="executive"):
        haip_reports.publish_report(session, bare.admin, report_id, 3, **bare.files)  # type: ignore[arg-type]


def test_approval_and_publication_never_mark_an_answer_implemented(bare: Workspace) -> None:
    with bare.db.transaction() as session:
        row = assessments.start_assessment(session, bare.admin, bare.screening)
        assessments.answer_requirement(
            session,
            bare.admin,
            row.id,
            f"{GUIDELINE}:2(1)",
            AnswerFields(state=AnswerState.NOT_IMPLEMENTED, notes="方針はまだない"),
        )
        assessment_id = row.id

    def answers() -> dict[str, tuple[str, str | None]]:
        with bare.db.reading() as session:
            rows = session.scalars(
                select(AnswerRow).where(AnswerRow.assessment_id == assessment_id)
            )
            return {
                r.node_urn: (r.state, (read_note(r.auto_note) or AutoNote(key="")).key)
                for r in rows
            }

    report_id = _create(bare, **NARRATIVE)
    before = answers()
    _approve(bare, report_id)
    assert answers() == before
    published = _publish(bare, report_id)
    after = answers()
    assert after[urn(GUIDELINE, "2.1")] == ("not_implemented", "")  # a person's answer stays
    assert after[urn(GUIDELINE, "fn16")] == ("partial", NoteKey.HAIP_REPORT_ATTACHED.value)
    assert "implemented" not in {state for state, _ in after.values()}
    with bare.db.reading() as session:
        view = assessments.assessment_report(session, bare.admin, assessment_id)
    fn16 = next(i for i in view.items if i.urn == urn(GUIDELINE, "fn16"))
    assert [e.id for e in fn16.evidence] == [published.evidence_id]
    # an assessment started later gets the published report from the start
    with bare.db.transaction() as session:
        later = assessments.start_assessment(session, bare.admin, bare.chatbot)
        later_answers = {
            a.node_urn: a.state
            for a in session.scalars(select(AnswerRow).where(AnswerRow.assessment_id == later.id))
        }
    assert later_answers[urn(GUIDELINE, "2.1")] == "partial"  # what applies to that system
    assert set(later_answers.values()) == {"partial"}
    # the report's own evidence is not counted as an answer for the Code of Conduct
    coverage = _coverage(_view(bare, _create(bare)))
    assert coverage[("4", "5")] == "missing"


# ----------------------------------------------------------------------------- facts frozen


def test_the_facts_are_frozen_when_approval_is_requested_and_published_so(
    seeded: Workspace,
) -> None:
    report_id = _create(seeded, **NARRATIVE)
    _approve(seeded, report_id)
    with seeded.db.transaction() as session:
        risks.add_risk(
            session,
            seeded.admin,
            seeded.chatbot,
            RiskFields(title="承認後に見つかったリスク", taxonomy=["technical.hallucination"],
                       likelihood=2, impact=2),
        )  # fmt: skip
    view = _view(seeded, report_id)
    assert view.document.facts_taken_at is not None
    assert _blocks(view)["risks"].lines[0].params["risks"] == 2  # as approved
    published = _publish(seeded, report_id)
    facts = HaipFacts.model_validate(published.facts)
    assert facts.blocks("1")[0].lines[0].params["risks"] == 2
    with seeded.db.transaction() as session:
        haip_reports.save_report(
            session, seeded.admin, report_id, 1, sections={"6": SectionText(en="Grants")}
        )
    live = _view(seeded, report_id)
    assert live.document.facts_taken_at is None
    assert _blocks(live)["risks"].lines[0].params["risks"] == 3  # an edit: as they are now


def test_published_versions_are_kept_and_a_taken_down_report_leaves_a_tombstone(
    bare: Workspace,
) -> None:
    report_id = _create(bare, **NARRATIVE)
    _approve(bare, report_id)
    first = _publish(bare, report_id)
    with bare.db.transaction() as session, pytest.raises(ConflictError, match="nothing changed"):
        haip_reports.publish_report(session, bare.admin, report_id, 1, **bare.files)  # type: ignore[arg-type]
    with bare.db.transaction() as session:
        haip_reports.save_report(
            session, bare.admin, report_id, 1, sections={"1": SectionText(ja="第2版の本文")}
        )
    _approve(bare, report_id)
    _publish(bare, report_id)
    with bare.db.reading() as session:
        public_id = haip_reports.get_report(session, bare.admin, report_id).public_id
        one = read_report(session, public_id, 1)
        latest = read_report(session, public_id)
        summary = haip_reports.latest_published(session, bare.admin.org_id)
    assert isinstance(one, Published) and isinstance(latest, Published)
    assert one.public.report.sections[0].narrative.ja == "リスクは台帳で管理しています。"
    assert latest.public.report.sections[0].narrative.ja == "第2版の本文"
    assert [v.number for v in latest.public.versions] == [2, 1]
    assert summary is not None and summary.number == 2
    assert summary.public_path == f"/public/reports/{public_id}"
    with bare.db.transaction() as session:
        stored = session.get(HaipReportVersionRow, first.id)
        assert stored is not None
        stored.content = {"sections": {}}
        with pytest.raises(RuntimeError, match="never changed"):
            session.flush()
        session.rollback()
    with bare.db.transaction() as session, pytest.raises(InvalidInputError, match="why"):
        haip_reports.unpublish_report(session, bare.admin, report_id, " ")
    with bare.db.transaction() as session:
        haip_reports.unpublish_report(session, bare.admin, report_id, "誤りがあったため")
    with bare.db.reading() as session:
        gone = read_report(session, public_id)
        assert haip_reports.latest_published(session, bare.admin.org_id) is None
        actions = list(
            session.scalars(
                select(AuditEventRow.action).where(AuditEventRow.object_type == "haip_report")
            )
        )
    assert isinstance(gone, Withdrawal) and gone.reason == "誤りがあったため"
    assert actions.count("haip_report.publish") == 2 and "haip_report.unpublish" in actions
    with bare.db.transaction() as session, pytest.raises(ConflictError, match="not published"):
        haip_reports.unpublish_report(session, bare.admin, report_id, "again")
    republished = _publish(bare, report_id)  # the same text may come back after a take-down
    assert republished.number == 3


def test_the_public_sees_fact_tables_only_when_the_organisation_chose_to(
    seeded: Workspace,
) -> None:
    report_id = _create(seeded, **NARRATIVE)
    _approve(seeded, report_id)
    _publish(seeded, report_id)
    with seeded.db.reading() as session:
        public_id = haip_reports.get_report(session, seeded.admin, report_id).public_id
        found = read_report(session, public_id)
    assert isinstance(found, Published)
    text = found.public.model_dump_json()
    assert RISK_TITLE not in text and RUN not in text and "coverage" not in text
    assert all(b.table is None for s in found.document.sections for b in s.blocks)
    assert found.document.sections[0].blocks[0].lines  # the summary lines are there
    with seeded.db.transaction() as session:
        haip_reports.save_report(
            session,
            seeded.admin,
            report_id,
            1,
            fields=seeded.period().model_copy(update={"details_public": True}),
        )
    _approve(seeded, report_id)
    _publish(seeded, report_id)
    with seeded.db.reading() as session:
        found = read_report(session, public_id)
    assert isinstance(found, Published)
    assert RISK_TITLE in found.public.model_dump_json() and RUN in found.public.model_dump_json()


# ----------------------------------------------------------------------------- isolation


def test_another_organisation_neither_finds_nor_changes_a_report(bare: Workspace) -> None:
    report_id = _create(bare, **NARRATIVE)
    other = _member(bare.db, "admin@other.example", Role.ADMIN, "other")
    other_exec = _member(bare.db, "ceo@other.example", Role.EXECUTIVE, "other")
    with bare.db.transaction() as session:
        assert haip_views.list_reports(session, other) == []
        for attempt in (
            lambda: haip_reports.get_report(session, other, report_id),
            lambda: haip_reports.save_report(session, other, report_id, 1, sections=NARRATIVE),
            lambda: haip_approvals.request_approval(session, other, report_id, 1),
            lambda: haip_approvals.decide_approval(
                session, other_exec, report_id, approve=True, reason="x", version=1
            ),
            lambda: haip_reports.publish_report(session, other, report_id, 1, **bare.files),  # type: ignore[arg-type]
            lambda: haip_reports.unpublish_report(session, other, report_id, "x"),
            lambda: haip_views.export(session, other, report_id, "json"),
        ):
            with pytest.raises(NotFoundError):
                attempt()
        public_id = haip_reports.get_report(session, bare.admin, report_id).public_id
        with pytest.raises(NotFoundError):
            read_report(session, public_id)  # a draft is not public
        with pytest.raises(NotFoundError):
            read_report(session, "A" * 22)
    own = _create(bare, other)
    with bare.db.reading() as session:
        assert [r.id for r in haip_views.list_reports(session, bare.admin)] == [report_id]
        assert [r.id for r in haip_views.list_reports(session, other)] == [own]
        # the other organisation's report draws only on its own (empty) workspace
        blocks = _blocks(
            haip_views.view(session, other, haip_reports.get_report(session, other, own))
        )
    assert _keys(blocks["assessments"]) == [FactKey.NO_ASSESSMENTS.value]
    assert blocks["governance"].lines[0].params == {"person": "AI統括責任者 佐藤 一郎"}


# ----------------------------------------------------------------------------- input


def test_hostile_and_overlong_text_is_refused_or_kept_as_plain_text(bare: Workspace) -> None:
    for bad in ("a\x00b", "bell\x07", "x" * 12_001):
        with pytest.raises(ValidationError):
            SectionText(ja=bad)
    with pytest.raises(ValidationError):
        HaipReportFields(
            title="x" * 201, period_start=date(2026, 1, 1), period_end=date(2026, 2, 1)
        )
    with pytest.raises(ValidationError):
        HaipReportFields(title="a\nb", period_start=date(2026, 1, 1), period_end=date(2026, 2, 1))
    hostile = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script>\n行2\t…'
    report_id = _create(bare, **{"1": SectionText(ja=hostile, en="x" * 12_000)})
    assert _view(bare, report_id).content.section("1").ja == hostile.strip()
    for start, end, field in (
        (date(2026, 5, 1), date(2026, 4, 30), "period_end"),
        (date(2020, 1, 1), date(2024, 1, 2), "period_end"),
        (date(1999, 12, 31), date(2000, 6, 1), "period_start"),
    ):
        with bare.db.transaction() as session, pytest.raises(InvalidInputError) as refused:
            haip_reports.create_report(
                session,
                bare.admin,
                HaipReportFields(title="期間", period_start=start, period_end=end),
            )
        assert refused.value.field == field and refused.value.message_ja


def test_a_stale_edit_is_refused_and_the_first_edit_kept(bare: Workspace) -> None:
    report_id = _create(bare)
    editor = bare.people[Role.EDITOR]
    with bare.db.transaction() as session:
        haip_reports.save_report(
            session, bare.admin, report_id, 1, sections={"3": SectionText(ja="先に保存")}
        )
    with bare.db.transaction() as session, pytest.raises(ConflictError):
        haip_reports.save_report(
            session, editor, report_id, 1, sections={"3": SectionText(ja="後から保存")}
        )
    with bare.db.transaction() as session:
        unchanged = haip_reports.save_report(
            session, bare.admin, report_id, 2, sections={"3": SectionText(ja="先に保存")}
        )
        assert unchanged.version == 2  # the same text again is no new version
    view = _view(bare, report_id)
    assert view.content.section("3").ja == "先に保存" and view.version == 2


def _at_once(*writes: Callable[[], object]) -> list[str]:
    """Run ``writes`` on threads released together; each outcome, ``ok`` or ``conflict``."""
    import threading

    barrier = threading.Barrier(len(writes))
    outcomes: list[str] = []

    def run(write: Callable[[], object]) -> None:
        barrier.wait()
        try:
            write()
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(w,)) for w in writes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_concurrent_edits_of_one_version_let_exactly_one_win(bare: Workspace) -> None:
    report_id = _create(bare)

    def edit(text: str) -> Callable[[], object]:
        def write() -> object:
            with bare.db.transaction() as session:
                return haip_reports.save_report(
                    session, bare.admin, report_id, 1, sections={"1": SectionText(ja=text)}
                )

        return write

    assert _at_once(edit("甲"), edit("乙")) == ["conflict", "ok"]
    view = _view(bare, report_id)
    assert view.version == 2 and view.content.section("1").ja in ("甲", "乙")


def test_an_edit_racing_an_approval_request_never_leaves_unread_text_waiting(
    bare: Workspace,
) -> None:
    report_id = _create(bare, **NARRATIVE)

    def edit() -> object:
        with bare.db.transaction() as session:
            return haip_reports.save_report(
                session, bare.admin, report_id, 1, sections={"1": SectionText(ja="書き換え")}
            )

    def ask() -> object:
        with bare.db.transaction() as session:
            return haip_approvals.request_approval(session, bare.people[Role.EDITOR], report_id, 1)

    outcomes = _at_once(edit, ask)
    assert "ok" in outcomes
    view = _view(bare, report_id)
    waiting = view.approval is not None and view.approval.status == "pending"
    if view.version == 2:  # the edit won: no request may cover the new text
        assert not (waiting and view.approval is not None and view.approval.version == 2)
        with bare.db.reading() as session:
            assert haip_views.awaiting_approval(session, bare.people[Role.EXECUTIVE]) == []


def test_exports_are_named_by_ids_only(bare: Workspace) -> None:
    report_id = _create(bare, **NARRATIVE)
    with bare.db.transaction() as session:
        haip_reports.save_report(
            session,
            bare.admin,
            report_id,
            1,
            fields=bare.period().model_copy(update={"title": "../../etc/passwd =1+1"}),
        )
    with bare.db.reading() as session:
        names = {
            fmt: haip_views.export(session, bare.admin, report_id, fmt, "en").filename
            for fmt in ("docx", "json")
        }
        with pytest.raises(InvalidInputError):
            haip_views.export(session, bare.admin, report_id, "xlsx")
    assert names == {
        "docx": f"haip-report-{report_id}-v2-en.docx",
        "json": f"haip-report-{report_id}-v2.json",
    }


def test_section_four_names_the_ai_policies_in_force_and_covers_action_five(
    bare: Workspace,
) -> None:
    empty = _blocks(_view(bare, _create(bare)))
    assert _keys(empty["policies"]) == [FactKey.NO_POLICIES.value]
    assert empty["policies"].covers == []
    executive = bare.people[Role.EXECUTIVE]
    made: dict[str, int] = {}
    for kind, title, audience in (
        (PolicyKind.ACCEPTABLE_USE, 'AI利用規程 =HYPERLINK("x")', Audience.INTERNAL),
        (PolicyKind.DATA, "データ取扱方針（下書き）", Audience.PUBLIC),
    ):
        with bare.db.transaction() as session:
            row = policies.create_policy(session, bare.admin, kind)
            policies.save_draft(
                session,
                bare.admin,
                row.id,
                {"ja": PolicyText(title=title, body="本文"), "en": None},
                PolicyTerms(
                    items=list(row.items), audience=audience, effective_on=date(2020, 1, 1)
                ),
                1,
            )
            made[kind.value] = row.id
            if kind is PolicyKind.DATA:
                continue  # a draft is not in force
            policy_approvals.request_approval(session, bare.admin, row.id, 2)
            approved = policy_approvals.decide_approval(
                session, executive, row.id, approve=True, reason="可", version=2
            )
            assert approved is not None
            policies.publish_version(session, bare.admin, row.id, approved.number)
    view = _view(bare, _create(bare))
    block = _blocks(view)["policies"]
    assert _keys(block) == [FactKey.POLICIES.value, FactKey.NO_BASIC_POLICY.value]
    assert block.lines[0].params == {"policies": 1, "public": 0}
    assert block.table is not None
    assert block.table.rows == [
        ["acceptable_use", 'AI利用規程 =HYPERLINK("x")', 1, "2020-01-01", "internal"]
    ]
    assert block.covers == ["5"]
    assert _coverage(view)[("4", "5")] == "evidenced"
    # a period that ended before the policy took effect names none
    with bare.db.transaction() as session:
        early = haip_reports.create_report(
            session,
            bare.admin,
            HaipReportFields(
                title="2019年度", period_start=date(2019, 1, 1), period_end=date(2019, 12, 31)
            ),
        ).id
    assert _keys(_blocks(_view(bare, early))["policies"]) == [FactKey.NO_POLICIES.value]
