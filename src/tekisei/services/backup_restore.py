"""Restoring a backup into an empty data folder and an empty database, all or nothing.

Files go to a private staging folder inside the data folder and are moved into place
only once the whole archive has been read and every member checked against the
manifest; PostgreSQL rows are loaded in one transaction together with the schema, and
SQLite is built beside the staging files. Any failure removes all of it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tekisei.config import Settings
from tekisei.core.backups import (
    DATA_PREFIX,
    DUMP_MEMBER,
    MAX_SECRET,
    SECRET_MEMBER,
    SQLITE_MEMBER,
    Manifest,
    member_parts,
)
from tekisei.db.engine import make_engine
from tekisei.errors import ConfigError, ConflictError, DatabaseError
from tekisei.services import backup_database as db_backup
from tekisei.services.backup_archive import ArchiveReader, file_pieces
from tekisei.services.backups import SQLITE_FILES, damaged, io_error, open_archive, read_archive


def _refuse_non_empty(settings: Settings) -> None:
    root = settings.data_dir
    if root.exists():
        entries = sorted(p.name for p in root.iterdir()) if root.is_dir() else [root.name]
        if entries:
            shown = ", ".join(entries[:5]) + (" …" if len(entries) > 5 else "")
            raise ConflictError(
                f"the data folder {root} is not empty ({shown}); restore needs an empty or new "
                "folder: set TEKISEI_DATA_DIR to one",
                ja=f"データフォルダ {root} が空ではありません（{shown}）。復元には空のフォルダか"
                "新しいフォルダが必要です。TEKISEI_DATA_DIR で指定してください。",
            )
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        # Opening SQLite would create the file: look at it without opening it for writing.
        path = Path(url.database) if url.database and url.database != ":memory:" else None
        tables = _sqlite_tables(path) if path is not None and path.exists() else []
    else:
        engine = make_engine(settings.resolved_database_url)
        try:
            tables = db_backup.is_empty(engine)
        except OperationalError as exc:
            where = engine.url.render_as_string(hide_password=True)
            raise DatabaseError(
                f"cannot reach the database at {where}: {exc.orig}; check "
                "TEKISEI_DATABASE_URL and that the server is running",
                ja=f"データベース {where} に接続できません（{exc.orig}）。"
                "TEKISEI_DATABASE_URL の設定と、サーバーが動いていることを確認してください。",
            ) from None
        finally:
            engine.dispose()
    if tables:
        shown = ", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")
        raise ConflictError(
            f"the database at TEKISEI_DATABASE_URL already has tables ({shown}); restore needs an "
            "empty database: create a new one (PostgreSQL: createdb) or point "
            "TEKISEI_DATABASE_URL at one",
            ja=f"TEKISEI_DATABASE_URL のデータベースにはすでにテーブルがあります（{shown}）。"
            "復元には空のデータベースが必要です。新しく作る（PostgreSQL なら createdb）か、"
            "TEKISEI_DATABASE_URL で空のデータベースを指定してください。",
        )


def _sqlite_tables(path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(str(row[0]) for row in rows)
    finally:
        connection.close()


def _write(path: Path, pieces: Iterator[bytes]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        for piece in pieces:
            handle.write(piece)
        handle.flush()
        os.fsync(handle.fileno())


@dataclass
class _Staging:
    """Where a restore puts everything until the archive has been checked."""

    folder: Path
    expected_secret: str | None
    secret: str | None = None
    database: str | None = None
    files: int = 0
    made: set[Path] = field(default_factory=set)

    def consume(self, name: str, size: int, pieces: Iterator[bytes]) -> None:
        if name == SECRET_MEMBER:
            if size > MAX_SECRET:
                raise damaged("its secret is too long", "秘密鍵が長すぎます")
            self.secret = b"".join(pieces).decode("utf-8")
            if self.expected_secret is not None and self.expected_secret != self.secret:
                raise ConfigError(
                    "this backup was made with another TEKISEI_SECRET_KEY than the one set now; "
                    "unset TEKISEI_SECRET_KEY (the restore then writes the backup's secret to "
                    "<data_dir>/secret.key) or set it to the value it had when the backup was "
                    "made. With another secret, the audit log no longer verifies and the "
                    "watermark keys cannot be opened",
                    ja="このバックアップは、現在とは別の TEKISEI_SECRET_KEY で作られています。"
                    "TEKISEI_SECRET_KEY の設定を外す（復元時にバックアップの秘密鍵を "
                    "<data_dir>/secret.key に書き込みます）か、バックアップ作成時の値を設定して"
                    "ください。別の秘密鍵では監査ログの検証も電子透かしの鍵の利用もできません。",
                )
            return
        if name in (SQLITE_MEMBER, DUMP_MEMBER):
            self.database = name
            _write(self.folder / "database", pieces)
            return
        parts = member_parts(name[len(DATA_PREFIX) :])
        assert parts is not None  # read_archive lets only safe names through
        target = self.folder / "data"
        for part in parts[:-1]:
            target = target / part
            if target not in self.made:
                target.mkdir(mode=0o700, exist_ok=True)
                self.made.add(target)
        destination = target / parts[-1]
        if not destination.resolve().is_relative_to((self.folder / "data").resolve()):
            raise damaged(f"member {name} points outside", f"メンバー {name} が外を指しています")
        _write(destination, pieces)
        self.files += 1


@dataclass(frozen=True)
class RestoreSummary:
    """What ``restore_backup`` restored."""

    manifest: Manifest
    files: int
    rows: int | None
    """Rows loaded (None when a SQLite file was put in place as it was)."""
    database: str
    """The backend restored into."""


def restore_backup(settings: Settings, path: Path, passphrase: str) -> RestoreSummary:
    """Restore an archive into an empty data folder and an empty database.

    Nothing is left behind when it fails: not a file, not a table.

    Raises:
        ConflictError: the data folder or the database is not empty.
        ConfigError: TEKISEI_SECRET_KEY is set to another secret than the backup's.
        IntegrityError: a wrong passphrase, or a changed or truncated archive.
        InvalidInputError: the file is not a tekisei backup.
    """
    _refuse_non_empty(settings)
    with open_archive(path) as handle:  # a wrong passphrase fails here, before any folder exists
        ArchiveReader(handle, passphrase)
    root = settings.data_dir
    created = None if root.exists() else _first_missing(root)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = _Staging(
        root / f".restore-{secrets.token_hex(8)}",
        settings.secret_key.get_secret_value() if settings.secret_key is not None else None,
    )
    staging.folder.mkdir(mode=0o700)
    (staging.folder / "data").mkdir(mode=0o700)
    moved: list[Path] = []
    sqlite_target: Path | None = None
    try:
        manifest = read_archive(path, passphrase, staging.consume)
        assert staging.database is not None and staging.secret is not None
        url = settings.resolved_database_url
        engine = make_engine(url)
        try:
            target = db_backup.backend(engine)
            sqlite_target = db_backup.sqlite_path(engine)
            rows = _restore_database(engine, staging, manifest, moved, root)
        finally:
            engine.dispose()
    except BaseException as exc:
        for item in reversed(moved):
            _remove(item)
        if sqlite_target is not None:
            for suffix in SQLITE_FILES:
                Path(f"{sqlite_target}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(staging.folder, ignore_errors=True)
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        if isinstance(exc, OSError):
            raise io_error(exc, restoring=True) from None
        raise
    shutil.rmtree(staging.folder, ignore_errors=True)
    return RestoreSummary(manifest, staging.files, rows, target)


def _first_missing(path: Path) -> Path:
    """The outermost folder of ``path`` that does not exist yet (removed on failure)."""
    while not path.parent.exists():
        path = path.parent
    return path


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _put_files_in_place(staging: _Staging, root: Path, moved: list[Path]) -> None:
    for entry in sorted((staging.folder / "data").iterdir()):
        destination = root / entry.name
        os.replace(entry, destination)
        moved.append(destination)
    if staging.expected_secret is None:
        secret_file = root / "secret.key"
        assert staging.secret is not None
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        moved.append(secret_file)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(staging.secret)


def _source_tables(
    staging: _Staging, stack: ExitStack
) -> tuple[str | None, Iterator[db_backup.TableRows]]:
    dump = staging.folder / "database"
    if staging.database == DUMP_MEMBER:
        return db_backup.parse_dump(db_backup.split_lines(file_pieces(dump, dump.stat().st_size)))
    source = make_engine(f"sqlite:///{dump}")
    stack.callback(source.dispose)
    connection = stack.enter_context(source.connect())
    return db_backup.read_tables(connection)


def _restore_database(
    engine: Engine, staging: _Staging, manifest: Manifest, moved: list[Path], root: Path
) -> int | None:
    sqlite_target = db_backup.sqlite_path(engine)
    if sqlite_target is not None and staging.database == SQLITE_MEMBER:
        # The same backend: the copy goes in place as it is, then is brought up to date.
        sqlite_target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _put_files_in_place(staging, root, moved)
        shutil.move(staging.folder / "database", sqlite_target)
        moved.append(sqlite_target)
        os.chmod(sqlite_target, 0o600)
        with engine.begin() as connection:
            db_backup.upgrade_schema(connection, "head")
        return None
    with ExitStack() as stack:
        revision, tables = _source_tables(staging, stack)
        revision = revision or manifest.revision
        if sqlite_target is not None:
            # Build the SQLite file beside the staging data, then put it in place.
            built = staging.folder / "built.db"
            builder = make_engine(f"sqlite:///{built}")
            try:
                with builder.begin() as connection:
                    rows = db_backup.restore_rows(connection, revision, tables)
            finally:
                builder.dispose()
            _put_files_in_place(staging, root, moved)
            sqlite_target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.move(built, sqlite_target)
            moved.append(sqlite_target)
            os.chmod(sqlite_target, 0o600)
            return rows
        with engine.begin() as connection:
            rows = db_backup.restore_rows(connection, revision, tables)
            _put_files_in_place(staging, root, moved)
        return rows
