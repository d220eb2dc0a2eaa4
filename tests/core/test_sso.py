"""Single sign-on rules: which domains a provider vouches for, which role claims give,
and what an administrator may set."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tekisei.core.orgs import Role
from tekisei.core.sso import SsoSettings, domain_allowed, mapped_role

MAP = {"tekisei-admins": Role.ADMIN, "staff": Role.EDITOR, "board": Role.EXECUTIVE}


def test_the_widest_mapped_role_wins_and_no_match_gives_the_default() -> None:
    claims = {"groups": ["staff", "tekisei-admins", "unknown"]}
    assert mapped_role(claims, "groups", MAP, Role.VIEWER) is Role.ADMIN
    assert mapped_role({"groups": ["board", "staff"]}, "groups", MAP, Role.VIEWER) is Role.EXECUTIVE
    assert mapped_role({"groups": "staff"}, "groups", MAP, Role.VIEWER) is Role.EDITOR
    assert mapped_role({"groups": ["other"]}, "groups", MAP, Role.VIEWER) is Role.VIEWER
    assert mapped_role({"groups": {"staff": 1}}, "groups", MAP, Role.AUDITOR) is Role.AUDITOR
    assert mapped_role({}, "", MAP, Role.VIEWER) is Role.VIEWER


def test_only_listed_domains_are_allowed_and_none_listed_allows_nobody() -> None:
    assert domain_allowed("Alice@ACME.example", ["acme.example"])
    assert not domain_allowed("alice@sub.acme.example", ["acme.example"])
    assert not domain_allowed("alice@acme.example.evil", ["acme.example"])
    assert not domain_allowed("alice@acme.example", [])


def test_settings_normalise_domains_and_refuse_what_cannot_work() -> None:
    made = SsoSettings(
        name="ID",
        issuer="https://id.example.jp/",
        client_id="c",
        allowed_domains=["B.example.jp", "a.example.jp", "a.example.jp"],
    )
    assert made.issuer == "https://id.example.jp"
    assert made.allowed_domains == ["a.example.jp", "b.example.jp"]
    for bad in (
        {"issuer": "ftp://id.example.jp"},
        {"issuer": "https://id.example.jp/?x=1"},
        {"allowed_domains": ["not a domain"]},
        {"allowed_domains": ["@example.jp"]},
        {"role_map": {"staff": "owner"}},
        {"allowed_domains": [f"d{i}.example.jp" for i in range(51)]},
        {"client_secret": "x" * 1001},
        {"unknown": 1},
    ):
        with pytest.raises(ValidationError):
            SsoSettings.model_validate(
                {"name": "ID", "issuer": "https://id.example.jp", "client_id": "c"} | bad
            )
