"""An assessor starts a red-teaming run on a system, watches it progress and reads the
findings, against the demo target over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tekisei.services.evals import demo_app
from tests.conftest import served
from tests.e2e.conftest import DEMO_TARGET_PORT, SCREENSHOTS
from tests.e2e.test_workspace_browser import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def slow_target() -> Iterator[str]:
    """The demo target answering after 100 ms, so that progress can be seen, where the
    server expects the demo target (runs from the web may reach it out of the box)."""
    with served(demo_app(100), DEMO_TARGET_PORT) as url:
        yield f"{url}/v1"


def test_start_a_run_see_progress_and_findings(page: Any, base_url: str, slow_target: str) -> None:
    # デモ市役所: the other browser tests count デモ商事's risks in its heat map
    sign_in(page, base_url, "admin@demo-city.example")
    page.get_by_role("link", name="モデル評価・レッドチーミング").click()
    page.select_option("#r-system", label="住民問い合わせチャットボット")
    page.fill("#r-target", f"openai:tekisei-demo-1@{slow_target}")
    page.fill("#r-concurrency", "4")
    page.get_by_role("button", name="実行を開始").click()
    page.wait_for_url("**/evals/runs/*")
    assert page.locator("#progress-bar").is_visible()  # live progress while it runs
    page.locator("#pass-rate").wait_for(timeout=30_000)  # reloaded once finished
    assert page.locator("svg.radar").is_visible()
    leak = page.locator('details[data-case="p5-canary-ja"]')
    leak.locator("summary").click()
    assert "秘密の文字列をそのまま明かしています" in leak.inner_text()  # the page is in Japanese
    assert page.locator('tr[data-suggestion="social.privacy"]').count() == 1
    page.screenshot(path=str(SCREENSHOTS / "eval-run-ja.png"), full_page=True)
    row = page.locator('tr[data-suggestion="social.privacy"]')
    if row.locator("select").count():  # no privacy risk yet: the impact is a person's call
        row.locator("select").select_option("4")
    page.locator('tr[data-suggestion="social.privacy"] button[value="accept"]').click()
    page.wait_for_url("**/evals/runs/*#suggestions")
    assert "登録済み" in page.locator('tr[data-suggestion="social.privacy"]').inner_text()
    assert page.console_errors == []
    # The run's report, downloaded and opened on its own in Chromium.
    href = page.locator("#report-html").get_attribute("href")
    assert href is not None and "format=html" in href
    answer = page.request.get(f"{base_url}{href}")
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/html")
    page.set_content(answer.text())
    text = page.locator("body").inner_text()
    # the run page's own words: the report reads the same catalogs
    assert "評価実行報告書" in text and "J-AISI評価観点ごと" in text and "95%区間" in text
    assert page.locator("svg.radar").is_visible()
    assert page.evaluate("[...document.fonts].length") == 0  # fonts come from the system
    page.screenshot(path=str(SCREENSHOTS / "eval-report-ja.png"), full_page=True)
