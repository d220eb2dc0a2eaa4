"""Assessment reports: Japanese text survives into PDF, XLSX has the answers and views."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal
from tekisei.core.systems import SystemFacts
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import assessments, orgs, reports, systems
from tekisei.services.database import Database
from tests.conftest import skip_or_fail


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
