"""Storage that is full or read-only: recognised, told clearly, checked at start-up.

A disk that fills up or a data folder mounted read-only shows as an ``OSError``
(``ENOSPC``, ``EROFS`` …) or a database error (SQLite's "database or disk is full",
PostgreSQL's ``disk_full``). :func:`storage_error` turns those into a
:class:`~tekisei.errors.StorageError` (HTTP 503, with a message in both languages and
one log line naming the store, its location and the system's reason);
:func:`check_writable` is what ``tekisei serve`` runs before it starts.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tekisei.config import Settings
from tekisei.errors import StorageError
from tekisei.private import private_dir

Problem = Literal["full", "read-only"]

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_SQLITE_FULL = ("database or disk is full",)
_SQLITE_READ_ONLY = ("readonly database", "unable to open database file")
_POSTGRES_FULL = {"53100"}  # disk_full
_POSTGRES_READ_ONLY = {"25006"}  # read_only_sql_transaction

MESSAGES: dict[Problem, tuple[str, str]] = {
    "full": (
        "the server's storage for {what} is full, so nothing was saved; try again later, "
        "and tell the administrator if it keeps happening",
        "サーバーの保存領域（{what_ja}）がいっぱいのため、保存できませんでした。"
        "変更は保存されていません。時間をおいてやり直し、続くときは管理者に連絡してください。",
    ),
    "read-only": (
        "the server cannot write its {what} (its storage is read-only), so nothing was "
        "saved; tell the administrator",
        "サーバーが{what_ja}の保存先に書き込めないため、保存できませんでした。"
        "変更は保存されていません。管理者に連絡してください。",
    ),
}
WHAT_JA = {
    "database": "データベース",
    "evidence files": "証跡ファイル",
    "run logs": "評価の実行ログ",
    "data folder": "データフォルダー",
}


def problem_of(exc: BaseException) -> Problem | None:
    """Whether ``exc`` says the storage is full or read-only (None for anything else)."""
    if isinstance(exc, OSError) and not isinstance(exc, DBAPIError):
        if exc.errno in _FULL_ERRNOS:
            return "full"
        if exc.errno in _READ_ONLY_ERRNOS:
            return "read-only"
        return None
    if isinstance(exc, DBAPIError):
        original = exc.orig
        state = getattr(original, "sqlstate", None)
        if state in _POSTGRES_FULL:
            return "full"
        if state in _POSTGRES_READ_ONLY:
            return "read-only"
        text = str(original).lower()
        if any(words in text for words in _SQLITE_FULL):
            return "full"
        if any(words in text for words in _SQLITE_READ_ONLY):
            return "read-only"
    return None


def storage_error(exc: BaseException, what: str, where: str) -> StorageError | None:
    """The :class:`StorageError` for ``exc`` when it is a full or read-only store."""
    problem = problem_of(exc)
    if problem is None:
        return None
    en, ja = MESSAGES[problem]
    reason = str(exc.orig) if isinstance(exc, DBAPIError) else str(exc)
    return StorageError(
        en.format(what=what),
        ja=ja.format(what_ja=WHAT_JA.get(what, what)),
        what=what,
        where=where,
        problem=problem,
        reason=reason.strip().splitlines()[0] if reason.strip() else type(exc).__name__,
    )


@contextmanager
def guard(what: str, where: Path | str) -> Iterator[None]:
    """Turn a full or read-only store met inside the block into a StorageError."""
    try:
        yield
    except (OSError, DBAPIError) as exc:
        error = storage_error(exc, what, str(where))
        if error is None:
            raise
        raise error from None


def _probe(folder: Path, what: str) -> None:
    try:
        private_dir(folder)
        descriptor, name = tempfile.mkstemp(dir=folder, prefix=".tekisei-write-check-")
        os.close(descriptor)
        os.unlink(name)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StorageError(
            f"the {what} {folder} is not writable ({reason}); make it writable by this "
            "user, or point TEKISEI_DATA_DIR at a folder that is",
            ja=f"{WHAT_JA.get(what, what)} {folder} に書き込めません（{reason}）。"
            "このユーザーが書き込めるようにするか、TEKISEI_DATA_DIR に書き込めるフォルダーを"
            "指定してください。",
            what=what,
            where=str(folder),
            problem="full" if exc.errno in _FULL_ERRNOS else "read-only",
            reason=reason,
        ) from None


def check_writable(settings: Settings) -> None:
    """Check, before serving, that the data folder, the evidence and run-log folders and
    an SQLite database can be written.

    Raises:
        StorageError: one of them cannot; the message names it, the reason and the fix.
    """
    _probe(settings.data_dir, "data folder")
    _probe(settings.files_dir, "evidence files")
    _probe(settings.data_dir / "runs", "run logs")
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        _probe(path.parent, "database")  # SQLite writes its -wal and -shm files beside it
        if path.exists() and not os.access(path, os.W_OK):
            raise StorageError(
                f"the database {path} is read-only; make it writable by this user",
                ja=f"データベース {path} に書き込めません。"
                "このユーザーが書き込めるようにしてください。",
                what="database",
                where=str(path),
                problem="read-only",
                reason="not writable",
            )
