"""Shared fixtures: a fresh database per test on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
import uvicorn
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from tekisei.config import Settings, load_settings
from tekisei.evals import create_demo_app
from tekisei.services import catalog as catalog_service
from tekisei.services import passwords
from tekisei.services.database import Database, open_database, upgrade_database

BACKENDS = ["sqlite", "postgresql"]

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Each xdist worker has a core of its own: torch's threads spinning over the other
    # worker's core made the tests that run a model three times slower.
    os.environ.setdefault("OMP_NUM_THREADS", "1")


# Passwords are hashed at argon2-cffi's cheapest profile (in subprocesses too): at the
# production cost, hashing was a third of the CPU time of the tests that create accounts.
# Tests of what hashing's cost does to concurrent requests ask for real_password_hashing.
os.environ.setdefault("TEKISEI_PASSWORD_HASH_COST", "cheapest")


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


def _new_database_url(
    backend: str, folder: Path, templates: DatabaseTemplates | None = None
) -> Iterator[str]:
    """An empty database: a file on SQLite, a schema of its own on PostgreSQL (dropped at
    the end, unless ``templates`` takes it back into its pool)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'tekisei.db'}"
        return
    base = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        skip_or_fail(f"PostgreSQL at {base} is unreachable: {exc.orig}")
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    try:
        yield url
    finally:
        if templates is None or not templates.take_back(url):
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _schema_of(url: str) -> str:
    options = make_url(url).query.get("options", "")
    assert isinstance(options, str) and options.startswith("-csearch_path="), url
    return options.removeprefix("-csearch_path=")


def _pg_dump() -> str | None:
    """The pg_dump of the newest PostgreSQL installed, if any."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_dump"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return found[-1] if found else shutil.which("pg_dump")


# What a PostgreSQL schema is made of: the objects in it and those that hang on them
# (indexes, constraints, defaults, sequences, types) by identity, and the tables' columns.
# A schema whose structure a test changed is not lent again. (Read through the indexes of
# pg_depend and pg_attribute: the test database holds many schemas.)
_STRUCTURE = """
WITH RECURSIVE objects(classid, objid) AS (
    SELECT classid, objid FROM pg_depend
    WHERE refclassid = 'pg_namespace'::regclass
      AND refobjid = (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s)
  UNION
    SELECT d.classid, d.objid FROM pg_depend d
    JOIN objects o ON d.refclassid = o.classid AND d.refobjid = o.objid
)
SELECT md5(concat(
    (SELECT string_agg(concat_ws(':', classid, objid), ',' ORDER BY classid, objid)
     FROM objects),
    (SELECT string_agg(concat_ws(':', attrelid, attnum, attname, atttypid, atttypmod,
                                 attnotnull, attisdropped), ',' ORDER BY attrelid, attnum)
     FROM pg_attribute
     WHERE attrelid IN (SELECT objid FROM objects WHERE classid = 'pg_class'::regclass))
))
"""


@dataclass(frozen=True)
class _SchemaTemplate:
    """A PostgreSQL template as SQL, with ``{schema}`` for the schema's name."""

    script: str  # creates the schema with its tables and rows
    reset: str  # turns the rows of such a schema back into the template's


