"""A refused action says, in both languages, what the role may not do and who may."""

from __future__ import annotations

import re

import pytest

from tekisei.core.orgs import (
    PERMISSION_WORDS,
    ROLE_NAMES_JA,
    ROLE_PERMISSIONS,
    Permission,
    Principal,
    Role,
    require,
)
from tekisei.errors import PermissionDeniedError


def _as(role: Role) -> Principal:
    return Principal(user_id=1, email="x@acme.example", org_id=1, org_slug="acme", role=role)


@pytest.mark.parametrize("permission", list(Permission))
def test_every_refusal_names_the_roles_that_may(permission: Permission) -> None:
    holders = [r for r in Role if permission in ROLE_PERMISSIONS[r]]
    for role in Role:
        if role in holders:
            require(_as(role), permission)
            continue
        with pytest.raises(PermissionDeniedError) as refused:
            require(_as(role), permission)
        english, japanese = refused.value.message, refused.value.message_ja or ""
        assert PERMISSION_WORDS[permission][0] in english
        assert all(h.value.replace("_", " ") in english for h in holders)
        assert "ask an administrator" not in english or Role.ADMIN in holders
        assert all(ROLE_NAMES_JA[h] in japanese for h in holders)
        assert not re.search(r"[a-z]{3,}", japanese), japanese  # no codes such as approve_policy


def test_an_admin_is_sent_to_an_executive_for_an_approval() -> None:
    with pytest.raises(PermissionDeniedError) as refused:
        require(_as(Role.ADMIN), Permission.APPROVE_POLICY)
    assert refused.value.message == (
        "the role 'admin' may not approve AI policies; "
        "ask an executive of the organisation to do it"
    )
    assert "「経営層（承認者）」" in (refused.value.message_ja or "")
