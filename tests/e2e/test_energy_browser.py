"""Energy records in a real browser on a 390 px phone: the demo city's administrator opens
the chatbot's energy records from its page, is told which field is wrong (an emission
factor without its source), records the corrected figures, reads the summary, removes
the record again, and the chatbot's public notice shows its environmental section; no
page is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, phone  # noqa: F401

pytestmark = pytest.mark.e2e


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def test_energy_is_recorded_summarised_and_shown_publicly_on_a_phone(
    phone: Any,  # noqa: F811
    base_url: str,
) -> None:
    page = phone
    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-city.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/systems")
    page.locator("tr[data-system] a", has_text="住民問い合わせチャットボット").first.click()
    page.wait_for_load_state()
    page.locator("#energy-link").click()
    page.wait_for_url(f"{base_url}/systems/*/energy")
    assert page.locator("h1").inner_text().startswith("環境負荷")
    _fits(page)

    form = page.locator("#energy-form")
    form.locator("#phase").select_option("fine_tuning")
    form.locator("#start").fill("2026-02-01")
    form.locator("#end").fill("2026-02-03")
    form.locator("#compute").fill("E2E GPU 8基 × 36時間")
    form.locator("#kwh").fill("345.6")
    form.get_by_label("実測", exact=True).check()
    form.locator("#source").fill("E2E クラウド事業者の利用報告")
    form.locator("#factor").fill("0.5")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "出典" in page.locator("#err-factor_source").inner_text()
    assert page.locator("#kwh").input_value() == "345.6"  # nothing typed is lost
    _fits(page)

    page.locator("#factor_source").fill("E2E 電力会社の公表値")
    page.locator("#energy-form").get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.locator("#flash").is_visible()
    row = page.locator('table.energy-summary tr[data-phase="fine_tuning"]').inner_text()
    assert "345.6 kWh" in row and "172.8 kg-CO2e" in row and "実測値" in row
    record = page.locator("#energy-records li", has_text="E2E クラウド事業者の利用報告")
    assert record.is_visible()
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "energy-phone.png"), full_page=True)

    record.get_by_role("button", name="削除").click()
    page.wait_for_load_state()
    assert page.locator("#energy-records li", has_text="E2E クラウド事業者の利用報告").count() == 0

    register = page.request.get(f"{base_url}/api/public/orgs/demo-city/register").json()
    chatbot = next(s for s in register["systems"] if s["name"] == "住民問い合わせチャットボット")
    page.goto(f"{base_url}{chatbot['notice_url']}?lang=ja")
    section = page.locator("#energy")
    assert section.is_visible() and "推計値" in section.inner_text()
    _fits(page)
