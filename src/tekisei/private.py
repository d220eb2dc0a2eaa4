"""Files and folders only the deployment's own user can read.

Everything tekisei keeps under its data folder (the SQLite database and its ``-wal`` and
``-shm`` files, evidence files, run logs, imported suites, keys, the PKI, tokenizers) is
created through here: folders 0700, files 0600. The modes are given when each is
created, so they hold whatever the process's umask is (a umask can only take bits
away) and whoever uses tekisei as a library; folders and files that exist already are
left as the operator set them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` as a folder, creating it and any missing parents with mode 0700."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # made meanwhile by another process
            continue
    return path


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 (and its folder with 0700) unless it exists,
    so that a program that opens it afterwards (SQLite) keeps that mode."""
    private_dir(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


def private_opener(path: str, flags: int) -> int:
    """An ``opener`` for :func:`open` that creates files with mode 0600:
    ``open(path, "a", opener=private_opener)``."""
    return os.open(path, flags, FILE_MODE)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole (a temporary file in the same folder, then a
    rename), mode 0600, flushed to disk."""
    private_dir(path.parent)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:  # mkstemp creates it 0600
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
