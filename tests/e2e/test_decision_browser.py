"""Decision records in a real browser on a 390 px phone: an administrator opens a system's
decision records from its page, uploads a Shift_JIS file from a case system with a bad
row and is shown the row and column, uploads the corrected file and reads the statistics
by month; no page is wider than the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, phone  # noqa: F401

pytestmark = pytest.mark.e2e
HEADER = "案件番号,決定日,決定内容,根拠,AIの関与,AIの提案,審査結果,審査・決定者"
ROWS = [
    "E2E-R7-0001,2026-04-01,児童手当の支給を決定,児童手当法第7条,決定案の提示,支給,採用,山田 花子",
    "E2E-R7-0002,2026-04-15,支給額を修正して決定,同法第6条,決定案の提示,満額,修正,山田 花子",
    "E2E-R7-0003,2026-05-08,不支給を決定,所得制限,振り分け・優先順位付け,支給,不採用,鈴木 一郎",
]


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def test_decision_records_are_imported_and_counted_on_a_phone(
    phone: Any,  # noqa: F811
    base_url: str,
    tmp_path: Path,
) -> None:
    page = phone
    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-corp.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/systems")
    page.locator("tr[data-system] a").first.click()
    page.wait_for_load_state()
    page.locator("#decisions-link").click()
    page.wait_for_url(f"{base_url}/systems/*/decisions")
    assert page.locator("h1").inner_text().startswith("決定記録")
    _fits(page)

    bad = tmp_path / "cases-bad.csv"
    bad.write_bytes("\r\n".join([HEADER, *ROWS, "E2E-R7-0004,2026-02-30,x,,占い,,採用,山田"])
                    .encode("cp932"))  # fmt: skip
    page.set_input_files("#file", str(bad))
    page.locator("#decision-import").get_by_role("button", name="取り込む").click()
    page.wait_for_load_state()
    errors = page.locator("table.import-errors tbody tr")
    assert errors.count() == 2
    assert "5" in errors.first.inner_text() and "決定日" in errors.first.inner_text()
    assert page.locator("#import-result").get_attribute("data-applied") == "no"
    _fits(page)

    good = tmp_path / "cases.csv"
    good.write_bytes("\r\n".join([HEADER, *ROWS]).encode("cp932"))
    page.set_input_files("#file", str(good))
    page.locator("#decision-import").get_by_role("button", name="取り込む").click()
    page.wait_for_load_state()
    assert page.locator("#import-result").get_attribute("data-applied") == "yes"
    april = page.locator('table.decision-stats tr[data-month="2026-04"]').inner_text()
    assert "50.0%" in april
    assert page.locator('tr[data-case="E2E-R7-0003"]').is_visible()
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "decisions-phone.png"), full_page=True)
