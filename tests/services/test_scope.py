"""Who sees what (services/scope.py): an external tester sees the systems assigned to them,
what belongs to those systems, and the evidence the rule gives them; nothing else exists
for them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete

from tekisei.config import Settings
from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.reviews import Trigger
from tekisei.core.risks import RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.db.systems import SystemAssignmentRow
from tekisei.errors import NotFoundError, PermissionDeniedError
from tekisei.evals import Case, Message, Result
from tekisei.services import (
    assessments,
    eval_runs,
    evidence,
    governance,
    orgs,
    provenance_checks,
    reviews,
    risks,
    systems,
    users,
)
from tekisei.services import provenance as text_provenance
from tekisei.services.database import Database


@pytest.fixture
def acme(loaded_db: Database) -> tuple[Principal, Principal]:
    """The organisation's administrator and an external tester."""
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="tester@lab.example", password="correct horse battery"),
            "acme",
            Role.EXTERNAL_TESTER,
            "cli",
        )
        return (
            orgs.cli_principal(session, "acme"),
            users.principal_for(session, "tester@lab.example", "acme"),
        )


def _system(database: Database, admin: Principal, name: str) -> int:
    facts = SystemFacts.model_validate(
        {"name": name, "org_role": "provider", "deployment": "public"}
    )
    with database.transaction() as session:
        return systems.register_system(session, admin, facts).id


def _finished_run(database: Database, who: Principal, system_id: int, key: str) -> int:
    with database.transaction() as session:
        run = eval_runs.begin_run(
            session, who, system_id, key=key, suite="s", suite_version="1", target="t",
            probes=[], cases=1,
        )  # fmt: skip
        case = Case(id="c1", input=[Message(role="user", content="q")], expected="comply",
                    perspective="P2")  # fmt: skip
        answered = Result(case_id="c1", output="an answer", scores=[])
        eval_runs.store_results(session, run.id, [eval_runs.result_row(run.id, answered, case)])
        finished = eval_runs.finish_run(session, who, run.id)  # a run with answers is evidence
        assert finished.evidence_id is not None
        return finished.evidence_id


def _checked(
    database: Database, settings: Settings, admin: Principal, system_id: int, folder: Path
) -> int:
    folder.mkdir()
    (folder / "sample.txt").write_text("an output of the system", encoding="utf-8")
    with database.transaction() as session:
        check = provenance_checks.check_samples(
            session, admin, master=text_provenance.master_key(settings),
            data_dir=settings.data_dir, files_dir=settings.files_dir, max_bytes=1 << 20,
            system_id=system_id, folder=folder,
        )  # fmt: skip
        assert check.evidence_id is not None
        return check.evidence_id


def test_an_external_tester_sees_the_evidence_of_their_systems_and_their_own_only(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, Principal], tmp_path: Path
) -> None:
    admin, tester = acme
    assigned = _system(loaded_db, admin, "割り当て済み")
    hidden = _system(loaded_db, admin, "割り当てなし")
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, assigned, "tester@lab.example")
    own = _finished_run(loaded_db, tester, assigned, "tester-run")
    run_seen = _finished_run(loaded_db, admin, assigned, "run-seen")
    run_hidden = _finished_run(loaded_db, admin, hidden, "run-hidden")
    check_seen = _checked(loaded_db, settings, admin, assigned, tmp_path / "a")
    check_hidden = _checked(loaded_db, settings, admin, hidden, tmp_path / "b")
    with loaded_db.transaction() as session:
        links = {
            name: evidence.add_link(session, admin, url=f"https://acme.example/{name}").id
            for name in ("on_seen", "on_hidden", "on_both", "loose")
        }
        backing = {assigned: ["on_seen", "on_both"], hidden: ["on_hidden", "on_both"]}
        for system_id, names in backing.items():
            row = assessments.start_assessment(session, admin, system_id)
            urn = systems.system_requirements(session, admin, system_id)[0].urn
            fields = AnswerFields(state=AnswerState.PARTIAL)
            assessments.answer_requirement(session, admin, row.id, urn, fields)
            for name in names:
                assessments.attach_evidence(session, admin, row.id, urn, links[name])
    seen = {own, run_seen, check_seen, links["on_seen"], links["on_both"]}
    unseen = {run_hidden, check_hidden, links["on_hidden"], links["loose"]}
    with loaded_db.reading() as session:
        for evidence_id in seen | unseen:
            assert evidence.visible_evidence(session, admin, evidence_id).id == evidence_id
        for evidence_id in seen:
            assert evidence.visible_evidence(session, tester, evidence_id).id == evidence_id
        for evidence_id in unseen:
            with pytest.raises(NotFoundError, match=f"no evidence {evidence_id} "):
                evidence.visible_evidence(session, tester, evidence_id)
        files = settings.files_dir
        assert evidence.download(session, tester, files, check_seen).filename.endswith(".json")
        with pytest.raises(NotFoundError):
            evidence.download(session, tester, files, check_hidden)
    with loaded_db.transaction() as session:  # the assignment ends: only their own is left
        session.execute(delete(SystemAssignmentRow))
    with loaded_db.reading() as session:
        assert evidence.visible_evidence(session, tester, own).id == own
        for evidence_id in (seen | unseen) - {own}:
            with pytest.raises(NotFoundError):
                evidence.visible_evidence(session, tester, evidence_id)


def test_lists_and_aggregates_leave_out_what_a_tester_may_not_see(
    loaded_db: Database, acme: tuple[Principal, Principal]
) -> None:
    admin, tester = acme
    assigned = _system(loaded_db, admin, "割り当て済み")
    hidden = _system(loaded_db, admin, "割り当てなし")
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, assigned, "tester@lab.example")
    _finished_run(loaded_db, admin, assigned, "seen")
    for number in range(3):  # newer runs on the hidden system than the tester's page holds
        _finished_run(loaded_db, admin, hidden, f"hidden-{number}")
    with loaded_db.transaction() as session:
        fields = RiskFields(title="偏り", taxonomy=["social.bias"], likelihood=4, impact=5)
        risks.add_risk(session, admin, hidden, fields)
        review = reviews.open_review(session, admin, hidden, Trigger.MANUAL, "定期")
        for phase in ("plan", "do", "check", "act"):
            reviews.record_phase(session, admin, review.id, phase, "済")
        reviews.complete_review(session, admin, review.id, 4)
    with loaded_db.reading() as session:
        assert [r.key for r in eval_runs.list_runs(session, tester, limit=1)] == ["seen"]
        assert risks.list_risks(session, tester) == (0, [])
        assert risks.risk_heat_map(session, tester).total == 0
        assert reviews.maturity_trend(session, tester) == []
        assert [p.reviews for p in reviews.maturity_trend(session, admin)] == [1]


def test_governance_as_code_does_not_find_a_system_the_tester_may_not_see(
    loaded_db: Database, acme: tuple[Principal, Principal]
) -> None:
    admin, tester = acme
    text = "format: tekisei-system/1\norg: acme\nsystem:\n  code: hidden\n  name: 非公開\n"
    document = governance.parse(text + "  org_role: provider\n", "system.yaml")
    made = governance.apply_file(loaded_db, admin, document)
    again = governance.apply_file(loaded_db, admin, document, dry_run=True)
    assert again.system == made.system and again.changes == []
    with pytest.raises(PermissionDeniedError):  # as if no such system: it would be created
        governance.apply_file(loaded_db, tester, document, dry_run=True)
