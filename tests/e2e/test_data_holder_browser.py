"""The data-holder register in a real browser on a 390 px phone: an administrator records a
dataset of a system, opens the register from the folded menu, adds the holder of that data
linked to the dataset, logs a communication and a benefit arrangement, and finds the holder
on the dataset record's page; no page is wider than the screen."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS
from tests.e2e.test_phone_browser import NARROW_CELLS, OVERFLOW, phone  # noqa: F401

pytestmark = pytest.mark.e2e
NAME = "報道写真の通信社"
DATASET = "報道写真アーカイブ（2020–2025年）"


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["width"] + 1 and not found["out"], (page.url, found)
    assert page.evaluate(NARROW_CELLS) == [], page.url


def test_a_data_holder_is_added_logged_and_given_benefits_on_a_phone(
    phone: Any,  # noqa: F811
    base_url: str,
) -> None:
    page = phone
    page.goto(f"{base_url}/signin")
    page.fill("#email", "admin@demo-corp.example")
    page.fill("#password", DEMO_PASSWORD[0])
    page.get_by_role("button", name="サインイン").click()
    page.wait_for_load_state()

    page.goto(f"{base_url}/systems")
    href = page.locator("a[href^='/systems/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href')).find(h => /^\\/systems\\/\\d+$/.test(h))"
    )
    system_id = re.sub(r"\D", "", href)
    page.goto(f"{base_url}/records/datasets/new?system={system_id}")
    page.locator("#record-form #name").fill(DATASET)
    page.locator("#record-form").get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r".*/records/datasets/\d+"))
    dataset_url = page.url.split("?")[0].split("#")[0]

    page.get_by_role("button", name="メニュー").click()
    page.get_by_role("link", name="データ保有者", exact=True).click()
    page.wait_for_url(f"{base_url}/data-holders")
    assert page.locator("h1").inner_text() == "データ保有者"
    _fits(page)

    form = page.locator("#holder-form")
    form.locator("#name").fill(NAME)
    form.locator("#kind").select_option("companies")
    form.locator("#data").fill("報道写真 12万点（キャプション付き）")
    form.get_by_label("著作権").check()
    form.locator("#contact").fill("ライセンス部 03-0000-0000")
    form.get_by_label(DATASET).check()
    form.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r".*/data-holders/\d+"))
    assert page.locator("h1").inner_text() == NAME
    assert page.locator("#flash").is_visible()
    facts = page.locator("#holder-facts").inner_text()
    assert "企業" in facts and "著作権" in facts and DATASET in facts
    _fits(page)

    log = page.locator("#communication-form")
    log.locator("#channel").select_option("meeting")
    log.locator("#summary").fill("学習への利用状況を説明し、要望を聞いた。")
    log.locator("#outcome").fill("生成画像にクレジットを表記することで合意した。")
    log.get_by_role("button", name="記録する").click()
    page.wait_for_load_state()
    entry = page.locator("#communication-log li[data-communication]")
    assert entry.count() == 1 and "面談・会議" in entry.inner_text()
    _fits(page)

    benefit = page.locator("#benefit-form")
    benefit.locator("#benefit-kind").select_option("attribution")
    benefit.locator("#recipient").fill(NAME)
    benefit.locator("#method").fill("生成画像の説明欄に通信社名を表記する。")
    benefit.locator("#since").fill("2026-04-01")
    benefit.locator("#benefit-status").select_option("active")
    benefit.get_by_role("button", name="追加する").click()
    page.wait_for_load_state()
    row = page.locator("#benefit-list li[data-benefit]")
    assert row.count() == 1 and "クレジット表記" in row.inner_text()
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "data-holder-phone-ja.png"), full_page=True)

    page.goto(dataset_url)
    assert NAME in page.locator("#dataset-holders").inner_text()
    _fits(page)
    page.goto(f"{base_url}/data-holders?right=copyright")
    assert NAME in page.locator("#holders-table").inner_text()
    _fits(page)
