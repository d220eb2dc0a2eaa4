"""Accounts: the password policy, sign-in back-off and the separation-of-duties flags.

Pure rules; the list of common passwords is handed in by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from tekisei.errors import InvalidInputError

MIN_PASSWORD = 12
MAX_PASSWORD = 256
"""One cap everywhere (API schemas, forms, CLI, sign-in): argon2 hashes any length, but a
password nobody can type into the sign-in form must not be settable either."""

Password = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD,
        max_length=MAX_PASSWORD,
        description=f"{MIN_PASSWORD}-{MAX_PASSWORD} characters; not a common password and "
        "not containing the email's name part",
    ),
]
AnyPassword = Annotated[
    str,
    Field(min_length=1, max_length=MAX_PASSWORD, description="The current password"),
]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        min_length=5,
        max_length=320,
    ),
]
CONTEXT_WORDS = ("tekisei",)
"""Words of this service that make a password easy to guess wherever it is used."""

_SEQUENCES = (
    "0123456789012345678901234567890123456789",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def _refuse(en: str, ja: str) -> InvalidInputError:
    return InvalidInputError(en, ja=ja)


def check_password(password: str, email: str, common: Collection[str]) -> None:
    """Refuse a password that is too short or long, common, predictable or made from the
    account's email.

    Args:
        password: the new password as typed.
        email: the account's email (its name part must not be in the password).
        common: lower-cased common passwords.

    Raises:
        InvalidInputError: saying what is wrong and what to choose instead.
    """
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise _refuse(
            f"the password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long; "
            "a sentence of several words is easy to remember",
            ja=f"パスワードは{MIN_PASSWORD}文字以上{MAX_PASSWORD}文字以下にしてください。"
            "複数の単語をつなげた文にすると覚えやすくなります。",
        )
    lowered = password.lower()
    core = _EDGES.sub("", lowered)
    if lowered in common or (core and core in common) or len(set(lowered)) < 5:
        raise _refuse(
            "this password is one of the most common passwords (or one with digits or symbols "
            "added); choose one that others would not guess",
            ja="このパスワードはよく使われるパスワード（またはそれに数字や記号を足したもの）です。"
            "他人に推測されないものを選んでください。",
        )
    squeezed = re.sub(r"[\W_]+", "", lowered)
    if len(squeezed) >= 4 and any(
        squeezed in sequence or squeezed in sequence[::-1] for sequence in _SEQUENCES
    ):
        raise _refuse(
            "this password is a run of keys or characters in order; choose one that others "
            "would not guess",
            ja="このパスワードはキーボードや文字の並びそのままです。"
            "他人に推測されないものを選んでください。",
        )
    local = email.strip().lower().partition("@")[0]
    parts = [p for p in re.split(r"[._+\-]+", local) if len(p) >= 4]
    words = [w for w in (local, *parts, *CONTEXT_WORDS) if len(w) >= 3]
    if any(word in lowered for word in words):
        raise _refuse(
            "the password must not contain your email's name part or the name of this service",
            ja="パスワードにメールアドレスの@より前の部分やサービス名を含めないでください。",
        )


def backoff(failures: int, free: int, base: timedelta, cap: timedelta) -> timedelta:
    """How long to wait after ``failures`` failed attempts: nothing for the first ``free``,
    then ``base`` doubling with each further failure, never more than ``cap``."""
    if failures < free:
        return timedelta(0)
    exponent = min(failures - free, 30)
    return min(base * (1 << exponent), cap)


def wait_words(wait: timedelta) -> tuple[str, str]:
    """A wait as (English, Japanese) words, rounded up to seconds or minutes."""
    seconds = max(1, int(-(-wait.total_seconds() // 1)))
    if seconds < 120:
        return f"{seconds} seconds", f"{seconds}秒"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes", f"{minutes}分"


class ApprovalFlag(StrEnum):
    """Why an acceptance or approval in the audit log deserves a second look."""

    YOUNG_APPROVER = "young_approver"
    """The approver's account or membership was younger than the configured age."""
    APPROVER_ADDED_BY_REQUESTER = "approver_added_by_requester"
    """Whoever made the approver a member also created what was approved."""


APPROVAL_ACTIONS = frozenset({"risk.accept", "stage.approve"})


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def approval_flags(
    action: str, at: str, summary: Mapping[str, Any], min_age: timedelta
) -> list[ApprovalFlag]:
    """The separation-of-duties flags of one audit event (none for other actions).

    ``summary`` holds what was recorded when the approval was made: when the approver's
    account and membership were created (``approver_account_created_at``,
    ``approver_member_since``), who made them a member (``approver_added_by``) and who
    created the approved thing (``subject_created_by``).
    """
    if action not in APPROVAL_ACTIONS:
        return []
    flags: list[ApprovalFlag] = []
    when = _parse(at)
    births = [
        _parse(summary.get("approver_account_created_at")),
        _parse(summary.get("approver_member_since")),
    ]
    known = [b for b in births if b is not None]
    if when is not None and known:
        youngest = max(known)
        if youngest.tzinfo is None and when.tzinfo is not None:
            youngest = youngest.replace(tzinfo=when.tzinfo)
        if when - youngest < min_age:
            flags.append(ApprovalFlag.YOUNG_APPROVER)
    added_by = summary.get("approver_added_by")
    subject_by = summary.get("subject_created_by")
    if added_by and subject_by and added_by == subject_by:
        flags.append(ApprovalFlag.APPROVER_ADDED_BY_REQUESTER)
    return flags
