"""A governance officer browses the catalog in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS

pytestmark = pytest.mark.e2e


def test_browse_from_the_list_to_a_requirement_and_its_crosswalk(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/catalog")
    assert page.locator("h1").inner_text() == "指針と関連する枠組み"
    page.screenshot(path=str(SCREENSHOTS / "catalog-list-ja.png"), full_page=True)
    page.get_by_role(
        "link", name="人工知能関連技術の研究開発及び活用の適正性確保に関する指針"
    ).click()
    page.get_by_role("link", name="2(3) 十分な安全性の確保").click()
    assert "十分な安全性の確保" in page.locator("h1").inner_text()
    rows = page.locator("table.crosswalk tbody tr")
    assert rows.count() > 10
    page.screenshot(path=str(SCREENSHOTS / "node-2-3-ja.png"), full_page=True)
    page.locator('table.crosswalk a[href$="iso-iec-42001-2023:A.6.2.4"]').click()
    assert "A.6.2.4" in page.locator("h1").inner_text()
    assert page.locator('table.crosswalk tr[data-framework="jp-ai-appropriateness-2025"]').count()
    assert page.console_errors == []


def test_switch_to_english_and_back(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/catalog/frameworks/nist-ai-rmf-1.0")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "NIST AI Risk Management Framework" in page.locator("h1").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "framework-nist-en.png"), full_page=False)
    page.get_by_role("link", name="日本語").click()
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.console_errors == []


def test_search_as_you_type_works_under_the_strict_csp(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/catalog/search")
    page.locator("#q").fill("電子透かし")
    results = page.locator("#results ul.results li")
    results.first.wait_for(timeout=5000)
    assert "2(3)" in results.all_inner_texts()[0]
    assert "q=" in page.url
    page.screenshot(path=str(SCREENSHOTS / "search-ja.png"), full_page=True)
    assert page.console_errors == []
