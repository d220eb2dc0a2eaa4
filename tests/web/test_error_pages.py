"""An unexpected error answers a page in the reader's language (JSON under /api), never a
traceback or Starlette's bare "Internal Server Error"."""

from __future__ import annotations

import logging

import httpx
import pytest
from bs4 import BeautifulSoup

from tekisei.config import Settings
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("lang", "title", "words"),
    [("ja", "サーバーのエラー", "予期しない問題"), ("en", "Server error", "Something went wrong")],
)
async def test_an_unexpected_error_is_a_page_in_the_readers_language(
    settings: Settings,
    loaded_db: Database,
    lang: str,
    title: str,
    words: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(settings)

    def boom() -> None:
        raise RuntimeError("secret internals: /srv/tekisei/db password=hunter2")

    app.add_api_route("/boom", boom)
    app.add_api_route("/api/boom", boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            with caplog.at_level(logging.ERROR):
                page = await client.get("/boom", params={"lang": lang})
            assert page.status_code == 500
            assert page.headers["content-type"].startswith("text/html")
            soup = BeautifulSoup(page.text, "html.parser")
            assert soup.select_one("h1").text.strip() == title
            assert words in soup.select_one(".error-message").text
            assert "hunter2" not in page.text and "Traceback" not in page.text
            api = await client.get("/api/boom")
            assert api.status_code == 500
            assert set(api.json()) == {"detail", "detail_ja"} and "hunter2" not in api.text
    finally:
        app.state.database.close()
    # the server log keeps what went wrong
    assert any("hunter2" in (record.exc_text or "") or record.exc_info for record in caplog.records)
