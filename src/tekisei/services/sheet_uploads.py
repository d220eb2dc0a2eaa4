"""Files held between an import's preview and its confirmation (the web pages' two steps).

The preview page keeps the uploaded file under the data folder and gives the browser a
random token; the confirmation names the token, and the file is read again, validated
again and written (or refused). A held file belongs to the member who uploaded it, in
the organisation they uploaded it to, for one target, and is kept for an hour at most;
taking it removes it, so a confirmation cannot be replayed.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from tekisei.core.orgs import Principal
from tekisei.errors import NotFoundError
from tekisei.private import private_dir, write_private
from tekisei.services.sheet_imports import Target

HOLD_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _folder(data_dir: Path) -> Path:
    return private_dir(data_dir / "imports")


def _expired() -> NotFoundError:
    return NotFoundError(
        "the uploaded file is no longer held (an hour passed, or it was imported already); "
        "upload it again",
        ja="アップロードしたファイルの保管期限が切れたか、取り込み済みです。"
        "もう一度アップロードしてください。",
    )


def prune(data_dir: Path, *, now: float | None = None) -> None:
    """Remove held files older than :data:`HOLD_SECONDS`."""
    moment = time.time() if now is None else now
    for path in _folder(data_dir).glob("*.json"):
        try:
            held = json.loads(path.read_text(encoding="utf-8"))
            old = moment - float(held["at"]) > HOLD_SECONDS
        except (OSError, ValueError, KeyError, TypeError):
            old = True
        if old:
            path.with_suffix(".bin").unlink(missing_ok=True)
            path.unlink(missing_ok=True)


def hold(data_dir: Path, principal: Principal, target: Target, filename: str, data: bytes) -> str:
    """Keep ``data`` for the principal's confirmation; the token that names it."""
    prune(data_dir)
    token = secrets.token_urlsafe(24)
    folder = _folder(data_dir)
    write_private(folder / f"{token}.bin", data)
    meta = {
        "org": principal.org_id,
        "user": principal.user_id,
        "email": principal.email,
        "target": target,
        "filename": filename,
        "at": time.time(),
    }
    write_private(folder / f"{token}.json", json.dumps(meta, ensure_ascii=False).encode("utf-8"))
    return token


def take(data_dir: Path, principal: Principal, target: Target, token: str) -> tuple[str, bytes]:
    """The held file's name and bytes, removed from the folder.

    Raises:
        NotFoundError: no such token, it expired, or it is someone else's.
    """
    if not _TOKEN.match(token):
        raise _expired()
    folder = _folder(data_dir)
    meta_path, data_path = folder / f"{token}.json", folder / f"{token}.bin"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = data_path.read_bytes()
    except (OSError, ValueError):
        raise _expired() from None
    mine = (
        meta.get("org") == principal.org_id
        and meta.get("user") == principal.user_id
        and meta.get("email") == principal.email
        and meta.get("target") == target
    )
    if not mine:
        raise _expired()
    meta_path.unlink(missing_ok=True)
    data_path.unlink(missing_ok=True)
    if time.time() - float(meta.get("at", 0)) > HOLD_SECONDS:
        raise _expired()
    return str(meta.get("filename", "")), data
