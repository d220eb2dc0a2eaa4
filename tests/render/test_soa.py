"""The Statement of Applicability to hand out, on both databases: a workbook with exactly
one row per control (38) whose states follow the assessment, laid out and safe as the
other exports are, with times on the organisation's clock, in the reader's language; and
a PDF with the same in text."""

from __future__ import annotations

import io
import re
import shutil
from datetime import datetime
from typing import Literal

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import assessments, evidence, orgs, soa, soa_approvals, systems, users
from tekisei.services.database import Database
from tekisei.services.soa_exports import soa_report
from tests.conftest import skip_or_fail
from tests.render.test_sheets import assert_text_only

GUIDELINE = "jp-ai-appropriateness-2025"
FORMULA = '=HYPERLINK("https://evil.example/","クリック")'
HEADER = 9  # title, organisation, version, approval, systems, wording, a blank line


@pytest.fixture
def org(loaded_db: Database) -> tuple[Database, Principal, int]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session,
            OrgCreate(
                name="アクメ株式会社",
                slug="acme",
                actors=[OrgActor.BUSINESS],
                time_zone="America/New_York",
            ),
            "cli",
        )
        admin = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate({"name": "応答AI", "org_role": "provider"})
        system_id = systems.register_system(session, admin, facts).id
        assessments.start_assessment(session, admin, system_id)
    return loaded_db, admin, system_id


def _sheet(content: bytes) -> Worksheet:
    book = load_workbook(io.BytesIO(content))
    assert len(book.worksheets) == 1
    return book.worksheets[0]


def _rows(sheet: Worksheet) -> dict[str, list[object]]:
    return {
        str(row[0]): list(row)
        for row in sheet.iter_rows(min_row=HEADER + 1, values_only=True)
        if row[0] is not None
    }


def _export(
    db: Database, principal: Principal, fmt: str = "xlsx", lang: Literal["ja", "en"] = "ja"
) -> bytes:
    with db.reading() as session:
        return soa_report(session, principal, fmt, lang).content


def test_the_workbook_has_one_row_per_control_and_states_that_follow_the_assessment(
    org: tuple[Database, Principal, int],
) -> None:
    db, admin, system_id = org
    sheet = _sheet(_export(db, admin))
    assert [c.value for c in sheet[HEADER]][:7] == [
        "管理策", "管理目的", "管理策の名称", "概要（tekisei による要約）", "適用",
        "適用・除外の理由", "実施状況",
    ]  # fmt: skip
    rows = _rows(sheet)
    assert len(rows) == 38 and sheet.max_row == HEADER + 38
    assert list(rows)[:3] == ["A.2.2", "A.2.3", "A.2.4"] and list(rows)[-1] == "A.10.4"
    assert rows["A.2.2"][6] == "未着手" and rows["A.6.2.4"][6] == "未着手"
    # the header is frozen and filtered over the 38 rows, the columns are sized
    assert sheet.freeze_panes == f"A{HEADER + 1}"
    assert sheet.auto_filter.ref == f"A{HEADER}:M{HEADER + 38}"
    assert all((sheet.column_dimensions[c].width or 0) >= 6 for c in "ABCDEFGHIJKLM")
    # change an answer, export again: the control follows
    with db.transaction() as session:
        row = assessments.current_assessment(session, admin, system_id)
        assessments.answer_requirement(
            session, admin, row.id, f"{GUIDELINE}:2(3)", AnswerFields(state=AnswerState.IMPLEMENTED)
        )
        assessments.answer_requirement(
            session,
            admin,
            row.id,
            "iso-iec-42001-2023:A.6.2.4",
            AnswerFields(state=AnswerState.IMPLEMENTED),
        )
    rows = _rows(_sheet(_export(db, admin)))
    assert rows["A.5.2"][6] == "一部実施"  # 2(3) intersects A.5.2
    assert rows["A.6.2.4"][6] == "実施済み"  # answered directly
    derivation = str(rows["A.5.2"][7])
    assert derivation.startswith("応答AI: 一部実施 ← ") and "2(3) 重なり 実施済み" in derivation
    assert len(rows) == 38


