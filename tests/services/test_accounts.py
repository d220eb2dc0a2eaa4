"""Accounts on both databases: throttling without lock-outs, the password policy, changing
one's password, invitations, the choice of organisation, removing members, who sees emails,
and the separation-of-duties facts kept on approvals."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.risks import RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.core.users import ApprovalFlag
from tekisei.db.audit import AuditEventRow
from tekisei.db.orgs import ApiTokenRow, InvitationRow, SigninFailureRow
from tekisei.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PasswordChangeRequiredError,
    PermissionDeniedError,
    ThrottledError,
)
from tekisei.services import audit, invitations, orgs, passwords, risks, systems, throttling, users
from tekisei.services.database import Database
from tekisei.services.people import ActorNames

PASSWORD = "correct horse battery"
ATTACKER, OWNER = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def db(empty_db: Database) -> Database:
    with empty_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
    return empty_db


def _account(
    db: Database, email: str, org: str = "acme", role: Role = Role.VIEWER, *, chosen: bool = True
) -> Principal:
    with db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email=email, password=PASSWORD),
            org,
            role,
            "cli",
            must_change_password=not chosen,
        )
        return users.principal_for(session, email, org)


def _admin(db: Database, org: str = "acme") -> Principal:
    return _account(db, f"admin@{org}.example", org, Role.ADMIN)


# ----------------------------------------------------------------------------- throttling


def test_an_attackers_failures_never_lock_the_owner_out_from_their_own_address(
    db: Database,
) -> None:
    _account(db, "tom@acme.example")
    for _ in range(throttling.PAIR_FREE):
        with pytest.raises(AuthenticationError):
            users.sign_in(db, "tom@acme.example", "wrong password!!", client=ATTACKER)
    with pytest.raises(ThrottledError) as caught:
        users.sign_in(db, "tom@acme.example", PASSWORD, client=ATTACKER)
    assert re.search(r"wait [1-5] seconds", caught.value.message)
    assert re.search(r"[1-5]秒待って", caught.value.message_ja or "")
    opened = users.sign_in(db, "tom@acme.example", PASSWORD, client=OWNER)
    assert opened.principal.email == "tom@acme.example"
    with pytest.raises(ThrottledError):  # the attacker stays slowed down
        users.sign_in(db, "tom@acme.example", PASSWORD, client=ATTACKER)


def test_the_back_off_doubles_with_each_failure(db: Database) -> None:
    _account(db, "tom@acme.example")
    now = datetime.now(UTC)
    with db.transaction() as session:
        for minutes in range(6):
            session.add(
                SigninFailureRow(
                    email_digest=throttling.email_digest("tom@acme.example"),
                    client=ATTACKER,
                    at=now - timedelta(minutes=30 - minutes),
                )
            )
    with db.reading() as session:
        # six failures: 5 s × 2³ = 40 s after the last one, long since passed
        assert throttling.wait_for(session, "tom@acme.example", ATTACKER) == timedelta(0)
    with db.transaction() as session:
        session.execute(update(SigninFailureRow).values(at=now))
    with db.reading() as session:
        wait = throttling.wait_for(session, "tom@acme.example", ATTACKER, now)
    assert wait == timedelta(seconds=40)


def test_one_address_guessing_across_unknown_emails_is_capped(db: Database) -> None:
    for n in range(throttling.CLIENT_CAP):
        with pytest.raises(AuthenticationError):
            users.sign_in(db, f"nobody{n}@example.org", "wrong password!!", client=ATTACKER)
    with pytest.raises(ThrottledError, match="minutes"):
        users.sign_in(db, "someone-new@example.org", "wrong password!!", client=ATTACKER)
    _account(db, "sue@acme.example")
    assert users.sign_in(db, "sue@acme.example", PASSWORD, client=OWNER).token
    with db.reading() as session:
        stored = set(session.scalars(select(SigninFailureRow.email_digest)))
    assert not any("@" in digest for digest in stored)


@pytest.mark.usefixtures("real_password_hashing")  # hashing's real cost is the point
def test_many_people_signing_in_at_once_from_one_address_are_not_throttled(
    db: Database,
) -> None:
    # An office behind one address at nine in the morning: attempts in flight are not
    # failures, so neither limit counts them.
    for n in range(8):
        _account(db, f"staff{n}@acme.example")
    emails = [f"staff{n % 8}@acme.example" for n in range(throttling.CLIENT_CAP + 10)]
    with ThreadPoolExecutor(len(emails)) as pool:
        opened = list(
            pool.map(lambda email: users.sign_in(db, email, PASSWORD, client=OWNER), emails)
        )
    assert len({session.token for session in opened}) == len(emails)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(SigninFailureRow)) == 0


@pytest.mark.usefixtures("real_password_hashing")  # hashing's real cost is the point
def test_a_burst_of_parallel_guesses_is_cut_short_after_the_free_failures(
    db: Database,
) -> None:
    _account(db, "tom@acme.example")

    def guess(n: int) -> str:
        try:
            users.sign_in(db, "tom@acme.example", f"wrong guess {n:04d}!", client=ATTACKER)
        except ThrottledError:
            return "throttled"
        except AuthenticationError:
            return "checked"
        return "signed in"

    with ThreadPoolExecutor(24) as pool:
        outcomes = list(pool.map(guess, range(48)))
    # Only a few guesses reach the password check: the rest wait behind the hashing
    # slots, look again, and find the address already backing off. Each guess records its
    # failure before it gives its slot up, so only those already holding a slot when the
    # free failures ran out are checked after them.
    assert outcomes.count("checked") <= throttling.PAIR_FREE + passwords.HASHING_SLOTS - 1
    assert outcomes.count("throttled") == 48 - outcomes.count("checked")


# ----------------------------------------------------------------------------- passwords


def test_the_shipped_list_of_common_passwords_is_used() -> None:
    assert len(passwords.common_passwords()) > 20_000
    with pytest.raises(InvalidInputError, match="common"):
        passwords.check("1qaz2wsx3edc", "a@example.org")
    passwords.check(PASSWORD, "a@example.org")


def test_a_password_too_long_to_type_into_the_sign_in_form_cannot_be_set(db: Database) -> None:
    with pytest.raises(InvalidInputError, match="256"), db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="long@acme.example", password="x1" * 50_000),
            "acme",
            Role.VIEWER,
            "cli",
        )


def test_an_account_whose_password_someone_else_chose_must_choose_its_own(db: Database) -> None:
    _account(db, "exec@acme.example", role=Role.EXECUTIVE, chosen=False)
    opened = users.sign_in(db, "exec@acme.example", PASSWORD)
    assert opened.password_change_required
    with pytest.raises(PasswordChangeRequiredError), db.reading() as session:
        users.resolve_session(session, opened.token)
    with db.reading() as session:
        principal, _ = users.resolve_session(session, opened.token, allow_password_change=True)
        created = session.scalars(
            select(AuditEventRow.summary).where(AuditEventRow.action == "user.create")
        ).one()
    assert created["password_change_required"] is True
    users.change_password(
        db, principal, PASSWORD, "my very own secret words", keep_session=opened.token
    )
    with db.reading() as session:
        assert users.resolve_session(session, opened.token)[0].role is Role.EXECUTIVE


def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(
    db: Database,
) -> None:
    principal = _account(db, "eve@acme.example")
    here = users.sign_in(db, "eve@acme.example", PASSWORD)
    elsewhere = users.sign_in(db, "eve@acme.example", PASSWORD)
    with pytest.raises(AuthenticationError, match="current password"):
        users.change_password(db, principal, "not my password", "a brand new sentence")
    with pytest.raises(InvalidInputError, match="name part"):
        users.change_password(db, principal, PASSWORD, "eve likes long passwords")
    ended = users.change_password(
        db, principal, PASSWORD, "a brand new sentence", keep_session=here.token
    )
    assert ended == 1
    with db.reading() as session:
        assert users.resolve_session(session, here.token)[0].email == "eve@acme.example"
        with pytest.raises(AuthenticationError):
            users.resolve_session(session, elsewhere.token)
    with pytest.raises(AuthenticationError):
        users.sign_in(db, "eve@acme.example", PASSWORD)
    assert users.sign_in(db, "eve@acme.example", "a brand new sentence").token


# ----------------------------------------------------------------------------- invitations


def _invite(db: Database, admin: Principal, email: str, role: Role = Role.VIEWER) -> str:
    with db.transaction() as session:
        code, _view = invitations.create_invitation(session, admin, email, role)
    return code


def test_inviting_an_account_of_another_organisation_changes_nothing_until_it_accepts(
    db: Database,
) -> None:
    _account(db, "victim@acme.example", "acme", Role.EXECUTIVE)
    intruder = _admin(db, "other")
    with db.transaction() as session:
        known_code, known = invitations.create_invitation(
            session, intruder, "victim@acme.example", Role.ADMIN
        )
        fresh_code, fresh = invitations.create_invitation(
            session, intruder, "nobody@elsewhere.example", Role.ADMIN
        )
    same = {"id", "created_at", "expires_at", "email"}
    assert {k: v for k, v in known.__dict__.items() if k not in same} == {
        k: v for k, v in fresh.__dict__.items() if k not in same
    }
    assert known_code.startswith("tki_") and len(known_code) == len(fresh_code)
    opened = users.sign_in(db, "victim@acme.example", PASSWORD)
    assert (opened.principal.org_slug, opened.org_count) == ("acme", 1)
    with db.reading() as session:
        assert known_code not in str(session.scalars(select(InvitationRow.code_hash)).all())
        with pytest.raises(PermissionDeniedError):
            invitations.accept_invitation(session, intruder, known_code)


def test_an_existing_account_accepts_and_then_chooses_its_organisation(db: Database) -> None:
    person = _account(db, "pat@acme.example", "acme", Role.EDITOR)
    code = _invite(db, _admin(db, "other"), "Pat@Acme.example ", Role.ASSESSOR)
    with db.reading() as session:
        details = invitations.invitation_details(session, code)
    assert (details.org, details.email, details.role) == ("other", "pat@acme.example", "assessor")
    with db.transaction() as session:
        joined = invitations.accept_invitation(session, person, code)
    assert (joined.org_slug, joined.role) == ("other", Role.ASSESSOR)
    opened = users.sign_in(db, "pat@acme.example", PASSWORD)
    assert opened.org_count == 2 and opened.principal.org_slug == "acme"
    with db.transaction() as session:
        moved = users.switch_org(session, opened.token, opened.principal, "other")
    assert (moved.org_slug, moved.role) == ("other", Role.ASSESSOR)
    with db.reading() as session:
        assert users.resolve_session(session, opened.token)[0].org_slug == "other"
        for slug in ("acme", "other"):
            principal = orgs.cli_principal(session, slug)
            _total, events = audit.list_events(session, principal, action="session.switch_org")
            assert len(events) == 1
            assert ("other" if slug == "acme" else "acme") not in str(events[0].summary)
        with pytest.raises(NotFoundError):
            users.switch_org(session, opened.token, moved, "nowhere")
    with pytest.raises(NotFoundError), db.transaction() as session:
        invitations.accept_invitation(session, person, code)  # used once


def test_a_new_person_chooses_their_own_password_through_the_invitation(db: Database) -> None:
    admin = _admin(db)
    code = _invite(db, admin, "new@acme.example", Role.EXECUTIVE)
    with pytest.raises(InvalidInputError, match="common"):
        invitations.register_with_invitation(db, code, "新人", "password1234")
    joined = invitations.register_with_invitation(db, code, "新人", "my own chosen words")
    assert (joined.org_slug, joined.role) == ("acme", Role.EXECUTIVE)
    opened = users.sign_in(db, "new@acme.example", "my own chosen words")
    assert not opened.password_change_required
    with db.reading() as session:
        member = orgs.membership(session, joined.user_id or 0, admin.org_id)
        assert member is not None and member.created_by == "admin@acme.example"
    with pytest.raises(NotFoundError):
        invitations.register_with_invitation(db, code, "x", "another long sentence")


def test_invitations_expire_can_be_revoked_or_declined_and_are_audited(db: Database) -> None:
    admin = _admin(db)
    late, withdrawn, refused = (
        _invite(db, admin, f"{n}@example.org") for n in ("late", "withdrawn", "refused")
    )
    with db.transaction() as session:
        session.execute(
            update(InvitationRow)
            .where(InvitationRow.email == "late@example.org")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        listed = {v.email: v for v in invitations.list_invitations(session, admin)}
        invitations.revoke_invitation(session, admin, listed["withdrawn@example.org"].id)
        invitations.decline_invitation(session, refused)
        with pytest.raises(ConflictError):
            invitations.revoke_invitation(session, admin, listed["refused@example.org"].id)
    for code in (late, withdrawn, refused):
        with pytest.raises(NotFoundError, match="not valid"), db.reading() as session:
            invitations.invitation_details(session, code)
    with db.reading() as session:
        statuses = {v.email: v.status for v in invitations.list_invitations(session, admin)}
        actions = [e.action for e in audit.list_events(session, admin, limit=200)[1]]
    assert statuses == {
        "late@example.org": "expired",
        "withdrawn@example.org": "revoked",
        "refused@example.org": "declined",
    }
    assert {"invitation.create", "invitation.revoke", "invitation.decline"} <= set(actions)
    viewer = _account(db, "v@acme.example")
    with pytest.raises(PermissionDeniedError), db.transaction() as session:
        invitations.create_invitation(session, viewer, "x@example.org", Role.ADMIN)


# ----------------------------------------------------------------------------- members


def test_removing_a_member_ends_their_sessions_and_tokens_but_not_the_last_admin(
    db: Database,
) -> None:
    admin = _admin(db)
    gone = _account(db, "gone@acme.example", role=Role.EDITOR)
    opened = users.sign_in(db, "gone@acme.example", PASSWORD)
    with db.transaction() as session:
        secret, _ = users.create_token(session, "gone@acme.example", "acme")
    with db.transaction() as session:
        orgs.remove_member(session, admin, gone.user_id or 0)
    with db.reading() as session:
        with pytest.raises(AuthenticationError):
            users.resolve_session(session, opened.token)
        with pytest.raises(AuthenticationError):
            users.resolve_token(session, secret)
        assert session.scalars(select(ApiTokenRow.revoked_at)).one() is not None
        assert "gone@acme.example" not in [m.email for m in orgs.list_members(session, admin)]
    with pytest.raises(ConflictError, match="last admin"), db.transaction() as session:
        orgs.remove_member(session, admin, admin.user_id or 0)
    stranger = _admin(db, "other")
    with pytest.raises(NotFoundError), db.transaction() as session:
        orgs.remove_member(session, admin, stranger.user_id or 0)


def test_only_admins_see_members_emails_and_external_testers_see_no_members(
    db: Database,
) -> None:
    admin = _admin(db)
    viewer = _account(db, "viewer@acme.example")
    tester = _account(db, "tester@lab.example", role=Role.EXTERNAL_TESTER)
    with db.reading() as session:
        assert "viewer@acme.example" in [m.email for m in orgs.list_members(session, admin)]
        seen = orgs.list_members(session, viewer)
        assert {m.email for m in seen} == {None} and {m.role for m in seen} >= {"admin"}
        with pytest.raises(PermissionDeniedError):
            orgs.list_members(session, tester)


# ----------------------------------------------------------------------------- approvals


def test_an_acceptance_records_who_made_the_approver_a_member_and_is_flagged(
    loaded_db: Database,
) -> None:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
    admin = _admin(loaded_db)
    code = _invite(loaded_db, admin, "exec@acme.example", Role.EXECUTIVE)
    executive = invitations.register_with_invitation(loaded_db, code, "", "my own chosen words")
    with loaded_db.transaction() as session:
        system = systems.register_system(
            session, admin, SystemFacts.model_validate({"name": "窓口", "org_role": "user"})
        )
        fields = RiskFields.model_validate(
            {
                "title": "偏り",
                "taxonomy": ["social.bias"],
                "likelihood": 3,
                "impact": 3,
                "residual_likelihood": 1,
                "residual_impact": 2,
            }
        )
        risk = risks.add_risk(session, admin, system.id, fields)
        accepted = risks.accept_risk(session, executive, risk.id, "受容", risk.version)
        assert risks.view(accepted, ActorNames(session, admin)).acceptor_added_by == (
            "admin@acme.example"
        )
    with loaded_db.reading() as session:
        _total, events = audit.list_events(session, admin, action="risk.accept")
        flags = users.approval_flags_of(session, events)
    summary = events[0].summary
    assert summary["approver_added_by"] == summary["subject_created_by"] == "admin@acme.example"
    assert flags[events[0].seq] == [
        ApprovalFlag.YOUNG_APPROVER,
        ApprovalFlag.APPROVER_ADDED_BY_REQUESTER,
    ]
