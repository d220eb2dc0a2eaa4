"""What a new user meets on the first day, in a real browser: the executive reads the
whole risk before accepting it, unknown addresses answer a page in the user's language,
the dashboard's charts are whole and lead to the lists behind them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.conftest import sign_in as _sign_in

pytestmark = pytest.mark.e2e

# Every label of the radar, as drawn, inside the drawing as the page shows it.
RADAR_LABELS_CUT = """() => {
  const svg = document.querySelector('svg.radar');
  const frame = svg.getBoundingClientRect();
  const out = [];
  for (const text of svg.querySelectorAll('text')) {
    const box = text.getBoundingClientRect();
    if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5 ||
        box.top < frame.top - 0.5 || box.bottom > frame.bottom + 0.5) {
      out.push(text.textContent + ' ' + JSON.stringify([box.left, box.right, frame.right]));
    }
  }
  return {count: svg.querySelectorAll('text').length, out};
}"""


def test_the_executive_reads_the_whole_risk_before_accepting_it(page: Any, base_url: str) -> None:
    _sign_in(page, base_url, "exec@demo-corp.example")
    page.goto(f"{base_url}/risks")
    page.get_by_role("link", name="性別・年齢による評価の偏り").click()
    details = page.locator("#risk-details")
    text = details.inner_text()
    for expected in ("田中 美咲", "対応計画", "特定の属性を不利に扱う", "起きやすい"):
        assert expected in text, expected
    assert page.locator("#risk-history").is_visible()
    accept = page.locator("section.accept form")
    assert accept.is_visible()
    # no edit form for a read-only role: the facts are shown, not editable fields
    assert page.locator("input#title").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "risk-executive-ja.png"), full_page=True)
    assert page.console_errors == []


@pytest.mark.parametrize(("lang", "heading"), [("ja", "見つかりません"), ("en", "Not found")])
def test_an_unknown_address_answers_a_page_in_the_users_language(
    page: Any, base_url: str, lang: str, heading: str
) -> None:
    page.goto(f"{base_url}/lang/{lang}?next=/verify")
    response = page.goto(f"{base_url}/no/such/page")
    assert response.status == 404
    assert "text/html" in response.headers["content-type"]
    assert page.locator("h1").inner_text() == heading
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("main a[href='/catalog']").count() == 1  # a way on


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_radar_labels_are_whole_and_heat_map_cells_lead_to_their_risks(
    browser: Any, base_url: str, lang: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        _sign_in(page, base_url, "admin@demo-corp.example", lang)
        page.goto(f"{base_url}/dashboard")
        found = page.evaluate(RADAR_LABELS_CUT)
        assert found["count"] >= 5 and found["out"] == [], found
        page.locator("#radar").screenshot(path=str(SCREENSHOTS / f"radar-{lang}-{width}.png"))
        cell = page.locator("svg.heatmap a.heat-cell").first
        count = int(cell.locator("g").get_attribute("data-count"))
        cell.click()
        page.wait_for_url("**/risks?*")
        assert page.locator("#cell-filter").is_visible()
        assert page.locator("table.risks tbody tr[data-risk]").count() == count
    finally:
        context.close()