class DatabaseTemplates:
    """Migrated databases, with and without the shipped catalogs, made once per test
    process and copied for each test: migrating and loading took most of a test's time.

    SQLite's copy is its backup API. On PostgreSQL a test's schema is lent from a pool of
    copies of the template (the template's pg_dump replayed; without pg_dump, the
    migrations), renamed to the test's schema name; when the test ends, its rows are
    deleted, the template's inserted again and the schema goes back to the pool, unless
    the test changed its structure (then it is dropped). Replaying the dump and dropping
    the schema took 0.4 s of the server's CPU a test; resetting the rows takes 0.04 s.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: dict[bool, str] = {}
        self._postgres: dict[bool, _SchemaTemplate | None] = {}
        self._schemas: list[Iterator[str]] = []
        self._connection: psycopg.Connection[Any] | None = None
        self._pool: dict[bool, list[str]] = {False: [], True: []}
        self._structures: dict[str, str] = {}  # pooled schema → its structure when made
        self._lent: dict[str, tuple[str, bool]] = {}  # test's schema → (pooled, loaded)

    def _build(self, url: str, folder: Path, loaded: bool) -> None:
        settings = load_settings(database_url=url, data_dir=folder / "var")
        upgrade_database(settings)
        if loaded:
            database = open_database(settings)
            with database.transaction() as session:
                catalog_service.load_catalogs(session)
            database.close()

    def _sqlite_template(self, loaded: bool) -> str:
        """The SQLite template's file."""
        if loaded not in self._sqlite:
            folder = self._folder / f"sqlite-{'loaded' if loaded else 'empty'}"
            folder.mkdir()
            self._build(f"sqlite:///{folder / 'template.db'}", folder, loaded)
            self._sqlite[loaded] = str(folder / "template.db")
        return self._sqlite[loaded]

    def _postgres_template(self, loaded: bool) -> _SchemaTemplate | None:
        """The PostgreSQL template (None when pg_dump is missing or cannot dump)."""
        if loaded in self._postgres:
            return self._postgres[loaded]
        self._postgres[loaded] = None
        pg_dump = _pg_dump()
        if pg_dump is None:
            return None
        folder = self._folder / f"postgresql-{'loaded' if loaded else 'empty'}"
        folder.mkdir()
        schemas = _new_database_url("postgresql", folder)
        url = next(schemas)
        self._schemas.append(schemas)
        self._build(url, folder, loaded)
        schema = _schema_of(url)
        server = make_url(_postgres_url())

        def dump(*options: str) -> str | None:
            dumped = subprocess.run(
                [pg_dump, "--schema", schema, "--no-owner", "--no-privileges", *options,
                 "--inserts", "--rows-per-insert=1000", "--host", server.host or "127.0.0.1",
                 "--port", str(server.port or 5432), "--username", server.username or "postgres",
                 server.database or "postgres"],
                capture_output=True, text=True, check=False,
                env={**os.environ, "PGPASSWORD": server.password or ""},
            )  # fmt: skip
            if dumped.returncode != 0:  # another major version than the server's, for one
                return None
            # psql's meta-commands (\restrict) are not SQL
            lines = [line for line in dumped.stdout.splitlines() if not line.startswith("\\")]
            return "\n".join(lines).replace(schema, "{schema}")

        script, rows = dump(), dump("--data-only")
        if script is None or rows is None:
            return None
        with self._admin().cursor() as cursor:
            tables = cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", [schema]
            ).fetchall()
        # Rows go without foreign-key checks (the replica role skips those triggers): the
        # rows put back are the template's, consistent as a whole.
        reset = "SET LOCAL session_replication_role = replica;\n"
        reset += "".join(f'DELETE FROM "{{schema}}"."{table}";\n' for (table,) in tables)
        self._postgres[loaded] = _SchemaTemplate(script, reset + rows)
        return self._postgres[loaded]

    def _admin(self) -> psycopg.Connection[Any]:
        if self._connection is None or self._connection.closed:
            server = make_url(_postgres_url()).set(drivername="postgresql")
            self._connection = psycopg.connect(
                server.render_as_string(hide_password=False), autocommit=True
            )
        return self._connection

    def _structure(self, schema: str) -> str:
        row = self._admin().execute(_STRUCTURE, {"schema": schema}).fetchone()
        assert row is not None
        return str(row[0])

    def fill(self, url: str, *, loaded: bool) -> None:
        """Make the empty, unopened database at ``url`` a migrated one (with the shipped
        catalogs when ``loaded``), as a copy of a template."""
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            template = self._sqlite_template(loaded)
            target_path = Path(parsed.database or "")
            # created private, as tekisei creates its database
            os.close(os.open(target_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            source, target = sqlite3.connect(template), sqlite3.connect(target_path)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
            return
        made = self._postgres_template(loaded)
        if made is None:
            self._build(url, self._folder, loaded)
            return
        schema = _schema_of(url)
        if self._pool[loaded]:
            pooled = self._pool[loaded].pop()
        else:
            pooled = f"p_{uuid.uuid4().hex[:16]}"
            self._admin().execute(made.script.replace("{schema}", pooled))
            self._structures[pooled] = self._structure(pooled)
        self._admin().execute(
            f'DROP SCHEMA "{schema}"; ALTER SCHEMA "{pooled}" RENAME TO "{schema}"'
        )
        self._lent[schema] = (pooled, loaded)

    def take_back(self, url: str) -> bool:
        """Put the schema of ``url`` back into the pool, as the template was, if it came
        from there; whether it did (if so, it is gone from ``url`` either way)."""
        lent = self._lent.pop(_schema_of(url), None)
        if lent is None:
            return False
        pooled, loaded = lent
        made = self._postgres[loaded]
        assert made is not None
        connection = self._admin()
        try:
            connection.execute(f'ALTER SCHEMA "{_schema_of(url)}" RENAME TO "{pooled}"')
            if self._structure(pooled) == self._structures[pooled]:
                with connection.transaction():
                    connection.execute(made.reset.replace("{schema}", pooled))
                self._pool[loaded].append(pooled)
                return True
        except psycopg.Error:  # a test that dropped it, or a role that may not skip triggers
            pass
        for schema in (pooled, _schema_of(url)):
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        return True

    def idle(self, *, loaded: bool) -> int:
        """How many PostgreSQL schemas wait in the pool."""
        return len(self._pool[loaded])

    def close(self) -> None:
        """Drop the PostgreSQL templates and the schemas of the pool."""
        if self._connection is not None:
            for pooled in self._pool[False] + self._pool[True]:
                self._connection.execute(f'DROP SCHEMA IF EXISTS "{pooled}" CASCADE')
            self._connection.close()
        for schemas in self._schemas:
            for _ in schemas:
                pass


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplates]:
    """The migrated databases each test's database is copied from."""
    templates = DatabaseTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.close()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, database_templates: DatabaseTemplates
) -> Iterator[str]:
    """An empty database of each backend, new for every test."""
    yield from _new_database_url(request.param, tmp_path, database_templates)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at the test's database and a private data folder."""
    return load_settings(database_url=database_url, data_dir=tmp_path / "var")


