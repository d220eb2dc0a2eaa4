"""Rules of two-step sign-in: who must use it, which time steps are accepted, recovery
codes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tekisei.core.mfa import (
    DEFAULT_ROLES,
    RECOVERY_ALPHABET,
    MfaPolicy,
    accepted_step,
    looks_like_totp,
    new_recovery_code,
    normal_recovery_code,
    required_anywhere,
    requires,
)
from tekisei.core.orgs import Role


def test_a_policy_turned_on_without_roles_concerns_admins_and_executives() -> None:
    policy = MfaPolicy(enabled=True)
    assert policy.roles == list(DEFAULT_ROLES) == [Role.ADMIN, Role.EXECUTIVE]
    assert requires(policy, Role.ADMIN) and requires(policy, Role.EXECUTIVE)
    assert not requires(policy, Role.VIEWER)
    assert not requires(MfaPolicy(enabled=False), Role.ADMIN)
    assert not requires(None, Role.ADMIN)


def test_roles_are_kept_once_in_their_order_and_unknown_ones_refused() -> None:
    policy = MfaPolicy(enabled=True, roles=[Role.VIEWER, Role.ADMIN, Role.VIEWER])
    assert policy.roles == [Role.ADMIN, Role.VIEWER]
    with pytest.raises(ValidationError):
        MfaPolicy.model_validate({"enabled": True, "roles": ["owner"]})
    with pytest.raises(ValidationError):
        MfaPolicy.model_validate({"enabled": True, "surprise": 1})


def test_one_requiring_organisation_is_enough() -> None:
    on = MfaPolicy(enabled=True, roles=[Role.AUDITOR])
    assert required_anywhere([(None, Role.ADMIN), (on, Role.AUDITOR)])
    assert not required_anywhere([(None, Role.ADMIN), (on, Role.ADMIN)])
    assert not required_anywhere([])


def test_a_step_is_accepted_once_and_never_an_older_one() -> None:
    assert accepted_step([100], None) == 100
    assert accepted_step([100], 100) is None  # the same code again
    assert accepted_step([99], 100) is None  # an older one
    assert accepted_step([101], 100) == 101
    assert accepted_step([99, 101], 100) == 101
    assert accepted_step([], None) is None


def test_only_six_digits_look_like_an_authenticator_code() -> None:
    assert looks_like_totp("123456") and looks_like_totp("123 456")
    assert not looks_like_totp("12345") and not looks_like_totp("1234567")
    assert not looks_like_totp("abcd-efgh") and not looks_like_totp("")


def test_recovery_codes_are_random_readable_and_typed_loosely() -> None:
    codes = {new_recovery_code() for _ in range(200)}
    assert len(codes) == 200
    for made in codes:
        groups = made.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert set("".join(groups)) <= set(RECOVERY_ALPHABET)
    assert not set("ilo01") & set(RECOVERY_ALPHABET)
    assert normal_recovery_code(" K3FQ 7wmz-p2ta-HN8D ") == "k3fq7wmzp2tahn8d"
