"""The two-step sign-in service: what a password sign-in waits for, replayed codes,
unconfirmed authenticators, several organisations, and throttling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.core.mfa import MfaPolicy
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.sso import SsoSettings
from tekisei.db.mfa import MfaFailureRow
from tekisei.errors import AuthenticationError, ConflictError, ThrottledError
from tekisei.services import mfa, orgs, sso, users
from tekisei.services.database import Database

PASSWORD = "correct horse battery"


def code(secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * steps))


@pytest.fixture
def world(empty_db: Database) -> Database:
    with empty_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        users.create_user(
            session,
            users.UserCreate(email="kato@acme.example", password=PASSWORD),
            "acme",
            Role.VIEWER,
            "cli",
            must_change_password=False,
        )
        user = users.find_user(session, "kato@acme.example")
        assert user is not None
        orgs.add_member(session, orgs.get_org(session, "other"), user, Role.ADMIN, "cli")
    return empty_db


def _principal(db: Database) -> Principal:
    with db.reading() as session:
        return users.principal_for(session, "kato@acme.example", "acme")


def test_an_authenticator_not_yet_confirmed_changes_nothing_at_sign_in(
    world: Database, settings: Settings
) -> None:
    key = mfa.sealing_key(settings)
    with world.transaction() as session:
        made = mfa.begin_enrolment(session, _principal(world), key)
    opened = users.sign_in(world, "kato@acme.example", PASSWORD)
    assert opened.second_factor is None
    mfa.confirm_enrolment(world, _principal(world), key, code(made.secret))
    assert users.sign_in(world, "kato@acme.example", PASSWORD).second_factor == "verify"
    with world.transaction() as session, pytest.raises(ConflictError):
        mfa.begin_enrolment(session, _principal(world), key)


def test_a_used_code_and_any_older_one_are_refused(world: Database, settings: Settings) -> None:
    key = mfa.sealing_key(settings)
    with world.transaction() as session:
        made = mfa.begin_enrolment(session, _principal(world), key)
    # computed at once: a time step that begins during the test changes none of them
    codes = {steps: code(made.secret, steps) for steps in (1, 0, -1)}
    mfa.confirm_enrolment(world, _principal(world), key, codes[1])
    for steps in (1, 0, -1):  # the step just used, and older ones still within the drift
        opened = users.sign_in(world, "kato@acme.example", PASSWORD)
        with pytest.raises(AuthenticationError):
            mfa.complete_sign_in(world, opened.token, key, codes[steps])
    with world.reading() as session:
        assert len(list(session.scalars(select(MfaFailureRow)))) == 3


def test_one_requiring_organisation_is_enough_and_tokens_wait_for_enrolment(
    world: Database,
) -> None:
    with world.transaction() as session:
        secret, _ = users.create_token(session, "kato@acme.example", "acme")
        mfa.set_policy(session, orgs.cli_principal(session, "other"), MfaPolicy(enabled=True))
    # An admin in "other": required everywhere, also for the viewer's token in "acme".
    assert users.sign_in(world, "kato@acme.example", PASSWORD, "acme").second_factor == "enrol"
    with pytest.raises(AuthenticationError, match="second factor"):
        users.authenticate_token(world, secret)


def test_throttling_counts_every_wrong_code_and_a_right_one_clears_it(
    world: Database, settings: Settings
) -> None:
    key = mfa.sealing_key(settings)
    with world.transaction() as session:
        made = mfa.begin_enrolment(session, _principal(world), key)
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            mfa.confirm_enrolment(world, _principal(world), key, "000000")
    mfa.confirm_enrolment(world, _principal(world), key, code(made.secret, -1))
    with world.reading() as session:
        assert list(session.scalars(select(MfaFailureRow))) == []
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            mfa.regenerate_recovery_codes(world, _principal(world), key, "999999")
    with pytest.raises(ThrottledError) as stopped:
        mfa.regenerate_recovery_codes(world, _principal(world), key, code(made.secret))
    assert 0 < stopped.value.retry_after <= 15 * 60


def test_an_organisation_that_signs_in_only_through_its_provider_leaves_the_factor_to_it(
    world: Database, settings: Settings
) -> None:
    with world.transaction() as session:
        secret, _ = users.create_token(session, "kato@acme.example", "acme")
        admin = orgs.cli_principal(session, "other")
        mfa.set_policy(session, admin, MfaPolicy(enabled=True))
    with pytest.raises(AuthenticationError, match="second factor"):
        users.authenticate_token(world, secret)
    fields = {
        "name": "Other IdP",
        "issuer": "https://idp.other.example",
        "client_id": "tekisei",
        "client_secret": "s3cret",
        "passwords_disabled": True,
    }
    with world.transaction() as session:
        sso.configure_sso(session, admin, SsoSettings(**fields), sso.sso_key(settings))
    # "other" now signs in only through its provider: its policy asks nothing of tekisei
    assert users.authenticate_token(world, secret).email == "kato@acme.example"
    assert users.sign_in(world, "kato@acme.example", PASSWORD, "acme").second_factor is None
    with world.transaction() as session:
        sso.configure_sso(
            session, admin, SsoSettings(**fields | {"passwords_disabled": False}),
            sso.sso_key(settings),
        )  # fmt: skip
    with pytest.raises(AuthenticationError, match="second factor"):
        users.authenticate_token(world, secret)
