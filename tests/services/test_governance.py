"""Governance as code: apply is idempotent, a dry run writes nothing, errors point at lines."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tekisei.core.governance import GovernanceFile
from tekisei.core.orgs import OrgActor, OrgCreate, Principal
from tekisei.errors import CatalogFileError, ConflictError
from tekisei.services import assessments, governance, orgs, risks, systems
from tekisei.services.database import Database

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "governance" / "system.yaml"


@pytest.fixture
def corp(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="デモ商事", slug="demo-corp", actors=[OrgActor.BUSINESS]), "cli"
        )
        return orgs.cli_principal(session, "demo-corp")


def example() -> GovernanceFile:
    return governance.parse(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))


def test_the_example_applies_and_a_second_apply_changes_nothing(
    loaded_db: Database, corp: Principal
) -> None:
    first = governance.apply_file(loaded_db, corp, example())
    assert first.changed
    assert "system support-summariser: created" in first.changes
    assert "assessment: started" in first.changes
    second = governance.apply_file(loaded_db, corp, example())
    assert (second.system, second.changed, second.changes) == (first.system, False, [])
    with loaded_db.reading() as session:
        assert risks.list_risks(session, corp, system_id=first.system)[0] == 2
        row = assessments.current_assessment(session, corp, first.system)
        report = assessments.assessment_report(session, corp, row.id)
    answered = {i.section: i for i in report.items if i.state.value != "not_started"}
    assert answered["2(2)"].state.value == "partial"
    assert [e.url for e in answered["2(3)"].evidence] == [
        "https://demo-corp.example/ai/support-summariser/eval-2026-11"
    ]


def test_a_dry_run_reports_the_diff_and_writes_nothing(
    loaded_db: Database, corp: Principal
) -> None:
    governance.apply_file(loaded_db, corp, example())
    changed = example().model_copy(deep=True)
    changed.system.purpose = "要約と分類"
    changed.risks[0].likelihood = 5
    preview = governance.apply_file(loaded_db, corp, changed, dry_run=True)
    assert preview.dry_run
    assert preview.changes == [
        "system support-summariser: purpose changed",
        "risk wrong-summary: likelihood changed",
    ]
    with loaded_db.reading() as session:
        row = systems.visible_system(session, corp, preview.system)
        assert row.purpose.startswith("顧客からの問い合わせ")
    assert governance.apply_file(loaded_db, corp, changed).changes == preview.changes


def test_moving_into_deploy_through_a_file_still_needs_approval(
    loaded_db: Database, corp: Principal
) -> None:
    governance.apply_file(loaded_db, corp, example())
    moved = example().model_copy(deep=True)
    moved.system.stage = moved.system.stage.__class__("deploy")
    with pytest.raises(ConflictError, match="approval"):
        governance.apply_file(loaded_db, corp, moved)


def test_errors_in_a_file_name_line_and_column(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["risks"][1]["likelihood"] = 9
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with pytest.raises(CatalogFileError) as caught:
        governance.parse(text, "system.yaml")
    [problem] = caught.value.problems
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "likelihood: 9" in row)
    assert (problem.path, problem.line) == ("system.yaml", line)
    assert problem.message.startswith("risks.1.likelihood")
