"""``tekisei serve``: how it starts uvicorn, and what it says when it cannot start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database


@pytest.fixture
def started(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, loaded_db: Database
) -> dict[str, Any]:
    """What ``serve`` hands to uvicorn (uvicorn.run is replaced: no server starts)."""
    seen: dict[str, Any] = {}

    def run(app: Any, **options: Any) -> None:
        seen.update(options, app=app)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("TEKISEI_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("TEKISEI_DATA_DIR", str(settings.data_dir))
    return seen


def test_serve_leaves_forwarded_headers_to_the_app_alone(
    started: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TEKISEI_TRUSTED_PROXIES", "10.0.0.0/8")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own setting, which must not apply
    result = CliRunner().invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert started["proxy_headers"] is False
    assert started["port"] == 8123
    assert started["server_header"] is False
