"""Backups of a whole deployment: create and verify one encrypted archive.

An archive holds, in this order: the deployment secret (it derives the audit signing
key and seals the watermark keys), the database (taken first, so every file a row
refers to is already on disk), every file of the data folder (evidence files, run
logs, imported suites, tokenizers, the signing PKI, …) and a manifest with the
SHA-256 of every member. Restoring is in ``services/backup_restore.py``.

The SQLite copy or PostgreSQL dump passes through a private scratch folder (0700)
beside the output file, and is removed when the archive is written.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import text

from tekisei.config import Settings
from tekisei.core.backups import (
    DATA_PREFIX,
    DUMP_MEMBER,
    MANIFEST_FORMAT,
    SECRET_MEMBER,
    SQLITE_MEMBER,
    Manifest,
    Member,
    member_parts,
)
from tekisei.errors import (
    ConflictError,
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
SQLITE_FILES = ("", "-wal", "-shm", "-journal")


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


def io_error(exc: OSError, *, restoring: bool) -> TekiseiError:
    """A clear error for a file that cannot be read or written (disk full, permissions)."""
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
        excluded |= {Path(f"{sqlite}{suffix}").resolve() for suffix in SQLITE_FILES}
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
            raise io_error(exc, restoring=False) from None
        raise
    return BackupSummary(output, output.stat().st_size, manifest)


# ----------------------------------------------------------------------------- read


def damaged(what: str, what_ja: str) -> IntegrityError:
    """The error of an archive whose contents are not what it should hold."""
    return IntegrityError(
        f"the backup archive is damaged: {what}; nothing is restored from it",
        ja=f"バックアップのアーカイブが壊れています（{what_ja}）。何も復元しません。",
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
    with open_archive(path) as handle:
        stream = PlainStream(ArchiveReader(handle, passphrase).chunks())
        seen: list[Member] = []
        names: set[str] = set()
        while (header := member_header(stream)) is not None:
            if header.kind == "manifest":
                if header.size > MAX_MANIFEST:
                    raise damaged("its manifest is too large", "マニフェストが大きすぎます")
                manifest = Manifest.model_validate_json(stream.read(header.size))
                if not stream.at_end():
                    raise damaged("data follows its manifest", "マニフェストの後にデータがあります")
                break
            if not _known(header.name) or header.name in names:
                raise damaged(
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
            raise damaged("it has no manifest", "マニフェストがありません")
    if seen != manifest.members:
        listed = {m.name: m for m in manifest.members}
        wrong = next(
            (m.name for m in seen if listed.get(m.name) != m),
            next((n for n in listed if n not in names), "?"),
        )
        raise damaged(
            f"member {wrong} does not match the manifest",
            f"メンバー {wrong} がマニフェストと一致しません",
        )
    if sum(n in (SQLITE_MEMBER, DUMP_MEMBER) for n in names) != 1 or SECRET_MEMBER not in names:
        raise damaged("the database or the secret is missing", "データベースか秘密鍵がありません")
    return manifest


def open_archive(path: Path) -> BinaryIO:
    """Open an archive for reading.

    Raises:
        NotFoundError: there is no such file.
    """
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
