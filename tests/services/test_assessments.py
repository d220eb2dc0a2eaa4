"""Assessments, evidence and framework views, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal
from tekisei.core.systems import SystemFacts
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import assessments, evidence, orgs, systems
from tekisei.services.database import Database

S = AnswerState
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture
def ctx(loaded_db: Database) -> tuple[Database, Principal, int, int]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        admin = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate(
            {
                "name": "画像生成",
                "org_role": "provider",
                "domain": "content_generation",
                "deployment": "public",
            }
        )
        system_id = systems.register_system(session, admin, facts).id
        assessment_id = assessments.start_assessment(session, admin, system_id).id
    return loaded_db, admin, system_id, assessment_id


def answer(
    db: Database, who: Principal, assessment_id: int, ref: str, state: AnswerState, **extra: str
) -> None:
    with db.transaction() as session:
        assessments.answer_requirement(
            session,
            who,
            assessment_id,
            f"jp-ai-appropriateness-2025:{ref}",
            AnswerFields(state=state, **extra),
        )


def test_answers_change_scores_and_gaps(ctx: tuple[Database, Principal, int, int]) -> None:
    db, admin, _, assessment_id = ctx
    with db.reading() as session:
        empty = assessments.assessment_report(session, admin, assessment_id)
    assert empty.overall.completeness == 0.0 and len(empty.gaps) == empty.overall.total
    answer(db, admin, assessment_id, "2(3)", S.IMPLEMENTED, notes="透かしを実装")
    answer(db, admin, assessment_id, "2(2)", S.NOT_IMPLEMENTED)
    answer(db, admin, assessment_id, "2(1)", S.PARTIAL)
    with db.reading() as session:
        report = assessments.assessment_report(session, admin, assessment_id)
    assert report.overall.answered == 3
    assert report.groups["2"].conformity == pytest.approx(1.5 / 3)
    assert report.elements["1.2.safety"].implemented == 1
    first_gap = next(i for i in report.items if i.urn == report.gaps[0])
    assert first_gap.section == "2(2)"  # not implemented comes before not started


def test_not_applicable_needs_a_reason_and_foreign_items_are_refused(
    ctx: tuple[Database, Principal, int, int],
) -> None:
    db, admin, _, assessment_id = ctx
    with pytest.raises(Exception, match="justification"):
        answer(db, admin, assessment_id, "2(4)", S.NOT_APPLICABLE)
    with pytest.raises(InvalidInputError, match="does not apply"), db.transaction() as s:
        assessments.answer_requirement(
            s,
            admin,
            assessment_id,
            "jp-ai-appropriateness-2025:3(4)",
            AnswerFields(state=S.IMPLEMENTED),
        )


def test_closing_freezes_and_a_new_assessment_starts_from_it(
    ctx: tuple[Database, Principal, int, int],
) -> None:
    db, admin, system_id, assessment_id = ctx
    answer(db, admin, assessment_id, "2(3)", S.IMPLEMENTED)
    with db.transaction() as session:
        assessments.close_assessment(session, admin, assessment_id)
    with pytest.raises(ConflictError, match="closed"):
        answer(db, admin, assessment_id, "2(3)", S.PARTIAL)
    with db.transaction() as session:
        second = assessments.start_assessment(session, admin, system_id)
        assert second.based_on == assessment_id
        with pytest.raises(ConflictError):
            assessments.start_assessment(session, admin, system_id)
    with db.reading() as session:
        report = assessments.assessment_report(session, admin, second.id)
    assert next(i for i in report.items if i.section == "2(3)").state is S.IMPLEMENTED


def test_answering_the_guideline_changes_the_iso_view(
    ctx: tuple[Database, Principal, int, int],
) -> None:
    db, admin, system_id, assessment_id = ctx
    with db.reading() as session:
        before = assessments.framework_view(session, admin, system_id, "iso-iec-42001-2023")
    verification = next(i for i in before.items if i.section == "A.6.2.4")
    assert verification.state is S.NOT_STARTED
    answer(db, admin, assessment_id, "2(3)", S.IMPLEMENTED)
    with db.reading() as session:
        after = assessments.framework_view(session, admin, system_id, "iso-iec-42001-2023")
    verification = next(i for i in after.items if i.section == "A.6.2.4")
    assert verification.state is S.PARTIAL  # 2(3) intersects A.6.2.4
    assert "2(3)" in [s.section for s in verification.sources]
    competition = [i for i in after.items if i.needs_direct_answer]
    assert competition, "some ISO controls have no carrying link and need a direct answer"


def test_a_footnote_that_only_overlaps_carries_at_most_partial(
    ctx: tuple[Database, Principal, int, int],
) -> None:
    """Footnote 20 cites DS-920's CAIO and adds a responsible person for other AI: the
    link is ``intersect``, so a ministry that has done fn20 has done DS-920's CAIO only
    in part until it answers the CAIO item itself (how an ``equal`` link carries the full
    state is tested in tests/core)."""
    db, _, _, _ = ctx
    with db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Ministry", slug="ministry", actors=[OrgActor.NATIONAL]), "cli"
        )
        ministry = orgs.cli_principal(session, "ministry")
        facts = SystemFacts.model_validate({"name": "窓口", "org_role": "user"})
        system_id = systems.register_system(session, ministry, facts).id
        assessment_id = assessments.start_assessment(session, ministry, system_id).id
    answer(db, ministry, assessment_id, "脚注20", S.IMPLEMENTED, notes="CAIOを任命")
    with db.reading() as session:
        view = assessments.framework_view(session, ministry, system_id, "digital-agency-genai-2025")
    caio = next(i for i in view.items if i.section == "CAIO")
    assert caio.derived_state is S.PARTIAL
    assert any(source.section == "脚注20" for source in caio.sources)


def test_a_requirement_without_counterpart_can_be_answered_directly(
    ctx: tuple[Database, Principal, int, int],
) -> None:
    db, admin, system_id, assessment_id = ctx
    with db.reading() as session:
        view = assessments.framework_view(session, admin, system_id, "nist-ai-rmf-1.0")
    target = next(i for i in view.items if i.needs_direct_answer)
    with db.transaction() as session:
        assessments.answer_requirement(
            session, admin, assessment_id, target.urn, AnswerFields(state=S.IMPLEMENTED)
        )
    with db.reading() as session:
        view = assessments.framework_view(session, admin, system_id, "nist-ai-rmf-1.0")
    again = next(i for i in view.items if i.urn == target.urn)
    assert (again.state, again.direct_answer, again.needs_direct_answer) == (
        S.IMPLEMENTED,
        S.IMPLEMENTED,
        False,
    )


def test_evidence_files_are_checked_stored_by_hash_and_shared(
    ctx: tuple[Database, Principal, int, int], tmp_path: Path
) -> None:
    db, admin, _, assessment_id = ctx
    files = tmp_path / "files"
    answer(db, admin, assessment_id, "2(3)", S.IMPLEMENTED)
    answer(db, admin, assessment_id, "2(2)", S.PARTIAL)
    with db.transaction() as session:
        row = evidence.add_file(
            session,
            admin,
            files,
            filename="../../etc/passwd.pdf",
            data=PDF,
            content_type="application/pdf",
            max_bytes=1000,
        )
        evidence_id = row.id
        assert row.filename == "passwd.pdf"
        for ref in ("2(3)", "2(2)"):
            assessments.attach_evidence(
                session, admin, assessment_id, f"jp-ai-appropriateness-2025:{ref}", evidence_id
            )
    stored = list(files.rglob("*"))
    assert [p.name for p in stored if p.is_file()] == [row.sha256]
    with db.reading() as session:
        report = assessments.assessment_report(session, admin, assessment_id)
        found = evidence.download(session, admin, files, evidence_id)
    backed = [i.section for i in report.items if i.evidence]
    assert sorted(backed) == ["2(2)", "2(3)"]
    assert found.path.read_bytes() == PDF and found.filename == "passwd.pdf"


@pytest.mark.parametrize(
    ("data", "declared", "message"),
    [
        (b"", "application/pdf", "empty"),
        (PDF * 100, "application/pdf", "limit"),
        (b"MZ\x90\x00binary", "application/pdf", "not application/pdf"),
        (PDF, "application/x-msdownload", "not accepted"),
    ],
)
def test_bad_uploads_are_refused(
    ctx: tuple[Database, Principal, int, int],
    tmp_path: Path,
    data: bytes,
    declared: str,
    message: str,
) -> None:
    db, admin, _, _ = ctx
    files = tmp_path / "files"
    with pytest.raises(InvalidInputError, match=message), db.transaction() as session:
        evidence.add_file(
            session,
            admin,
            files,
            filename="x.pdf",
            data=data,
            content_type=declared,
            max_bytes=1000,
        )
    assert not files.exists() or not list(files.rglob("*"))


def test_links_need_http(ctx: tuple[Database, Principal, int, int]) -> None:
    db, admin, _, _ = ctx
    with pytest.raises(InvalidInputError), db.transaction() as session:
        evidence.add_link(session, admin, url="javascript:alert(1)")
    with db.transaction() as session:
        assert evidence.add_link(session, admin, url="https://example.org/policy").kind == "link"


def test_other_organisations_cannot_see_assessments_or_evidence(
    ctx: tuple[Database, Principal, int, int], tmp_path: Path
) -> None:
    db, admin, system_id, assessment_id = ctx
    with db.transaction() as session:
        row = evidence.add_link(session, admin, url="https://example.org/x")
        orgs.create_org(
            session, OrgCreate(name="Other", slug="other", actors=[OrgActor.BUSINESS]), "cli"
        )
        other = orgs.cli_principal(session, "other")
    with db.reading() as session:
        for call in (
            lambda: assessments.assessment_report(session, other, assessment_id),
            lambda: assessments.framework_view(session, other, system_id, "nist-ai-rmf-1.0"),
            lambda: evidence.visible_evidence(session, other, row.id),
        ):
            with pytest.raises(NotFoundError):
                call()
