"""Governance as code: apply is idempotent, a dry run writes nothing, errors point at lines."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from tekisei.core.governance import GovernanceFile
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.db.orgs import UserRow
from tekisei.db.risks import RiskRow
from tekisei.errors import CatalogFileError, ConflictError, InvalidInputError
from tekisei.services import assessments, governance, orgs, risks, systems, users
from tekisei.services.database import Database

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "governance" / "system.yaml"
PASSWORD = "correct horse battery"


@pytest.fixture
def corp(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="デモ商事", slug="demo-corp", actors=[OrgActor.BUSINESS]), "cli"
        )
        for email, role in (
            ("admin@demo-corp.example", Role.ADMIN),
            ("exec@demo-corp.example", Role.EXECUTIVE),
        ):
            users.create_user(
                session,
                users.UserCreate(email=email, name=email.split("@")[0], password=PASSWORD),
                "demo-corp",
                role,
                "cli",
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


def test_owners_in_a_file_are_members_named_by_email(loaded_db: Database, corp: Principal) -> None:
    result = governance.apply_file(loaded_db, corp, example())
    with loaded_db.reading() as session:
        owned = {
            r.code: (r.owner_id, r.owner_text)
            for r in session.scalars(select(RiskRow).where(RiskRow.system_id == result.system))
        }
        ids = {u.email: u.id for u in session.scalars(select(UserRow))}
    assert owned == {
        "wrong-summary": (ids["admin@demo-corp.example"], ""),
        "personal-data": (ids["exec@demo-corp.example"], ""),
    }
    stranger = example().model_copy(deep=True)
    stranger.risks[0].owner = "someone@elsewhere.example"
    with pytest.raises(InvalidInputError, match=r"someone@elsewhere\.example is not a member"):
        governance.apply_file(loaded_db, corp, stranger)


def test_a_file_that_still_names_an_owner_written_as_text_keeps_it(
    loaded_db: Database, corp: Principal
) -> None:
    """Risks recorded before owners were members keep their text; a file naming that same
    text applies without change, and naming a member replaces it."""
    result = governance.apply_file(loaded_db, corp, example())
    with loaded_db.transaction() as session:  # as migration 0016 leaves an older risk
        row = session.scalars(select(RiskRow).where(RiskRow.code == "wrong-summary")).one()
        row.owner_id, row.owner_text = None, "カスタマーサポート部 中村"
    legacy = example().model_copy(deep=True)
    legacy.risks[0].owner = "カスタマーサポート部 中村"
    assert governance.apply_file(loaded_db, corp, legacy).changes == []
    assert governance.apply_file(loaded_db, corp, example()).changes == [
        "risk wrong-summary: owner_id, owner_text changed"
    ]
    with loaded_db.reading() as session:
        row = session.scalars(select(RiskRow).where(RiskRow.code == "wrong-summary")).one()
        assert row.owner_text == "" and row.owner_id is not None
    assert result.system == row.system_id
