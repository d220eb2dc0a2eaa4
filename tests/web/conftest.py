"""An ASGI client on the shared loaded database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tekisei.config import Settings
from tekisei.web.app import create_app


@pytest.fixture
async def client(shared_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(shared_settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    app.state.database.close()
