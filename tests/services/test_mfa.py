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
from tekisei.db.audit import AuditEventRow
from tekisei.db.mfa import MfaFailureRow
from tekisei.errors import (
    AuthenticationError,
    ConflictError,
    PermissionDeniedError,
    SecondFactorRequiredError,
    ThrottledError,
)
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


def test_an_account_of_two_organisations_is_reset_by_the_operator_only(
    world: Database, settings: Settings
) -> None:
    key = mfa.sealing_key(settings)
    with world.transaction() as session:
        made = mfa.begin_enrolment(session, _principal(world), key)
    mfa.confirm_enrolment(world, _principal(world), key, code(made.secret))
    with world.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="boss@acme.example", password=PASSWORD),
            "acme",
            Role.ADMIN,
            "cli",
            must_change_password=False,
        )
        kato = users.find_user(session, "kato@acme.example")
        assert kato is not None
        kato_id = kato.id
    boss = users.sign_in(world, "boss@acme.example", PASSWORD, "acme").principal
    # acme's administrator may not remove what also protects kato as "other"'s admin
    with world.transaction() as session, pytest.raises(PermissionDeniedError, match="operator"):
        mfa.reset_member(session, boss, kato_id)
    with world.reading() as session:
        assert mfa.enrolled(session, kato_id)
    # the operator may, and every organisation of the account reads that it happened
    with world.transaction() as session:
        mfa.reset_member(session, orgs.cli_principal(session, "acme"), kato_id)
    with world.reading() as session:
        assert not mfa.enrolled(session, kato_id)
        resets = session.scalars(
            select(AuditEventRow.org_id).where(AuditEventRow.action == "mfa.reset")
        ).all()
        assert sorted(resets) == sorted(
            [orgs.get_org(session, "acme").id, orgs.get_org(session, "other").id]
        )


def test_turning_the_policy_on_holds_open_password_sessions_until_enrolment(
    world: Database,
) -> None:
    before = users.sign_in(world, "kato@acme.example", PASSWORD, "acme")
    with world.reading() as session:
        assert users.resolve_session(session, before.token)[0].email == "kato@acme.example"
    with world.transaction() as session:
        # kato is an administrator of "other": its policy concerns kato everywhere
        mfa.set_policy(session, orgs.cli_principal(session, "other"), MfaPolicy(enabled=True))
    with world.reading() as session, pytest.raises(SecondFactorRequiredError):
        users.resolve_session(session, before.token)
    with world.reading() as session:  # the enrolment page still opens for it
        principal, _csrf, state = users.resolve_session_state(
            session, before.token, second_factor="enrol"
        )
    assert state == "enrol" and principal.email == "kato@acme.example"
