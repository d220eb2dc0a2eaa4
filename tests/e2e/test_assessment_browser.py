"""An assessor answers with an uploaded file; an executive approves a stage change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.systems import SystemFacts
from tekisei.services import assessments, orgs, systems
from tekisei.services.database import open_database
from tests.e2e.conftest import E2E_SETTINGS, SCREENSHOTS
from tests.e2e.test_workspace_browser import sign_in

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.7\n%%EOF\n"


def test_answer_a_requirement_with_an_uploaded_file(
    page: Any, base_url: str, tmp_path: Path
) -> None:
    sign_in(page, base_url, "admin@demo-corp.example")
    page.get_by_role("link", name="広告画像生成サービス").click()
    page.get_by_role("link", name="アセスメント", exact=True).click()
    page.get_by_role("button", name="アセスメントを始める").click()
    page.locator('tr[data-urn$=":2.3"] a').click()
    page.check('input[name="state"][value="implemented"]')
    page.fill("#notes", "C2PAの来歴情報と透かしを全画像に付与")
    proof = tmp_path / "watermark-test.pdf"
    proof.write_bytes(PDF)
    page.set_input_files("#file", str(proof))
    page.get_by_role("button", name="保存", exact=True).click()
    assert page.locator("p.saved").is_visible()  # the saved notice
    row = page.locator('tr[data-urn$=":2.3"]')
    assert row.get_attribute("data-state") == "implemented"
    assert row.locator('a[href^="/evidence/"]').inner_text() == "watermark-test.pdf"
    page.screenshot(path=str(SCREENSHOTS / "assessment-ja.png"), full_page=True)
    page.select_option("#framework", "iso-iec-42001-2023")
    page.get_by_role("button", name="表示").click()
    control = page.locator('tr[data-urn$="iso-iec-42001-2023:A.6.2.4"]')
    assert control.get_attribute("data-state") == "partial"
    assert page.console_errors == []


def test_an_executive_approves_a_stage_change(page: Any, base_url: str) -> None:
    database = open_database(E2E_SETTINGS[0])
    try:
        with database.transaction() as session:
            operator = orgs.cli_principal(session, "demo-city")
            facts = SystemFacts.model_validate(
                {"name": "議事録要約", "org_role": "user", "stage": "verify"}
            )
            system_id = systems.register_system(session, operator, facts).id
            row = assessments.start_assessment(session, operator, system_id)
            report = assessments.assessment_report(session, operator, row.id)
            for item in report.items:
                assessments.answer_requirement(
                    session, operator, row.id, item.urn, AnswerFields(state=AnswerState.IMPLEMENTED)
                )
    finally:
        database.close()
    sign_in(page, base_url, "admin@demo-city.example")
    page.goto(f"{base_url}/systems/{system_id}")
    page.select_option("#to_stage", "deploy")
    page.get_by_role("button", name="申請する").click()
    page.wait_for_url(f"{base_url}/approvals")
    assert page.locator("section.approval").count() == 1
    assert page.locator("section.approval form").count() == 0  # admins cannot decide
    page.get_by_role("button", name="サインアウト").click()
    sign_in(page, base_url, "caio@demo-city.example")
    page.goto(f"{base_url}/approvals")
    page.locator("section.approval textarea").fill("全項目の回答を確認した")
    page.get_by_role("button", name="承認する").click()
    page.wait_for_url(f"{base_url}/approvals")
    assert page.locator("section.approval").count() == 0
    assert "全項目の回答を確認した" in page.locator("table.approvals").inner_text()
    page.goto(f"{base_url}/systems/{system_id}")
    assert "導入" in page.locator("#system-facts").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "approved-ja.png"), full_page=False)
    assert page.console_errors == []
