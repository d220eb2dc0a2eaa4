"""Shared fixtures: a fresh database per test on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tekisei.config import Settings, load_settings
from tekisei.evals import create_demo_app
from tekisei.services import catalog as catalog_service
from tekisei.services.database import Database, open_database, upgrade_database

BACKENDS = ["sqlite", "postgresql"]

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Each xdist worker has a core of its own: torch's threads spinning over the other
    # worker's core made the tests that run a model three times slower.
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail when TEKISEI_REQUIRE_ALL=1 (as in CI)."""
    if os.environ.get("TEKISEI_REQUIRE_ALL") == "1":
        pytest.fail(f"{reason} (TEKISEI_REQUIRE_ALL=1 turns this skip into a failure)")
    pytest.skip(reason)


def _postgres_url() -> str:
    base = os.environ.get("TEKISEI_TEST_DATABASE_URL")
    if not base:
        skip_or_fail("TEKISEI_TEST_DATABASE_URL is not set")
        raise AssertionError("unreachable")
    return base


def _new_database_url(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'tekisei.db'}"
        return
    base = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        skip_or_fail(f"PostgreSQL at {base} is unreachable: {exc.orig}")
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend, new for every test."""
    yield from _new_database_url(request.param, tmp_path)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at the test's database and a private data folder."""
    return load_settings(database_url=database_url, data_dir=tmp_path / "var")


@pytest.fixture
def empty_db(settings: Settings) -> Iterator[Database]:
    """A migrated database with nothing loaded."""
    upgrade_database(settings)
    database = open_database(settings)
    yield database
    database.close()


@pytest.fixture
def loaded_db(empty_db: Database) -> Database:
    """A migrated database with the shipped catalogs loaded (a new one per test)."""
    with empty_db.transaction() as session:
        catalog_service.load_catalogs(session)
    return empty_db


@pytest.fixture(scope="session", params=BACKENDS)
def shared_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Settings of one loaded database per backend, shared by read-only tests."""
    folder = tmp_path_factory.mktemp(request.param)
    for url in _new_database_url(request.param, folder):
        settings = load_settings(database_url=url, data_dir=folder / "var")
        upgrade_database(settings)
        database = open_database(settings)
        with database.transaction() as session:
            catalog_service.load_catalogs(session)
        database.close()
        yield settings


@pytest.fixture(scope="session")
def shared_db(shared_settings: Settings) -> Iterator[Database]:
    """The shared loaded database; tests using it must not write."""
    database = open_database(shared_settings)
    yield database
    database.close()


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio."""
    return "asyncio"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last, on one worker (one server and one browser for all of them):
    Playwright's sync API keeps an event loop of its own."""
    items.sort(key=lambda item: "e2e" in item.keywords)
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(pytest.mark.xdist_group("e2e"))


def free_port() -> int:
    """A local TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve an ASGI app over real HTTP on ``port`` (a free local port by default), in a
    thread; yields its base URL (``http://127.0.0.1:PORT``)."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.fixture(scope="session")
def demo_url() -> Iterator[str]:
    """The demo target served over real HTTP for the whole session (its base URL)."""
    with served(create_demo_app()) as url:
        yield f"{url}/v1"


@contextmanager
def worker_running(settings: Settings, **overrides: Any) -> Iterator[Any]:
    """A worker (what ``tekisei worker`` runs) on a thread, on the test's database: runs
    started from the web and the API are queued, and need one to execute. Yields its
    configuration; stops it (runs in progress go back to the queue) on the way out."""
    from tekisei.services.eval_worker import WorkerConfig, run_worker

    database = open_database(settings)
    values: dict[str, Any] = {"poll_seconds": 0.05, "slots": 4} | overrides
    config = WorkerConfig.from_settings(settings, **values)
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(database, config, stop), daemon=True)
    thread.start()
    try:
        yield config
    finally:
        stop.set()
        thread.join(60)
        database.close()
