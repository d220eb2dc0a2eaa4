"""Multi-factor authentication of local accounts: who must have a second factor, which
one-time codes are accepted, and what recovery codes look like.

Pure rules: the TOTP arithmetic itself (RFC 6238) lives in ``services.mfa``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from tekisei.core.orgs import Role

DEFAULT_ROLES: tuple[Role, ...] = (Role.ADMIN, Role.EXECUTIVE)
"""The roles a policy applies to when an organisation turns it on without naming any."""
STEP_SECONDS = 30
"""The TOTP time step (RFC 6238's default, what every authenticator app uses)."""
DRIFT_STEPS = 1
"""Steps before and after the current one that are still accepted (clock drift)."""
DIGITS = 6
RECOVERY_COUNT = 10
"""Recovery codes issued at enrolment and at each regeneration."""
RECOVERY_GROUPS = 4
RECOVERY_GROUP_LENGTH = 4
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""31 letters and digits without look-alikes (i, l, o, 0, 1): 16 of them are 79 bits."""
FAILURES_ALLOWED = 5
"""Wrong codes per account within ``FAILURE_WINDOW`` before verification is refused."""
FAILURE_WINDOW = timedelta(minutes=15)
MAX_CODE = 40
"""Longest input accepted where a code is typed (a recovery code with spaces)."""

OneTimeCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_CODE)
]
"""A code as typed: six digits from the app, or a recovery code."""


class MfaPolicy(BaseModel):
    """An organisation's rule: whether members in ``roles`` must use a second factor."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    roles: list[Role] = Field(default_factory=lambda: list(DEFAULT_ROLES), max_length=len(Role))

    @field_validator("roles")
    @classmethod
    def _distinct(cls, roles: list[Role]) -> list[Role]:
        return sorted(set(roles), key=list(Role).index)


def requires(policy: MfaPolicy | None, role: Role) -> bool:
    """Whether a member with ``role`` must use a second factor under ``policy``."""
    return policy is not None and policy.enabled and role in policy.roles


def required_anywhere(policies: Iterable[tuple[MfaPolicy | None, Role]]) -> bool:
    """Whether any of an account's memberships (policy, role) requires a second factor:
    a session moves between the account's organisations without signing in again."""
    return any(requires(policy, role) for policy, role in policies)


def accepted_step(matching: Iterable[int], last_used: int | None) -> int | None:
    """The time step a code is accepted for: the latest step it matches that is after the
    last one used (a code, or an older one, is never accepted twice); None if none."""
    fresh = [step for step in matching if last_used is None or step > last_used]
    return max(fresh) if fresh else None


def looks_like_totp(code: str) -> bool:
    """Whether the input is an authenticator code (six digits, spaces allowed)."""
    return re.fullmatch(rf"\d{{{DIGITS}}}", code.replace(" ", "")) is not None


def totp_digits(code: str) -> str:
    """An authenticator code without the spaces people type in it."""
    return code.replace(" ", "")


def new_recovery_code() -> str:
    """A fresh recovery code, e.g. ``k3fq-7wmz-p2ta-hn8d``."""
    chars = "".join(
        secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH)
    )
    return "-".join(
        chars[i : i + RECOVERY_GROUP_LENGTH] for i in range(0, len(chars), RECOVERY_GROUP_LENGTH)
    )


def normal_recovery_code(code: str) -> str:
    """A recovery code as stored: lower case, without spaces or hyphens."""
    return re.sub(r"[\s\-]", "", code).lower()
