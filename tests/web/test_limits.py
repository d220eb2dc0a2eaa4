"""Per-client limits are kept in the database: several server processes share them, the
answer over the limit says when to try again in Japanese and English, and old windows
are pruned."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tekisei.config import Settings, load_settings
from tekisei.db.limits import RateLimitRow
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
URL = "/api/provenance/verify/text"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def apps(settings: Settings, loaded_db: Database) -> Iterator[tuple[Any, Any, Clock]]:
    """Two instances of the app on one database (two server processes), one clock."""
    limited = load_settings(
        database_url=settings.resolved_database_url,
        data_dir=settings.data_dir,
        public_verify_per_minute=3,
    )
    clock = Clock(1_800_000_000.0)  # the start of a minute
    first, second = create_app(limited), create_app(limited)
    for app in (first, second):
        app.state.public_limiter.clock = clock
    yield first, second, clock
    for app in (first, second):
        app.state.database.close()


def _client(app: Any, address: str = "192.0.2.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_two_server_processes_share_the_public_limit(
    apps: tuple[Any, Any, Clock], loaded_db: Database
) -> None:
    first, second, clock = apps
    async with _client(first) as one, _client(second) as two, _client(second, "192.0.2.9") as nine:
        body = {"text": "w1 w2"}
        codes = [(await c.post(URL, json=body)).status_code for c in (one, two, one, two, one)]
        assert codes == [200, 200, 200, 429, 429]
        assert (await nine.post(URL, json=body)).status_code == 200  # another client
        clock.now += 45
        refused = await two.post(URL, json=body)
        assert refused.json()["detail"] == "too many checks from this address; try again in 15 s"
        assert refused.headers["Retry-After"] == "15"
        assert refused.json()["detail_ja"] == (
            "このアドレスからの確認が多すぎます。15秒後にもう一度お試しください。"
        )
        page = await one.post("/verify?lang=en", data={"text": "w1 w2"})
        assert page.status_code == 429 and "try again in 15 s" in page.text
        assert page.headers["Retry-After"] == "15"
        clock.now += 15  # the next minute
        assert (await two.post(URL, json=body)).status_code == 200
    with loaded_db.reading() as session:
        windows = set(session.scalars(select(RateLimitRow.window_start)))
    assert windows == {int(clock.now)}  # the finished minute was pruned


async def test_public_pdfs_are_limited_per_client_across_notices_statements_and_reports(
    settings: Settings, loaded_db: Database
) -> None:
    limited = load_settings(
        database_url=settings.resolved_database_url,
        data_dir=settings.data_dir,
        public_pdfs_per_minute=3,
    )
    app = create_app(limited)
    app.state.pdf_limiter.clock = Clock(1_800_000_000.0)
    try:
        async with _client(app) as one, _client(app, "192.0.2.9") as other:
            unknown = "A" * 20  # well formed, published by nobody
            for url in (
                f"/notices/{unknown}/pdf",
                "/orgs/acme/statement/pdf",
                f"/public/reports/{unknown}/pdf",
            ):
                assert (await one.get(url)).status_code == 404  # counted, then not found
            over = await one.get(
                f"/notices/{unknown}/versions/1/pdf", headers={"Accept-Language": "ja"}
            )
            assert over.status_code == 429 and int(over.headers["Retry-After"]) > 0
            assert "PDFのダウンロードが多すぎます" in over.text
            english = await one.get("/orgs/acme/statement/pdf", headers={"Accept-Language": "en"})
            assert english.status_code == 429 and "too many PDF downloads" in english.text
            assert (await other.get(f"/notices/{unknown}/pdf")).status_code == 404  # another client
            assert (await one.get(f"/notices/{unknown}")).status_code == 404  # pages: not counted
    finally:
        app.state.database.close()
