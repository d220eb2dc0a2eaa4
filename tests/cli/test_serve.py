"""``tekisei serve``: one process or several, answering on the configured port; how it
starts uvicorn, and what it says when it cannot start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.services.database import Database


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def test_serve_with_two_workers_answers_from_two_processes(tmp_path: Path) -> None:
    env = os.environ | {"TEKISEI_DATA_DIR": str(tmp_path / "var")}
    env.pop("TEKISEI_DATABASE_URL", None)
    command = [sys.executable, "-m", "tekisei"]
    subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*command, "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 240
        answer = None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200, "serve did not start"
        assert answer.json() == {"status": "ok"}
        workers = _children(server.pid)
        assert len(workers) >= 2
        assert (tmp_path / "var" / "secret.key").is_file()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
    assert server.returncode == 0


def test_serve_refuses_an_unmigrated_database_once_with_a_clear_message(tmp_path: Path) -> None:
    env = os.environ | {"TEKISEI_DATA_DIR": str(tmp_path / "var")}
    env.pop("TEKISEI_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "tekisei", "serve", "--workers", "2", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 6
    assert done.stderr.count("tekisei db upgrade") == 1


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
