"""Password hashing (argon2id, never inside a database transaction) and the password policy
with the list of common passwords that ships with tekisei."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tekisei.config import PasswordHashCost, load_settings
from tekisei.core.users import check_password

# argon2id at the library's RFC 9106 low-memory profile (64 MiB, 3 passes), unless
# TEKISEI_PASSWORD_HASH_COST says cheapest: the test suite does, since hashing at the real
# cost was a third of the CPU time of its tests that create accounts.
_PROFILES = {
    "rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,
    "cheapest": profiles.CHEAPEST,
}
_cost: PasswordHashCost | None = None
# Each hash takes 64 MiB and a core for tens of milliseconds: a burst of sign-ins queues
# here instead of exhausting memory or starving every other request of CPU.
HASHING_SLOTS = max(2, os.cpu_count() or 2)
_hashing = threading.BoundedSemaphore(HASHING_SLOTS)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased (see catalogs/passwords/)."""
    text = (
        resources.files("tekisei.catalogs")
        .joinpath("passwords/common-passwords.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check(password: str, email: str) -> None:
    """Refuse a password the policy does not allow (core.users.check_password).

    Raises:
        InvalidInputError: saying what is wrong.
    """
    check_password(password, email, common_passwords())


def hash_cost() -> PasswordHashCost:
    """The cost new hashes are made at in this process: ``TEKISEI_PASSWORD_HASH_COST``,
    read at the first hash, unless :func:`use_hash_cost` chose another."""
    global _cost
    if _cost is None:
        _cost = load_settings().password_hash_cost
    return _cost


def use_hash_cost(cost: PasswordHashCost) -> None:
    """Make new hashes at ``cost`` in this process from now on (test suites; a server reads
    ``TEKISEI_PASSWORD_HASH_COST``)."""
    global _cost
    _cost = cost


@cache
def hasher(cost: PasswordHashCost) -> PasswordHasher:
    """The argon2id hasher at ``cost``."""
    return PasswordHasher.from_parameters(_PROFILES[cost])


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``. Call it outside any transaction."""
    with _hashing:
        return hasher(hash_cost()).hash(password)


@cache
def _dummy_hash(cost: PasswordHashCost) -> str:
    return hasher(cost).hash("not the password of any account")


def verify_password(
    stored_hash: str | None,
    password: str,
    *,
    before: Callable[[], None] | None = None,
    after: Callable[[bool], None] | None = None,
) -> bool:
    """Whether ``password`` matches ``stored_hash``; with no hash (no such account) the same
    work is done against a dummy, so timing does not tell whether the account exists.
    Call it outside any transaction.

    ``before`` runs once a hashing slot is free and before hashing starts; what it raises
    ends the check (sign-in looks at the throttling limits again there, so that guesses
    queued behind others see the failures recorded meanwhile). ``after`` runs with the
    outcome while the slot is still held, so whoever takes the slot next sees what it
    recorded (sign-in records a failure there).
    """
    with _hashing:
        if before is not None:
            before()
        matched = _matches(stored_hash, password)
        if after is not None:
            after(matched)
        return matched


def _matches(stored_hash: str | None, password: str) -> bool:
    cost = hash_cost()
    try:
        if stored_hash is None:  # as costly as checking an account's password
            hasher(cost).verify(_dummy_hash(cost), password)
            return False
        return hasher(cost).verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's (an older cost, or
    the cheapest one a test suite used): signing in then stores a new hash."""
    try:
        return hasher(hash_cost()).check_needs_rehash(stored_hash)
    except InvalidHashError:
        return False
