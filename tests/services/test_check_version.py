"""A stale version and a version that does not exist yet are refused with words that fit,
naming the record in each language."""

from __future__ import annotations

import pytest

from tekisei.errors import ConflictError
from tekisei.services.changes import check_version


def test_an_older_version_was_changed_since_and_a_newer_one_does_not_exist_yet() -> None:
    check_version("リスク", 3, 2, 2, kind_en="risk")
    with pytest.raises(ConflictError) as stale:
        check_version("リスク", 3, 1, 2, kind_en="risk")
    assert stale.value.message.startswith("risk 3 changed since version 1 (now 2)")
    assert (stale.value.message_ja or "").startswith("リスク 3 はバージョン1以降に変更されています")
    with pytest.raises(ConflictError) as ahead:
        check_version("管理策", "A.6.2.4", 1, 0, kind_en="control")
    assert ahead.value.message.startswith("control A.6.2.4 has no version 1 yet (it is at 0)")
    assert (ahead.value.message_ja or "").startswith("管理策 A.6.2.4 にバージョン1はまだありません")
    assert "changed" not in ahead.value.message


def test_a_record_that_is_one_of_its_kind_is_named_without_an_english_id_in_japanese() -> None:
    with pytest.raises(ConflictError) as stale:
        check_version("通知の設定", "", 1, 2, kind_en="the notification settings")
    assert stale.value.message.startswith("the notification settings changed since version 1")
    japanese = stale.value.message_ja or ""
    assert japanese.startswith("通知の設定はバージョン1以降に変更されています")
