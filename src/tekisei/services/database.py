"""Opening the database and keeping its schema current."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from tekisei.config import Settings
from tekisei.core.policy import Policy
from tekisei.db.engine import NOWAIT, WRITE, make_engine, make_sessionmaker
from tekisei.db.migrate import current_revision, head_revision, upgrade
from tekisei.errors import ConflictError, DatabaseError
from tekisei.services.audit import SIGNER_KEY
from tekisei.services.signing import Signer, signer_for
from tekisei.services.storage import guard

POLICY_KEY = "policy"


WRITER_WAIT_SECONDS = 60
"""How long a writer of an SQLite database waits for the other writers of its process."""


class WriterBusyError(Exception):
    """A writer that may not wait found another thread of its process writing."""


def policy_of(session: Session) -> Policy:
    """The deployment's policy, as attached to the session (defaults otherwise)."""
    value = session.info.get(POLICY_KEY)
    return value if isinstance(value, Policy) else Policy()


@dataclass
class Database:
    """An engine, its session factory, and the signer of audit checkpoints."""

    engine: Engine
    sessions: sessionmaker[Session]
    signer: Signer | None = None
    files_dir: Path | None = None
    policy: Policy = field(default_factory=Policy)
    max_upload_bytes: int = 20 * 1024 * 1024
    _writer: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @contextmanager
    def one_writer(self, *, nowait: bool = False) -> Iterator[None]:
        """On SQLite, one writing transaction at a time in this process.

        SQLite has one write lock for the whole database, and a writer that finds it
        taken sleeps and tries again (busy_timeout): under load, some writers keep losing
        and fail after the timeout with "database is locked". Threads of one process
        queue here instead, blocked rather than polling; other processes still meet
        SQLite's own lock, with at most one writer each. PostgreSQL locks rows: nothing
        to do there.

        Raises:
            WriterBusyError: with ``nowait``, another thread is writing.
            DatabaseError: the other writers took longer than ``WRITER_WAIT_SECONDS``.
        """
        if self.engine.dialect.name != "sqlite":
            yield
            return
        if nowait:
            if not self._writer.acquire(blocking=False):
                raise WriterBusyError("another thread of this process is writing")
        elif not self._writer.acquire(timeout=WRITER_WAIT_SECONDS):
            raise DatabaseError(
                f"the database stayed busy for {WRITER_WAIT_SECONDS} s; try again shortly",
                ja=f"データベースが{WRITER_WAIT_SECONDS}秒間ふさがっていました。"
                "しばらくしてからもう一度お試しください。",
            )
        try:
            yield
        finally:
            self._writer.release()

    @contextmanager
    def transaction(self, *, nowait: bool = False) -> Iterator[Session]:
        """A session committed at the end of the block, rolled back on error.

        A change based on a row another transaction changed meanwhile (the row's
        version no longer matches) ends in ``ConflictError``. With ``nowait``, the
        transaction fails at once (``sqlalchemy.exc.OperationalError``, or
        ``WriterBusyError`` when another thread of this process writes) instead of
        waiting when another writer holds the lock it needs.
        """
        try:
            with (
                self.one_writer(nowait=nowait),
                guard("database", self.where),
                self.sessions() as session,
                session.begin(),
            ):
                connection = session.connection(execution_options={WRITE: True, NOWAIT: nowait})
                if nowait and connection.dialect.name == "postgresql":
                    connection.execute(text("SET LOCAL lock_timeout = '100ms'"))
                if self.signer is not None:
                    session.info[SIGNER_KEY] = self.signer
                session.info[POLICY_KEY] = self.policy
                yield session
        except StaleDataError:
            raise ConflictError(
                "someone else changed this at the same moment; reload it and try again",
                ja="同時に別の人が変更しました。読み込み直してからやり直してください。",
            ) from None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads; nothing it does is committed."""
        with guard("database", self.where), self.sessions() as session:
            session.info[POLICY_KEY] = self.policy
            yield session

    @property
    def where(self) -> str:
        """The database's URL, without its password (for logs)."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


@dataclass(frozen=True)
class DatabaseStatus:
    """Where the schema is and where it should be."""

    url: str
    current: str | None
    head: str | None

    @property
    def up_to_date(self) -> bool:
        """Whether the schema is at the newest revision."""
        return self.current == self.head


def open_database(settings: Settings, *, check_schema: bool = True) -> Database:
    """Connect to the configured database.

    Raises:
        DatabaseError: it cannot be reached, or (with ``check_schema``) its schema is
            not current; the message says which command fixes it.
    """
    engine = make_engine(settings.resolved_database_url)
    database = Database(
        engine=engine,
        sessions=make_sessionmaker(engine),
        signer=signer_for(settings),
        files_dir=settings.files_dir,
        max_upload_bytes=settings.max_upload_mb * 1024 * 1024,
        policy=replace(
            Policy.from_settings(
                settings.review_days,
                settings.gate_completeness,
                settings.approver_min_age_days,
                settings.time_zone,
                settings.continuity_drill_days,
            ),
            mail=settings.mail_enabled,
            default_lang=settings.default_lang,
        ),
    )
    if check_schema:
        status = database_status(database)
        if not status.up_to_date:
            database.close()
            raise DatabaseError(
                f"the database schema is at {status.current or 'nothing (empty database)'}, "
                f"not {status.head}; run 'tekisei db upgrade' first",
                ja=f"データベースのスキーマが最新（{status.head}）ではありません"
                f"（現在: {status.current or '空'}）。先に tekisei db upgrade を実行してください。",
            )
    return database


def database_status(database: Database) -> DatabaseStatus:
    """The schema revision of the database and of this tekisei version.

    Raises:
        DatabaseError: the database cannot be reached.
    """
    try:
        current = current_revision(database.engine)
    except OperationalError as exc:
        where = database.engine.url.render_as_string(hide_password=True)
        raise DatabaseError(
            f"cannot reach the database at {where}: "
            f"{exc.orig}; check TEKISEI_DATABASE_URL and that the server is running",
            ja=f"データベース {where} に接続できません（{exc.orig}）。"
            "TEKISEI_DATABASE_URL の設定と、サーバーが動いていることを確認してください。",
        ) from None
    return DatabaseStatus(
        url=database.engine.url.render_as_string(hide_password=True),
        current=current,
        head=head_revision(database.engine),
    )


def upgrade_database(settings: Settings) -> DatabaseStatus:
    """Create or migrate the schema to the newest revision (idempotent).

    Raises:
        DatabaseError: the database cannot be reached.
    """
    database = open_database(settings, check_schema=False)
    try:
        database_status(database)
        upgrade(database.engine)
        return database_status(database)
    finally:
        database.close()
