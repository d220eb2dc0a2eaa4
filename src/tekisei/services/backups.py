"""Backups of a whole deployment: create, verify and restore one encrypted archive.

An archive holds, in this order: the deployment secret (it derives the audit signing
key and seals the watermark keys), the database (taken first, so every file a row
refers to is already on disk), every file of the data folder (evidence files, run
logs, imported suites, tokenizers, the signing PKI, …) and a manifest with the
SHA-256 of every member. Restoring writes nothing where it could be seen until the
whole archive has been read and checked: files go to a private staging folder and
PostgreSQL rows into one transaction, and any failure removes both.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tekisei.config import Settings
from tekisei.core.backups import (
    DATA_PREFIX,
    DUMP_MEMBER,
    MANIFEST_FORMAT,
    MAX_SECRET,
    SECRET_MEMBER,
    SQLITE_MEMBER,
    Manifest,
    Member,
    member_parts,
)
from tekisei.db.engine import make_engine
from tekisei.errors import (
    ConfigError,
    ConflictError,
    DatabaseError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
    TekiseiError,
)
from tekisei.services import backup_database as db_backup
from tekisei.services.audit import now_iso
from tekisei.services.backup_archive import (
    ArchiveReader,
    ArchiveWriter,
    MemberWriter,
    PlainStream,
    file_pieces,
    member_header,
)
from tekisei.services.database import Database

MIN_PASSPHRASE = 12
MAX_MANIFEST = 256 * 1024 * 1024
_SQLITE_FILES = ("", "-wal", "-shm", "-journal")


def check_passphrase(passphrase: str) -> None:
    """A passphrase for a new archive must be long enough to resist guessing.

    Raises:
        InvalidInputError: it is shorter than MIN_PASSPHRASE characters.
    """
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInputError(
            f"the passphrase must be at least {MIN_PASSPHRASE} characters long",
            ja=f"パスフレーズは {MIN_PASSPHRASE} 文字以上にしてください。",
        )


def _io_error(exc: OSError, *, restoring: bool) -> TekiseiError:
    where = exc.filename or "a file"
    if restoring:
        return TekiseiError(
            f"cannot write {where}: {exc.strerror}; nothing was restored (free space or fix "
            "the permissions, then run the restore again)",
            ja=f"{where} に書き込めません（{exc.strerror}）。何も復元していません。"
            "空き容量や権限を確かめてから、もう一度実行してください。",
        )
    return TekiseiError(
        f"cannot read or write {where}: {exc.strerror}; no backup was written (free space or "
        "fix the permissions, then run it again)",
        ja=f"{where} を読み書きできません（{exc.strerror}）。バックアップは作成していません。"
        "空き容量や権限を確かめてから、もう一度実行してください。",
    )


# ----------------------------------------------------------------------------- create


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _data_files(settings: Settings, database: Database) -> tuple[list[tuple[str, Path]], list[str]]:
    """Every regular file of the data folder to back up, and what was skipped."""
    root = settings.data_dir
    excluded = {(root / "secret.key").resolve()}
    sqlite = db_backup.sqlite_path(database.engine)
    if sqlite is not None:
        excluded |= {Path(f"{sqlite}{suffix}").resolve() for suffix in _SQLITE_FILES}
    files: list[tuple[str, Path]] = []
    skipped: list[str] = []
    if not root.is_dir():
        return files, skipped
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs.sort()
        base = Path(folder)
        for name in [*sorted(dirs), *sorted(names)]:
            path = base / name
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                skipped.append(f"{relative} (symbolic link)")
                dirs[:] = [d for d in dirs if d != name]
            elif name in dirs or path.resolve() in excluded:
                continue
            elif not path.is_file():
                skipped.append(f"{relative} (not a regular file)")
            elif member_parts(relative) is None:
                skipped.append(f"{relative!r} (a name that cannot be restored safely)")
            else:
                files.append((DATA_PREFIX + relative, path))
    return files, skipped


def _sqlite_revision(path: Path) -> str | None:
    connection = sqlite3.connect(path)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return str(row[0]) if row else None


def _add_database(database: Database, writer: MemberWriter, scratch: Path) -> str | None:
    """Add the database member; returns the schema revision it is at."""
    engine = database.engine
    if db_backup.backend(engine) == "sqlite":
        copy = scratch / "sqlite.db"
        db_backup.copy_sqlite(engine, copy)
        os.chmod(copy, 0o600)
        writer.add(SQLITE_MEMBER, copy.stat().st_size, file_pieces(copy, copy.stat().st_size))
        return _sqlite_revision(copy)
    dump = scratch / "dump.jsonl"
    snapshot = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with snapshot as connection, connection.begin():
        # One read-only snapshot: every table as it was at the same moment.
        connection.execute(text("SET TRANSACTION READ ONLY"))
        revision, tables = db_backup.read_tables(connection)
        fd = os.open(dump, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(db_backup.dump_header("postgresql", revision))
            for line in db_backup.dump_lines(tables):
                handle.write(line)
    writer.add(DUMP_MEMBER, dump.stat().st_size, file_pieces(dump, dump.stat().st_size))
    return revision


@dataclass(frozen=True)
class BackupSummary:
    """What ``create_backup`` wrote."""

    path: Path
    size: int
    manifest: Manifest


def create_backup(
    settings: Settings,
    database: Database,
    output: Path,
    passphrase: str,
    *,
    tekisei_version: str = "unknown",
    kdf_cost: int = 2**17,
) -> BackupSummary:
    """Write one consistent, encrypted archive of the deployment to ``output`` (0600).

    Raises:
        InvalidInputError: a weak passphrase, or ``output`` inside the data folder.
        ConflictError: ``output`` already exists.
    """
    check_passphrase(passphrase)
    if _inside(output.parent, settings.data_dir):
        raise InvalidInputError(
            f"write the backup outside the data folder {settings.data_dir} "
            "(it would contain itself, and every later backup every earlier one)",
            ja=f"バックアップはデータフォルダ {settings.data_dir} の外に書き出してください"
            "（自分自身や以前のバックアップを含んでしまいます）。",
        )
    if output.exists():
        raise ConflictError(
            f"{output} already exists; choose another name (a backup never overwrites a file)",
            ja=f"{output} はすでにあります。別の名前を指定してください"
            "（バックアップはファイルを上書きしません）。",
        )
    source = "environment" if settings.secret_key is not None else "file"
    secret = settings.secret().encode("utf-8")
    partial = output.with_name(output.name + ".partial")
    try:
        with ExitStack() as stack:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=output.parent)))
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            out = stack.enter_context(os.fdopen(fd, "wb"))
            writer = MemberWriter(ArchiveWriter(out, passphrase, kdf_cost=kdf_cost))
            writer.add_bytes(SECRET_MEMBER, secret)
            revision = _add_database(database, writer, scratch)
            files, skipped = _data_files(settings, database)
            for name, path in files:
                size = path.stat().st_size
                writer.add(name, size, file_pieces(path, size))
            manifest = Manifest(
                format=MANIFEST_FORMAT,
                created_at=now_iso(),
                tekisei_version=tekisei_version,
                database=db_backup.backend(database.engine),
                revision=revision,
                secret_source=source,
                members=writer.members,
                skipped=skipped,
            )
            writer.finish(manifest)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, output)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _io_error(exc, restoring=False) from None
        raise
    return BackupSummary(output, output.stat().st_size, manifest)


# ----------------------------------------------------------------------------- read


def _damaged(what: str, what_ja: str) -> IntegrityError:
    return IntegrityError(
        f"the backup archive is damaged: {what}; nothing was restored from it",
        ja=f"バックアップのアーカイブが壊れています（{what_ja}）。何も復元していません。",
    )


def _known(name: str) -> bool:
    if name in (SECRET_MEMBER, SQLITE_MEMBER, DUMP_MEMBER):
        return True
    return name.startswith(DATA_PREFIX) and member_parts(name[len(DATA_PREFIX) :]) is not None


Consumer = Callable[[str, int, Iterator[bytes]], None]


def _hashed(pieces: Iterator[bytes], digest: hashlib._Hash) -> Iterator[bytes]:
    for piece in pieces:
        digest.update(piece)
        yield piece


def read_archive(path: Path, passphrase: str, consume: Consumer) -> Manifest:
    """Decrypt ``path`` and hand each member to ``consume`` (name, size, pieces), then
    check every member against the manifest.

    Raises:
        IntegrityError: a wrong passphrase, a changed or truncated archive, a member name
            that is not safe, or a member that does not match the manifest.
        InvalidInputError: the file is not a tekisei backup.
    """
    with _open(path) as handle:
        stream = PlainStream(ArchiveReader(handle, passphrase).chunks())
        seen: list[Member] = []
        names: set[str] = set()
        while (header := member_header(stream)) is not None:
            if header.kind == "manifest":
                if header.size > MAX_MANIFEST:
                    raise _damaged("its manifest is too large", "マニフェストが大きすぎます")
                manifest = Manifest.model_validate_json(stream.read(header.size))
                if not stream.at_end():
                    raise _damaged(
                        "data follows its manifest", "マニフェストの後にデータがあります"
                    )
                break
            if not _known(header.name) or header.name in names:
                raise _damaged(
                    f"it holds a member named {header.name!r}, which is not allowed here",
                    f"使えない名前のメンバー {header.name!r} があります",
                )
            names.add(header.name)
            digest = hashlib.sha256()
            pieces = _hashed(stream.pieces(header.size), digest)
            consume(header.name, header.size, pieces)
            for _ in pieces:
                pass
            seen.append(Member(name=header.name, size=header.size, sha256=digest.hexdigest()))
        else:
            raise _damaged("it has no manifest", "マニフェストがありません")
    if seen != manifest.members:
        listed = {m.name: m for m in manifest.members}
        wrong = next(
            (m.name for m in seen if listed.get(m.name) != m),
            next((n for n in listed if n not in names), "?"),
        )
        raise _damaged(
            f"member {wrong} does not match the manifest",
            f"メンバー {wrong} がマニフェストと一致しません",
        )
    if sum(n in (SQLITE_MEMBER, DUMP_MEMBER) for n in names) != 1 or SECRET_MEMBER not in names:
        raise _damaged("the database or the secret is missing", "データベースか秘密鍵がありません")
    return manifest


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except (FileNotFoundError, IsADirectoryError):
        raise NotFoundError(f"{path}: no such file", ja=f"{path}: ファイルがありません。") from None


def verify_backup(path: Path, passphrase: str) -> Manifest:
    """Decrypt the whole archive and check every member's SHA-256; write nothing.

    Raises:
        IntegrityError: see :func:`read_archive`.
        InvalidInputError: see :func:`read_archive`.
    """
    return read_archive(path, passphrase, lambda name, size, pieces: None)


# ----------------------------------------------------------------------------- restore


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
                raise _damaged("its secret is too long", "秘密鍵が長すぎます")
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
            raise _damaged(f"member {name} points outside", f"メンバー {name} が外を指しています")
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
    with _open(path) as handle:  # a wrong passphrase fails here, before any folder exists
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
            for suffix in _SQLITE_FILES:
                Path(f"{sqlite_target}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(staging.folder, ignore_errors=True)
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _io_error(exc, restoring=True) from None
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
