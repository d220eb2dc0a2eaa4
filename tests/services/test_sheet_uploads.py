"""Files held between an import's preview and its confirmation: only for the member who
uploaded them, for one target, once, and for an hour."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from tekisei.core.orgs import Principal, Role
from tekisei.errors import NotFoundError
from tekisei.services import sheet_uploads

ADMIN = Principal(user_id=1, email="admin@acme.example", org_id=1, org_slug="acme", role=Role.ADMIN)


def test_a_held_file_is_taken_once_by_its_uploader(tmp_path: Path) -> None:
    token = sheet_uploads.hold(tmp_path, ADMIN, "systems", "台帳.xlsx", b"data")
    folder = tmp_path / "imports"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())
    assert sheet_uploads.take(tmp_path, ADMIN, "systems", token) == ("台帳.xlsx", b"data")
    with pytest.raises(NotFoundError):
        sheet_uploads.take(tmp_path, ADMIN, "systems", token)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    "who",
    [
        Principal(user_id=2, email="ed@acme.example", org_id=1, org_slug="acme", role=Role.ADMIN),
        Principal(user_id=1, email="admin@acme.example", org_id=2, org_slug="other",
                  role=Role.ADMIN),
    ],
)  # fmt: skip
def test_someone_else_or_another_organisation_cannot_take_it(
    tmp_path: Path, who: Principal
) -> None:
    token = sheet_uploads.hold(tmp_path, ADMIN, "risks", "r.csv", b"data")
    with pytest.raises(NotFoundError):
        sheet_uploads.take(tmp_path, who, "risks", token)
    with pytest.raises(NotFoundError):
        sheet_uploads.take(tmp_path, ADMIN, "systems", token)  # another target
    for bad in ("", "../../secret", "x" * 32 + "/"):
        with pytest.raises(NotFoundError):
            sheet_uploads.take(tmp_path, ADMIN, "risks", bad)
    assert sheet_uploads.take(tmp_path, ADMIN, "risks", token)[1] == b"data"


def test_files_older_than_an_hour_are_gone(tmp_path: Path) -> None:
    token = sheet_uploads.hold(tmp_path, ADMIN, "systems", "x.csv", b"data")
    meta = tmp_path / "imports" / f"{token}.json"
    held = json.loads(meta.read_text(encoding="utf-8"))
    held["at"] = time.time() - sheet_uploads.HOLD_SECONDS - 1
    meta.write_text(json.dumps(held), encoding="utf-8")
    with pytest.raises(NotFoundError):
        sheet_uploads.take(tmp_path, ADMIN, "systems", token)
    stale = sheet_uploads.hold(tmp_path, ADMIN, "systems", "y.csv", b"data")
    sheet_uploads.prune(tmp_path, now=time.time() + sheet_uploads.HOLD_SECONDS + 1)
    assert not (tmp_path / "imports" / f"{stale}.bin").exists()
