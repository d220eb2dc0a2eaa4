"""Reading and appending the anchor file: JSON lines of signed chain heads.

The file is append-only by design: lines are only ever added (``O_APPEND``, then
``fsync``), never rewritten. It belongs on another volume or host than the database
(``TEKISEI_AUDIT_ANCHOR_FILE``), so someone who can rewrite the database cannot
rewrite the witnesses too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from tekisei.core.audit import AuditAnchor, AuditProblem, NumberedAnchor
from tekisei.errors import ConfigError

MAX_LINE = 4096
"""Longest line read as an anchor; a longer one is reported as damaged."""
_BLOCK = 64 * 1024


@dataclass(frozen=True)
class AnchorLines:
    """What the file holds: the anchors, and a problem for each line that is not one."""

    exists: bool
    anchors: list[NumberedAnchor]
    damaged: list[AuditProblem]


def _damaged(number: int, reason: str, reason_ja: str) -> AuditProblem:
    return AuditProblem(
        "anchor",
        f"anchor line {number}: not an audit anchor ({reason}); the file was damaged or edited",
        f"アンカー {number} 行目: 監査ログのアンカーではありません（{reason_ja}）。"
        "ファイルが破損したか、編集されました",
    )


def _parse(number: int, raw: bytes) -> NumberedAnchor | AuditProblem | None:
    text = raw.strip()
    if not text:
        return None
    if len(text) > MAX_LINE:
        return _damaged(number, f"longer than {MAX_LINE} bytes", f"{MAX_LINE} バイトを超えています")
    try:
        return NumberedAnchor(number, AuditAnchor.model_validate_json(text))
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            return _damaged(number, "invalid JSON", "JSON として読めません")
        where = ".".join(str(p) for p in first["loc"]) or "line"
        return _damaged(number, f"{where}: {first['msg']}", f"{where} が不正です")


def _lines(path: Path) -> list[tuple[int, bytes]]:
    """Every line with its number; a line longer than MAX_LINE is cut (and reported)."""
    out: list[tuple[int, bytes]] = []
    with path.open("rb") as handle:
        number = 0
        while True:
            raw = handle.readline(MAX_LINE + 2)
            if not raw:
                return out
            number += 1
            if not raw.endswith(b"\n") and len(raw) > MAX_LINE:
                while (rest := handle.readline(_BLOCK)) and not rest.endswith(b"\n"):
                    pass
            out.append((number, raw))


def read_all(path: Path) -> AnchorLines:
    """Every anchor in the file, and a problem for each damaged line."""
    if not path.is_file():
        return AnchorLines(False, [], [])
    anchors: list[NumberedAnchor] = []
    damaged: list[AuditProblem] = []
    for number, raw in _lines(path):
        parsed = _parse(number, raw)
        if isinstance(parsed, NumberedAnchor):
            anchors.append(parsed)
        elif parsed is not None:
            damaged.append(parsed)
    return AnchorLines(True, anchors, damaged)


def read_latest(path: Path, org: str) -> AnchorLines:
    """The last anchor of ``org`` in the file, reading from its end (the file only grows,
    so this stays quick however long it gets). Damaged lines are skipped here; the full
    check (:func:`read_all`) reports them."""
    if not path.is_file():
        return AnchorLines(False, [], [])
    needle = f'"org":"{org}"'.encode()
    with path.open("rb") as handle:
        newlines = sum(block.count(b"\n") for block in iter(lambda: handle.read(_BLOCK), b""))
        size = handle.tell()
        lines = _reverse_lines(handle, size)
        handle.seek(max(size - 1, 0))
        number = newlines + (0 if handle.read(1) == b"\n" else 1)
        if number == newlines:
            next(lines, None)  # the empty rest after the final newline is not a line
        for raw in lines:
            if needle in raw.replace(b" ", b""):
                found = _parse(number, raw)
                if isinstance(found, NumberedAnchor) and found.anchor.org == org:
                    return AnchorLines(True, [found], [])
            number -= 1
    return AnchorLines(True, [], [])


def _reverse_lines(handle: BinaryIO, size: int) -> Iterator[bytes]:
    """The file's lines from last to first (an overlong line comes back cut, but still
    longer than MAX_LINE, so it is never taken for an anchor)."""
    position = size
    rest = b""
    while position > 0:
        step = min(_BLOCK, position)
        position -= step
        handle.seek(position)
        parts = (handle.read(step) + rest).split(b"\n")
        rest = parts[0][: MAX_LINE + 1]
        yield from reversed(parts[1:])
    yield rest


def append(path: Path, anchors: list[AuditAnchor]) -> None:
    """Append ``anchors`` to the file in one write, then ``fsync``.

    Raises:
        ConfigError: the file's folder does not exist (a volume that is not mounted is
            never silently replaced by a new folder) or it cannot be written.
    """
    if not path.parent.is_dir():
        raise ConfigError(
            f"the anchor file's folder {path.parent} does not exist; is the volume it "
            "belongs on mounted? Create the folder, or set TEKISEI_AUDIT_ANCHOR_FILE",
            ja=f"アンカーファイルのフォルダ {path.parent} がありません。置き場所のボリュームが"
            "マウントされているか確認し、フォルダを作るか TEKISEI_AUDIT_ANCHOR_FILE "
            "を設定してください。",
        )
    if not anchors:
        return
    data = "".join(json.dumps(a.model_dump(), ensure_ascii=False) + "\n" for a in anchors)
    created = not path.exists()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and _last_byte(path, size) != b"\n":
                data = "\n" + data  # never glue a line onto a damaged last line
            view = memoryview(data.encode("utf-8"))
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            folder = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the anchor file {path}: {exc.strerror}",
            ja=f"アンカーファイル {path} に書き込めません（{exc.strerror}）。",
        ) from None


def _last_byte(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(size - 1)
        return handle.read(1)
