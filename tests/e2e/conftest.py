"""A real server and Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tekisei.config import load_settings
from tekisei.services import catalog as catalog_service
from tekisei.services.database import open_database, upgrade_database
from tekisei.services.demo import load_demo
from tekisei.services.provenance import master_key
from tekisei.web.app import create_app
from tests.conftest import free_port, served, skip_or_fail, worker_running

SCREENSHOTS = Path(__file__).parent / "screenshots"
DEMO_PASSWORD: list[str] = []
E2E_SETTINGS: list[Any] = []
DEMO_TARGET_PORT = free_port()
"""Where the browser tests serve the demo target: the server's TEKISEI_DEMO_TARGET_URL."""
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
        raise AssertionError("unreachable")
    return path


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e")
    settings = load_settings(
        database_url=f"sqlite:///{folder / 'tekisei.db'}",
        data_dir=folder / "var",
        demo_target_url=f"http://127.0.0.1:{DEMO_TARGET_PORT}/v1",
        inquiry_min_seconds=0,  # a browser fills the public inquiry form faster than a person
        oidc_allow_private_issuers=True,  # the test OpenID provider listens on 127.0.0.1
    )
    upgrade_database(settings)
    database = open_database(settings)
    with database.transaction() as session:
        catalog_service.load_catalogs(session)
    # as `make run` loads it: with the sealing key, so the demo has its provenance samples
    demo = load_demo(database, folder / "var", master=master_key(settings))
    database.close()
    assert demo.password is not None
    DEMO_PASSWORD.append(demo.password)
    E2E_SETTINGS.append(settings)
    with served(create_app(settings)) as url, worker_running(settings):
        yield url  # and the worker 'make run' starts next to the server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module; closed after it so that Playwright's event loop never
    overlaps the asyncio tests."""
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install playwright)")
        raise
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    SCREENSHOTS.mkdir(exist_ok=True)
    yield page
    context.close()


def sign_in(page: Any, base_url: str, email: str, lang: str = "ja") -> None:
    """Sign ``page`` in as the demo member ``email`` (the demo's password), in ``lang``."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/lang/{lang}?next=/signin")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD[0])
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
