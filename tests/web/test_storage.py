"""A full disk or a read-only data folder gives a clear 503 (both languages, JSON for
/api and a page otherwise) and one log line naming the store; ``tekisei serve`` says
clearly when its data folder cannot be written. Tested with real failures: SQLite's
page limit, a small tmpfs and a read-only mount."""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from bs4 import BeautifulSoup
from sqlalchemy import event, func, select
from typer.testing import CliRunner

from tekisei.cli.app import app as cli_app
from tekisei.config import Settings, load_settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db.assessments import EvidenceRow
from tekisei.errors import StorageError
from tekisei.evals import NetworkPolicy
from tekisei.services import evals as eval_files
from tekisei.services import orgs, users
from tekisei.services.database import open_database, upgrade_database
from tekisei.services.evals import RunRequest
from tekisei.web.app import create_app
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
PDF = b"%PDF-1.7\n" + b"0" * (200 * 1024) + b"\n%%EOF\n"


@contextmanager
def tmpfs(folder: Path, *options: str) -> Iterator[Path]:
    """A real tmpfs mounted at ``folder`` (needs root, as in CI)."""
    if os.geteuid() != 0:
        skip_or_fail("mounting a tmpfs needs root")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        skip_or_fail(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _prepare(settings: Settings) -> str:
    upgrade_database(settings)
    database = open_database(settings)
    try:
        with database.transaction() as session:
            orgs.create_org(
                session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
            )
            users.create_user(
                session,
                users.UserCreate(email="a@acme.example", password=PASSWORD),
                "acme",
                Role.ADMIN,
                "cli",
                must_change_password=False,
            )
            token, _ = users.create_token(session, "a@acme.example", "acme")
    finally:
        database.close()
    return token


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """An SQLite deployment (the page limit is SQLite's) with an admin token."""
    settings = load_settings(data_dir=tmp_path / "var")
    token = _prepare(settings)
    application = create_app(settings)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield {
            "client": client,
            "app": application,
            "settings": settings,
            "auth": {"Authorization": f"Bearer {token}"},
        }
    application.state.database.close()


def fill_the_database(application: Any) -> None:
    """Let the SQLite database grow no further than it is now."""
    engine = application.state.database.engine
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    @event.listens_for(engine, "connect")
    def _limit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    engine.dispose()


def storage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("storage ")]


async def test_a_full_database_answers_503_and_logs_what_is_full(
    site: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    client, auth = site["client"], site["auth"]
    fill_the_database(site["app"])
    caplog.set_level(logging.ERROR)
    statuses = []
    for number in range(200):
        body = {"name": f"system {number}", "org_role": "user", "purpose": "x" * 2000}
        response = await client.post("/api/systems", json=body, headers=auth)
        statuses.append(response.status_code)
        if response.status_code != 201:
            break
    assert statuses[-1] == 503, statuses
    assert set(statuses[:-1]) <= {201}
    answer = response.json()
    assert "storage for database is full" in answer["detail"]
    assert "いっぱい" in answer["detail_ja"]
    lines = storage_lines(caplog)
    assert len(lines) == 1
    assert "storage full: cannot write the database at sqlite:///" in lines[0]
    assert "database or disk is full" in lines[0]
    # Reading still works.
    assert (await client.get("/api/systems", headers=auth)).status_code == 200


@pytest.mark.parametrize(
    ("lang", "heading"), [("ja", "一時的に利用できません"), ("en", "Temporarily unavailable")]
)
async def test_a_full_database_answers_pages_with_a_page(
    site: dict[str, Any], lang: str, heading: str
) -> None:
    client = site["client"]
    form = BeautifulSoup((await client.get("/signin")).text, "html.parser")
    login = form.select_one('input[name="login_csrf"]')
    assert login is not None
    signed_in = await client.post(
        "/signin",
        data={"email": "a@acme.example", "password": PASSWORD, "login_csrf": str(login["value"])},
    )
    assert signed_in.status_code == 303, signed_in.text
    page = BeautifulSoup((await client.get("/systems/new")).text, "html.parser")
    csrf = page.select_one('input[name="csrf"]')
    assert csrf is not None
    fill_the_database(site["app"])
    for number in range(200):
        response = await client.post(
            "/systems/new",
            headers={"Accept-Language": lang},
            data={
                "csrf": str(csrf["value"]),
                "name": f"system {number}",
                "org_role": "user",
                "purpose": "x" * 2000,
            },
        )
        if response.status_code != 303:
            break
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("text/html")
    shown = BeautifulSoup(response.text, "html.parser")
    assert shown.select_one("h1").get_text() == heading  # type: ignore[union-attr]
    message = shown.select_one(".error-message")
    assert message is not None and ("いっぱい" if lang == "ja" else "is full") in message.text


async def test_a_full_evidence_folder_answers_503_and_keeps_nothing_half_written(
    site: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    client, auth, settings = site["client"], site["auth"], site["settings"]
    caplog.set_level(logging.ERROR)
    with tmpfs(settings.files_dir, "size=64k", "mode=0700"):
        response = await client.post(
            "/api/evidence/files",
            headers=auth,
            files={"file": ("big.pdf", PDF, "application/pdf")},
        )
        assert response.status_code == 503, response.text
        assert "evidence files is full" in response.json()["detail"]
        assert "証跡ファイル" in response.json()["detail_ja"]
        assert [p for p in settings.files_dir.rglob("*") if p.is_file()] == []
    lines = storage_lines(caplog)
    assert len(lines) == 1 and "cannot write the evidence files at" in lines[0]
    assert "No space left on device" in lines[0]
    with site["app"].state.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceRow)) == 0


async def test_a_read_only_evidence_folder_answers_503(site: dict[str, Any]) -> None:
    client, auth, settings = site["client"], site["auth"], site["settings"]
    with tmpfs(settings.files_dir, "ro", "size=64k"):
        response = await client.post(
            "/api/evidence/files",
            headers=auth,
            files={"file": ("small.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")},
        )
    assert response.status_code == 503, response.text
    assert "read-only" in response.json()["detail"]


def test_serve_refuses_to_start_on_a_read_only_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    data = tmp_path / "var"
    with tmpfs(data, "ro", "size=64k"):
        env = {
            "TEKISEI_DATA_DIR": str(data),
            "TEKISEI_DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'tekisei.db'}",
            "LANG": "C.UTF-8",
        }
        result = CliRunner().invoke(cli_app, ["serve"], env=env)
    output = result.output + (result.stderr or "")
    assert result.exit_code == 9, output
    assert f"the data folder {data} is not writable (Read-only file system)" in output
    assert "TEKISEI_DATA_DIR" in output
    assert started == []


def test_a_read_only_run_log_folder_is_named_when_a_run_starts(
    tmp_path: Path, demo_url: str
) -> None:
    data = tmp_path / "var"
    with tmpfs(data / "runs", "ro", "size=64k"):
        request = RunRequest(
            suite="tekisei-basics",
            target=f"openai:tekisei-demo-1@{demo_url}",
            network=NetworkPolicy.local(),
        )
        with pytest.raises(StorageError) as caught:
            eval_files.prepare(data, request)
    assert caught.value.what == "run logs" and caught.value.problem == "read-only"
    assert caught.value.where == str(data / "runs")
    assert "Read-only file system" in caught.value.reason
    assert "実行ログ" in (caught.value.message_ja or "")
