"""The password policy, the sign-in back-off and the separation-of-duties flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tekisei.core.users import (
    MAX_PASSWORD,
    ApprovalFlag,
    approval_flags,
    backoff,
    check_password,
    wait_words,
)
from tekisei.errors import InvalidInputError

COMMON = frozenset({"password", "dragon", "qwerty123456", "monkey"})


def test_a_sentence_of_words_is_accepted() -> None:
    check_password("correct horse battery", "taro.yamada@example.jp", COMMON)
    check_password("水曜日の会議は午後三時から", "taro@example.jp", COMMON)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "12 to 256"),
        ("x" * (MAX_PASSWORD + 1), "12 to 256"),
        ("qwerty123456", "common"),
        ("QWERTY123456", "common"),
        ("Dragon2024!!!!", "common"),
        ("!!monkey123456789", "common"),
        ("aaaaaaaaaaaaaaaa", "common"),
        ("abababababab", "common"),
        ("abcdefghijklmno", "in order"),
        ("9876543210987", "in order"),
        ("qwertyuiopasdf", "in order"),
        ("taro.yamada-secret", "name part"),
        ("my name is yamada!", "name part"),
        ("i love tekisei so much", "name part"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason) as caught:
        check_password(password, "taro.yamada@example.jp", COMMON)
    assert caught.value.message_ja


def test_the_longest_allowed_password_is_accepted() -> None:
    check_password("correct horse battery " * 11 + "x" * 14, "a@b.jp", COMMON)
    assert len("correct horse battery " * 11 + "x" * 14) == MAX_PASSWORD


def test_back_off_doubles_after_the_free_failures_and_is_capped() -> None:
    base, cap = timedelta(seconds=5), timedelta(hours=1)
    waits = [backoff(n, 3, base, cap).total_seconds() for n in range(8)]
    assert waits == [0, 0, 0, 5, 10, 20, 40, 80]
    assert backoff(10_000, 3, base, cap) == cap


def test_waits_are_said_in_english_and_japanese() -> None:
    assert wait_words(timedelta(seconds=4.2)) == ("5 seconds", "5秒")
    assert wait_words(timedelta(minutes=14, seconds=1)) == ("15 minutes", "15分")


def _summary(account_days: float, member_days: float, added_by: str, subject_by: str) -> dict:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return {
        "approver_account_created_at": (at - timedelta(days=account_days)).isoformat(),
        "approver_member_since": (at - timedelta(days=member_days)).isoformat(),
        "approver_added_by": added_by,
        "subject_created_by": subject_by,
    }


def test_approvals_by_young_accounts_or_members_are_flagged() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC).isoformat()
    week = timedelta(days=7)
    old = _summary(400, 300, "cli", "editor@acme.example")
    assert approval_flags("risk.accept", at, old, week) == []
    young_account = _summary(2, 2, "cli", "editor@acme.example")
    assert approval_flags("stage.approve", at, young_account, week) == [ApprovalFlag.YOUNG_APPROVER]
    old_account_new_member = _summary(400, 1, "cli", "editor@acme.example")
    assert approval_flags("risk.accept", at, old_account_new_member, week) == [
        ApprovalFlag.YOUNG_APPROVER
    ]
    assert approval_flags("risk.update", at, young_account, week) == []


def test_an_approver_made_member_by_the_requester_is_flagged() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC).isoformat()
    same = _summary(400, 300, "admin@acme.example", "admin@acme.example")
    assert approval_flags("risk.accept", at, same, timedelta(days=7)) == [
        ApprovalFlag.APPROVER_ADDED_BY_REQUESTER
    ]
    unknown = {"approver_added_by": None, "subject_created_by": None}
    assert approval_flags("risk.accept", at, unknown, timedelta(days=7)) == []
