"""A governance officer exports the inventory, edits it in a spreadsheet, and imports it back
through the page: the preview shows exactly the one change, and confirming saves it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS

pytestmark = pytest.mark.e2e

SYSTEM = "社内ナレッジ検索アシスタント"
CONTACT = "ai-helpdesk@demo-corp.example（内線 1234）"


def test_export_edit_and_import_the_inventory_with_a_preview(
    page: Any, base_url: str, tmp_path: Path
) -> None:
    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-corp.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_url(f"{base_url}/systems")
    # other browser tests on this server may have registered systems of their own
    listed = page.locator("tr[data-system]").count()
    assert listed >= 3
    with page.expect_download() as download:
        page.get_by_role("link", name="書き出す").click()
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    assert exported.name == "systems-demo-corp.xlsx"

    book = load_workbook(exported)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["ID", "名称"]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == listed
    target = next(row for row in rows if row[header.index("名称")].value == SYSTEM)
    target[header.index("問い合わせ窓口")].value = CONTACT
    edited = tmp_path / "台帳（編集後）.xlsx"
    book.save(edited)

    page.get_by_role("link", name="取り込む").click()
    page.wait_for_url(f"{base_url}/systems/import")
    page.set_input_files("#file", str(edited))
    page.get_by_role("button", name="内容を確認する").click()
    preview = page.locator("#import-result")
    assert preview.get_attribute("data-applied") == "no"
    changes = page.locator("table.import-changes tbody tr")
    assert changes.count() == 1
    assert changes.first.get_attribute("data-action") == "update"
    assert SYSTEM in changes.first.inner_text() and CONTACT in changes.first.inner_text()
    assert f"変更のない行: {listed - 1}" in preview.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "import-preview-ja.png"), full_page=True)

    page.get_by_role("button", name="この内容で取り込む").click()
    done = page.locator("#import-result")
    assert done.get_attribute("data-applied") == "yes"
    assert "変更 1件" in page.locator("#import-summary").inner_text()
    page.locator("table.import-changes tbody tr a").first.click()
    assert page.locator("h1").inner_text() == SYSTEM
    assert CONTACT in page.locator("main").inner_text()
    assert page.console_errors == []