@pytest.fixture
def empty_db(settings: Settings, database_templates: DatabaseTemplates) -> Iterator[Database]:
    """A migrated database with nothing loaded."""
    database_templates.fill(settings.resolved_database_url, loaded=False)
    database = open_database(settings)
    yield database
    database.close()


@pytest.fixture
def loaded_db(
    request: pytest.FixtureRequest, settings: Settings, database_templates: DatabaseTemplates
) -> Iterator[Database]:
    """A migrated database with the shipped catalogs loaded (a new one per test)."""
    if "empty_db" in request.fixturenames:  # the test's database is open already
        database: Database = request.getfixturevalue("empty_db")
        with database.transaction() as session:
            catalog_service.load_catalogs(session)
        yield database
        return
    database_templates.fill(settings.resolved_database_url, loaded=True)
    database = open_database(settings)
    yield database
    database.close()


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
def real_password_hashing() -> Iterator[None]:
    """New password hashes at the production cost during the test. A hash is checked at the
    cost it was made at: list the fixture before those that create accounts (or use
    ``pytest.mark.usefixtures``)."""
    before = passwords.hash_cost()
    passwords.use_hash_cost("rfc9106-low-memory")
    yield
    passwords.use_hash_cost(before)


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
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the test server did not start within 15 s")
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


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real OpenID provider (npm ``oidc-provider`` under Node), one per test worker."""
    from tests.oidc_provider import missing, running_provider

    reason = missing()
    if reason is not None:
        skip_or_fail(reason)
    with running_provider(tmp_path_factory.mktemp("oidc") / "provider.log") as provider:
        yield provider