def test_what_people_wrote_stays_text_and_times_are_on_the_organisations_clock(
    org: tuple[Database, Principal, int],
) -> None:
    db, admin, system_id = org
    with db.transaction() as session:
        soa.set_control(session, admin, "A.7.2", {"applicable": False, "justification": FORMULA}, 0)
        soa.set_control(session, admin, "A.7.3", {"notes": "@SUM(A1:A9)\n-1+1"}, 0)
        row = assessments.current_assessment(session, admin, system_id)
        assessments.answer_requirement(
            session, admin, row.id, f"{GUIDELINE}:2(2)", AnswerFields(state=AnswerState.PARTIAL)
        )
        link = evidence.add_link(session, admin, url="https://acme.example/data", title="=1+1")
        assessments.attach_evidence(session, admin, row.id, f"{GUIDELINE}:2(2)", link.id)
    content = _export(db, admin)
    assert_text_only(content, [FORMULA, "@SUM(A1:A9)\n-1+1", "=1+1 <https://acme.example/data>"])
    rows = _rows(_sheet(content))
    assert rows["A.7.2"][4] == "適用しない" and rows["A.7.2"][6] == "該当しない"
    assert rows["A.7.3"][8] == "=1+1 <https://acme.example/data>"  # 2(2) intersects A.7.3
    changed = str(rows["A.7.2"][11])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?-0[45]:00", changed), changed
    assert datetime.fromisoformat(changed).utcoffset() is not None
    assert rows["A.7.2"][12] == 1 and rows["A.2.2"][12] == 0


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_workbook_speaks_the_readers_language(
    org: tuple[Database, Principal, int], lang: Literal["ja", "en"]
) -> None:
    db, admin, _ = org
    sheet = _sheet(_export(db, admin, lang=lang))
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    theirs = text.replace("アクメ株式会社", "").replace("応答AI", "")  # what the users wrote
    japanese = re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", theirs)
    if lang == "en":
        assert sheet.title == "Statement of Applicability" and japanese is None
        assert _rows(sheet)["A.2.2"][2] == "AI policy"
    else:
        assert sheet.title == "適用宣言書" and japanese is not None
        assert "soa:" not in text


def test_the_pdf_holds_every_control_with_its_state(
    org: tuple[Database, Principal, int],
) -> None:
    if shutil.which("fc-list") is None:
        skip_or_fail("fontconfig is missing (apt-get install fonts-noto-cjk)")
    db, admin, _ = org
    with db.transaction() as session:
        soa.set_control(
            session, admin, "A.10.3", {"applicable": False, "justification": "外部調達なし"}, 0
        )
    expected = {
        "ja": ("適用宣言書", "外部調達なし", "該当しない"),
        "en": ("Statement of Applicability", "Does not apply", "Suppliers"),
    }
    for lang, words in expected.items():
        content = _export(db, admin, "pdf", lang)  # type: ignore[arg-type]
        assert content.startswith(b"%PDF")
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
        compact = re.sub(r"\s+", "", text)
        for word in words:
            assert re.sub(r"\s+", "", word) in compact, (lang, word)
        assert all(f"A.{n}" in compact for n in ("2.2", "6.1.2", "10.4"))
        assert "soa:" not in compact


def test_an_approved_version_exports_as_it_was_approved(
    org: tuple[Database, Principal, int],
) -> None:
    db, admin, _ = org
    with db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="ceo@acme.example", password="correct horse battery"),
            "acme",
            Role.EXECUTIVE,
            actor="cli",
            must_change_password=False,
        )
        ceo = users.principal_for(session, "ceo@acme.example", "acme")
        soa.set_control(session, admin, "A.4.2", {"notes": "承認時の記載"}, 0)
    with db.transaction() as session:
        soa_approvals.approve(session, ceo, 1, "確認した")
    with db.transaction() as session:
        soa.set_control(session, admin, "A.4.2", {"notes": "承認後の記載"}, 1)
    with db.reading() as session:
        kept = soa_report(session, admin, "xlsx", "ja", approval=1)
        current = soa_report(session, admin, "xlsx", "ja")
    assert kept.filename == "soa-acme-approved-1-ja.xlsx"
    assert current.filename == "soa-acme-v2-ja.xlsx"
    assert _rows(_sheet(kept.content))["A.4.2"][10] == "承認時の記載"
    assert _rows(_sheet(current.content))["A.4.2"][10] == "承認後の記載"
    preamble = [c.value for row in _sheet(kept.content).iter_rows(max_row=6) for c in row]
    assert "確認した" in preamble and "承認 第1号（版1）" in " ".join(map(str, preamble))
    with db.reading() as session:
        with pytest.raises(NotFoundError):
            soa_report(session, admin, "xlsx", "ja", approval=2)
        with pytest.raises(InvalidInputError):
            soa_report(session, admin, "csv", "ja")
        with pytest.raises(InvalidInputError):
            soa_report(session, admin, "../../etc/passwd", "ja")


def test_an_external_tester_gets_no_export(
    org: tuple[Database, Principal, int],
) -> None:
    db, _, _ = org
    with db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="tester@lab.example", password="correct horse battery"),
            "acme",
            Role.EXTERNAL_TESTER,
            actor="cli",
            must_change_password=False,
        )
        tester = users.principal_for(session, "tester@lab.example", "acme")
    with db.reading() as session, pytest.raises(PermissionDeniedError):
        soa_report(session, tester, "xlsx", "ja")
