"""A stale version and a version that does not exist yet are refused with words that fit."""

from __future__ import annotations

import pytest

from tekisei.errors import ConflictError
from tekisei.services.changes import check_version


def test_an_older_version_was_changed_since_and_a_newer_one_does_not_exist_yet() -> None:
    check_version("リスク", 3, 2, 2)
    with pytest.raises(ConflictError, match="changed since version 1 \\(now 2\\)") as stale:
        check_version("リスク", 3, 1, 2)
    assert "変更されています" in (stale.value.message_ja or "")
    with pytest.raises(ConflictError, match="has no version 1 yet \\(it is at 0\\)") as ahead:
        check_version("管理策", "A.6.2.4", 1, 0)
    assert "まだありません" in (ahead.value.message_ja or "")
    assert "changed" not in ahead.value.message
